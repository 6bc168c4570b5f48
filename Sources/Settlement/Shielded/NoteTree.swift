import ZK

/// The shielded pool's note tree (docs/shielded.md, "The note tree"): an append-only binary
/// Poseidon Merkle tree of depth 32 over note commitments, leaves in order of insertion.
///
/// ## Definition
///
/// A node is `H(left, right)` (circomlib's Poseidon of two inputs); an empty leaf is 0 and an
/// empty subtree of height `h` is `Z_h` (`Z_0 = 0`, `Z_{h+1} = H(Z_h, Z_h)`, `emptyHashes`);
/// the empty tree's root is `Z_32`. A leaf's path bits are its position's bits, least significant
/// first (bit `h` = 1 when the node at height `h` is a right child) — the convention of
/// `ConstraintSystem.merkleRootNative` and of the spend circuit.
///
/// ## Representation
///
/// One array per height `h` in 0 ..< 32 holding the nodes that cover at least one leaf:
/// `ceil(count / 2^h)` of them (height 0 holds the leaves); everything to their right is `Z_h`.
/// The root (height 32) is kept apart. So a leaf costs about 64 bytes (its 32-byte commitment plus
/// one internal node of 32 bytes on average: n/2 + n/4 + … ≈ n), plus the arrays' growth slack
/// (measured: 8.0 MiB for 100,000 notes, `memoryFootprint`): 10 million notes take about 640 MB
/// to 1.3 GB. A path is read in O(32).
///
/// ## Appends
///
/// `append(contentsOf:)` writes the new leaves, then recomputes level by level only the nodes
/// that cover a new leaf (indices `old >> h ... (new - 1) >> h` at height `h`): each touched node is
/// hashed exactly once per batch, about `k + 32` Poseidon hashes for `k` leaves (not `32·k`).
///
/// ## Truncation
///
/// `truncate(to:)` drops the leaves from position `count` on — the inverse of the appends that
/// put them there, for a rollback of batches: the nodes beyond the new count leave their arrays
/// and only the last node of each level (the one covering the new last leaf) is rehashed, 32
/// Poseidon hashes plus O(removed) array work. The result is the tree those leaves alone give.
///
/// The tree is a value type (copy-on-write arrays), `Sendable`, not synchronised: one owner
/// mutates it.
public struct NoteTree: Sendable {
    /// Height of the tree: 32 levels of nodes above the leaves.
    public static let depth = 32
    /// Most leaves the tree holds: 2³².
    public static let capacity = 1 << 32

    /// `Z_0 ... Z_32`: the hashes of empty subtrees by height, computed once per process.
    public static let emptyHashes: [Fr] = {
        var z: [Fr] = [.zero]
        for h in 0 ..< depth { z.append(Poseidon.hash([z[h], z[h]])) }
        return z
    }()

    /// `levels[h][i]`: the node at height `h` (0 = leaves) and index `i`, for `i < ceil(count / 2^h)`.
    var levels: [[Fr]] = Array(repeating: [], count: NoteTree.depth)

    /// The root (`Z_32` for the empty tree).
    public private(set) var root: Fr = NoteTree.emptyHashes[NoteTree.depth]

    /// An empty tree.
    public init() {}

    /// A tree holding `commitments` at positions 0, 1, … (refuses more than 2³²).
    public init(commitments: [Fr]) throws(NoteTreeError) {
        try append(contentsOf: commitments)
    }

    /// Number of leaves: also the position the next commitment gets.
    public var count: Int { levels[0].count }

    /// Every commitment, in position order.
    public var commitments: [Fr] { levels[0] }

    /// The commitment at `position`, or nil beyond the last leaf.
    public func commitment(at position: Int) -> Fr? {
        position >= 0 && position < count ? levels[0][position] : nil
    }

    /// Approximate bytes held by the tree's storage (array capacities).
    public var memoryFootprint: Int {
        levels.reduce(0) { $0 + $1.capacity * MemoryLayout<Fr>.stride }
    }

