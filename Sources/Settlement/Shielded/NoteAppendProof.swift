import ZK

/// What a verifier needs to compute the note tree's root after appending commitments, knowing
/// only the root before: for the fraud proof's one-step check of a shielded transaction (at most
/// two output commitments each).
///
/// ## What it proves and why each part is there
///
/// - `siblings`: the path of the empty slot `count` (heights 0 ..< 32). The verifier checks that
///   leaf 0 at position `count` under these siblings gives the old root, and that every sibling on
///   the right of the path (bit of `count` = 0) is the empty subtree `Z_h`.
/// - `lastCommitment` and `lastSiblings`: when `count > 0`, the commitment at `count − 1` (never
///   0, see `NoteTreeError.zeroCommitment`) and its path. The state root commits to the note
///   tree's root but not to its count; an empty slot alone would not pin it (every slot beyond the
///   last leaf is empty), but an empty slot right after a filled one does, since filled slots are
///   exactly `0 ..< count`.
///
/// ## Appending k commitments: the frontier
///
/// After writing commitment `c` at slot `p` (root: `c` hashed up the path of `p`), the path of
/// slot `p + 1` follows from the path of `p` and the new ancestors `a_h` of `c`: at height `h` its
/// sibling is `Z_h` when bit `h` of `p + 1` is 0, else the old sibling of `p` when `p` and `p + 1`
/// share their height-`h` ancestor, else `a_h`. So one proven path serves any number of
/// appends, each costing 32 hashes — the same result as `NoteTree.append(contentsOf:)`.
public struct NoteAppendProof: Sendable, Hashable {
    /// Leaves in the tree before the append: the first new commitment's position.
    public let count: Int
    /// The siblings of slot `count`, height 0 first.
    public let siblings: [Fr]
    /// The commitment at `count − 1`; nil for the empty tree.
    public let lastCommitment: Fr?
    /// The siblings of slot `count − 1`, height 0 first; empty for the empty tree.
    public let lastSiblings: [Fr]

    /// Creates a proof (the verifier checks it; nothing is checked here).
    public init(count: Int, siblings: [Fr], lastCommitment: Fr?, lastSiblings: [Fr]) {
        self.count = count
        self.siblings = siblings
        self.lastCommitment = lastCommitment
        self.lastSiblings = lastSiblings
    }
}

extension NoteTree {
    /// The proof for appending to this tree as it is now (see `NoteAppendProof`). A full tree
    /// has no empty slot: its proof fails every check.
    public func appendProof() -> NoteAppendProof {
        let n = count
        return NoteAppendProof(count: n, siblings: n < Self.capacity ? siblings(of: n) : [],
                               lastCommitment: n > 0 ? levels[0][n - 1] : nil,
                               lastSiblings: n > 0 ? siblings(of: n - 1) : [])
    }

    /// The root after appending `commitments` to the tree whose root is `oldRoot`, or nil when
    /// `proof` does not show that `oldRoot` has exactly `proof.count` leaves, when a commitment
    /// is 0, or when the tree would overflow. Needs nothing but its arguments.
    public static func rootAfterAppend(_ commitments: [Fr], proof: NoteAppendProof, oldRoot: Fr) -> Fr? {
        let n = proof.count
        guard n >= 0, n < capacity, commitments.count <= capacity - n,
              proof.siblings.count == depth,
              !commitments.contains(where: \.isZero) else { return nil }
        // Slot n is empty, and so is everything on its right.
        for h in 0 ..< depth where (n >> h) & 1 == 0 {
            guard proof.siblings[h] == emptyHashes[h] else { return nil }
        }
        guard hashUp(.zero, position: n, siblings: proof.siblings) == oldRoot else { return nil }
        // Slot n − 1 is filled (or the tree is empty).
        if n > 0 {
            guard let last = proof.lastCommitment, !last.isZero, proof.lastSiblings.count == depth,
                  hashUp(last, position: n - 1, siblings: proof.lastSiblings) == oldRoot else { return nil }
        } else {
            guard proof.lastCommitment == nil, proof.lastSiblings.isEmpty else { return nil }
        }
        var siblings = proof.siblings
        var position = n
        var root = oldRoot
        var ancestors = [Fr](repeating: .zero, count: depth)
        for c in commitments {
            var node = c
            for h in 0 ..< depth {
                ancestors[h] = node
                node = (position >> h) & 1 == 1 ? Poseidon.hash([siblings[h], node])
                    : Poseidon.hash([node, siblings[h]])
            }
            root = node
            let next = position + 1
            if next < capacity {
                for h in 0 ..< depth {
                    if (next >> h) & 1 == 0 {
                        siblings[h] = emptyHashes[h]
                    } else if next >> h != position >> h {
                        siblings[h] = ancestors[h]
                    }
                }
            }
            position = next
        }
        return root
    }

    /// `leaf` hashed up the path of `position` (the convention of `merkleRootNative`).
    static func hashUp(_ leaf: Fr, position: Int, siblings: [Fr]) -> Fr {
        var node = leaf
        for h in 0 ..< depth {
            node = (position >> h) & 1 == 1 ? Poseidon.hash([siblings[h], node]) : Poseidon.hash([node, siblings[h]])
        }
        return node
    }
}
