/// A note tree (docs/shielded.md, "The note tree") held whole in memory and recomputed on each
/// query: the commitments at positions 0, 1, … and empty leaves (0) after them, empty subtrees of
/// height h hashing to `Z_h`. For examples and tests with a few leaves; it is not the engine's
/// incremental tree, but it computes the same roots and paths.
public struct SmallNoteTree: Sendable {
    public let depth: Int
    public private(set) var leaves: [Fr]

    public init(depth: Int = SpendCircuit.treeDepth, leaves: [Fr] = []) {
        precondition((1...64).contains(depth), "depth 1 to 64")
        precondition(depth >= 63 || leaves.count <= 1 << depth, "more leaves than the tree holds")
        self.depth = depth
        self.leaves = leaves
    }

    /// Appends a commitment; returns its position.
    @discardableResult
    public mutating func append(_ commitment: Fr) -> Int {
        leaves.append(commitment)
        return leaves.count - 1
    }

    /// `Z_0 … Z_depth`: `Z_0 = 0`, `Z_{h+1} = H(Z_h, Z_h)`.
    public static func emptyRoots(depth: Int) -> [Fr] {
        var z = [Fr.zero]
        for h in 0..<depth { z.append(Poseidon.hash([z[h], z[h]])) }
        return z
    }

    public var root: Fr { levels().top }

    /// The siblings of the leaf at `position`, leaf level first (its path bits are the
    /// position's bits, least significant first).
    public func siblings(position: Int) -> [Fr] {
        precondition(position >= 0 && position < max(leaves.count, 1), "no such leaf")
        return levels(collectingSiblingsOf: position).siblings
    }

    /// Hashes level by level; a node whose subtree has no leaf is `Z_h`.
    private func levels(collectingSiblingsOf position: Int? = nil) -> (top: Fr, siblings: [Fr]) {
        let z = Self.emptyRoots(depth: depth)
        var nodes = leaves
        var siblings: [Fr] = []
        var index = position ?? 0
        for h in 0..<depth {
            if position != nil {
                let s = index ^ 1
                siblings.append(s < nodes.count ? nodes[s] : z[h])
                index >>= 1
            }
            var next: [Fr] = []
            next.reserveCapacity((nodes.count + 1) / 2)
            var i = 0
            while i < nodes.count {
                next.append(Poseidon.hash([nodes[i], i + 1 < nodes.count ? nodes[i + 1] : z[h]]))
                i += 2
            }
            nodes = next
        }
        return (nodes.first ?? z[depth], siblings)
    }
}