    /// Appends `commitments` at positions `count, count + 1, …` and returns the new root. Refuses
    /// (changing nothing) a batch that would take the tree beyond `capacity` leaves.
    @discardableResult
    public mutating func append(contentsOf commitments: [Fr]) throws(NoteTreeError) -> Fr {
        let old = count
        try Self.checkRoom(count: old, appending: commitments.count)
        if commitments.isEmpty { return root }
        // A commitment is a Poseidon output: 0 would need a preimage of 0. Refusing it keeps
        // "leaf 0 = empty slot", on which `NoteAppendProof` relies to pin the count.
        if let zero = commitments.firstIndex(where: \.isZero) { throw .zeroCommitment(index: zero) }
        let new = old + commitments.count
        levels[0].append(contentsOf: commitments)
        for h in 1 ... Self.depth {
            let first = old >> h, last = (new - 1) >> h
            let emptyBelow = Self.emptyHashes[h - 1]
            let belowCount = levels[h - 1].count
            if h == Self.depth {
                root = Poseidon.hash([levels[h - 1][0], belowCount > 1 ? levels[h - 1][1] : emptyBelow])
                break
            }
            // Drop the node about to be recomputed (the one covering `old`, if any), then append;
            // in place, so that no level is copied.
            levels[h].removeSubrange(min(first, levels[h].count)...)
            for i in first ... last {
                let right = 2 * i + 1 < belowCount ? levels[h - 1][2 * i + 1] : emptyBelow
                levels[h].append(Poseidon.hash([levels[h - 1][2 * i], right]))
            }
        }
        return root
    }

    /// Drops the leaves at positions `newCount ..< count` and returns the new root: the tree is
    /// then exactly the one built from the first `newCount` commitments (same root, paths and
    /// levels), as it was before they were appended. Refuses (changing nothing) a `newCount`
    /// outside `0 ... count`: a rollback that would need leaves the tree never had is a bug of
    /// the caller, reported rather than clamped.
    @discardableResult
    public mutating func truncate(to newCount: Int) throws(NoteTreeError) -> Fr {
        let old = count
        guard newCount >= 0 && newCount <= old else { throw .truncateBeyondCount(count: old, to: newCount) }
        if newCount == old { return root }
        levels[0].removeSubrange(newCount...)
        if newCount == 0 {
            for h in 1 ..< Self.depth { levels[h].removeAll(keepingCapacity: true) }
            root = Self.emptyHashes[Self.depth]
            return root
        }
        for h in 1 ... Self.depth {
            let belowCount = levels[h - 1].count
            let emptyBelow = Self.emptyHashes[h - 1]
            if h == Self.depth {
                root = Poseidon.hash([levels[h - 1][0], belowCount > 1 ? levels[h - 1][1] : emptyBelow])
                break
            }
            // Keep the nodes covering a remaining leaf; the last of them may have lost leaves
            // below it: rehash it (its children at h − 1 are already final).
            let last = (newCount - 1) >> h
            levels[h].removeSubrange((last + 1)...)
            let right = 2 * last + 1 < belowCount ? levels[h - 1][2 * last + 1] : emptyBelow
            levels[h][last] = Poseidon.hash([levels[h - 1][2 * last], right])
        }
        return root
    }

    /// Throws `.full` unless `k` more leaves fit after `count`.
    static func checkRoom(count: Int, appending k: Int) throws(NoteTreeError) {
        guard k <= capacity - count else { throw .full(count: count, appending: k) }
    }

    /// The siblings of the leaf at `position` from height 0 (the leaf's neighbour) to 31, or nil
    /// when `position` is not below `count`. With the position's bits they give the root
    /// (`ConstraintSystem.merkleRootNative`): what a wallet needs to spend the note.
    public func path(at position: Int) -> [Fr]? {
        guard position >= 0 && position < count else { return nil }
        return siblings(of: position)
    }

    /// The siblings of `position` (any position below `capacity`, filled or not).
    func siblings(of position: Int) -> [Fr] {
        var out: [Fr] = []
        out.reserveCapacity(Self.depth)
        for h in 0 ..< Self.depth {
            let sibling = (position >> h) ^ 1
            out.append(sibling < levels[h].count ? levels[h][sibling] : Self.emptyHashes[h])
        }
        return out
    }

    /// The path bits of `position` (bit `h` = 1 when the node at height `h` is a right child).
    public static func pathBits(of position: Int) -> [Bool] {
        (0 ..< depth).map { (position >> $0) & 1 == 1 }
    }
}

/// Why the note tree refused an operation.
public enum NoteTreeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Appending would exceed the 2³² leaves of a depth-32 tree.
    case full(count: Int, appending: Int)
    /// The commitment at `index` of the batch is 0, the empty leaf (no note has it).
    case zeroCommitment(index: Int)
    /// `truncate(to:)` was asked for a count outside `0 ... count`.
    case truncateBeyondCount(count: Int, to: Int)

    public var description: String {
        switch self {
        case .truncateBeyondCount(let count, let to):
            "note tree of \(count) leaves cannot be truncated to \(to)"
        case .full(let count, let appending):
            "note tree full: \(count) leaves, appending \(appending) would exceed 2^32"
        case .zeroCommitment(let index): "commitment \(index) of the batch is 0, the empty leaf"
        }
    }
}
