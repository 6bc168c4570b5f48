import ZK

/// The shielded pool's nullifier set (docs/shielded.md, "The nullifier set"): a sparse Merkle
/// tree of depth 256 with compact leaves, defined like the account tree (`SparseMerkleTree`) but
/// over nullifiers.
///
/// ## Definition
///
/// - The nullifier `nf` (32 bytes, big-endian) lives on the path `keccak256(nf)`, read from the
///   most significant bit of byte 0 (0 goes left).
/// - A subtree's hash is `Digest32.zero` when it holds no nullifier, the leaf hash
///   `keccak256(0x01 ‖ nf)` (33 bytes) when it holds exactly one, and `keccak256(left ‖ right)`
///   (64 bytes) otherwise. The 0x01 tag and the length tell a nullifier leaf from an account leaf
///   (0x00, 61 bytes) and from a node.
/// - The empty set's root is `Digest32.zero`.
///
/// ## Representation
///
/// A binary trie in contiguous arrays with `Int32` links, as in `SparseMerkleTree`: internal nodes
/// (72 bytes: both children's hashes and links; a link is 0 for an empty subtree, `i > 0` for node
/// `i`, `~i` for leaf `i`), leaves (64 bytes: path and nullifier) and an open-addressing index of
/// `Int32` leaf numbers (8 bytes a nullifier at load ≤ 1/2) for `contains`. For random paths a set
/// of n nullifiers has about 1.44·n nodes: about 180 bytes a nullifier, 180 MB for 1,000,000
/// (`memoryFootprint`).
///
/// ## Inserts and removals
///
/// `insert(contentsOf:)` takes a batch, refuses it whole (changing nothing) when a nullifier is
/// already present or repeated in the batch, else sorts it by path and walks the trie once,
/// rehashing each touched node once. `remove(contentsOf:)` (NullifierSet+Removal.swift) is its
/// exact inverse, for a rollback of batches: removing the last batches' nullifiers gives back
/// the earlier root and storage.
///
/// A value type (copy-on-write arrays), `Sendable`, not synchronised: one owner mutates it.
public struct NullifierSet: Sendable {
    struct Node {
        var leftHash: Digest32
        var rightHash: Digest32
        var left: Int32
        var right: Int32
    }

    struct Leaf {
        var path: PathKey
        var nullifier: Digest32
    }

    /// A pending insertion, sorted by path.
    struct Op {
        var path: PathKey
        var nullifier: Digest32
        var leafHash: Digest32
    }

    /// Nodes; slot 0 is a placeholder so that links > 0 name nodes.
    var nodes: [Node] = [Node(leftHash: .zero, rightHash: .zero, left: 0, right: 0)]
    var leaves: [Leaf] = []
    /// Nullifier → leaf: linear probing over leaf numbers (-1 empty), slots chosen by Swift's
    /// per-process seeded `Hasher` so that chosen nullifiers cannot be made to collide.
    var slots: [Int32] = Array(repeating: -1, count: 16)
    var rootLink: Int32 = 0

    /// The root (`Digest32.zero` for the empty set).
    public internal(set) var root: Digest32 = .zero

    /// An empty set.
    public init() {}

    /// Number of nullifiers.
    public var count: Int { leaves.count }

    /// Approximate bytes held by the set's storage (array capacities).
    public var memoryFootprint: Int {
        nodes.capacity * MemoryLayout<Node>.stride + leaves.capacity * MemoryLayout<Leaf>.stride
            + slots.capacity * 4
    }

    /// Reserves room for `nullifiers` nullifiers.
    public mutating func reserveCapacity(_ nullifiers: Int) {
        leaves.reserveCapacity(nullifiers)
        nodes.reserveCapacity(nullifiers + nullifiers / 2 + 1)
        if slots.count < 2 * nullifiers { rehashIndex(minimumSlots: 2 * nullifiers) }
    }

    /// True when `nullifier` is in the set.
    public func contains(_ nullifier: Fr) -> Bool {
        findLeaf(Self.key(nullifier)) >= 0
    }

    /// Every nullifier: batch by batch in insertion order, each batch in path order (a removal
    /// that is not of the last batches moves the last nullifiers into the freed places).
    public var nullifiers: [Fr] {
        leaves.map { Fr(bigEndian: $0.nullifier.bytes)! }
    }

    // MARK: Definition

    /// The 32-byte big-endian form of a nullifier.
    static func key(_ nullifier: Fr) -> Digest32 {
        Digest32(bytes: nullifier.bigEndianBytes)!
    }

    /// `keccak256(nf)`: where the nullifier lives.
    static func path(_ key: Digest32) -> PathKey {
        PathKey(key.withUnsafeBytes { Keccak256.hash($0) })
    }

    /// `keccak256(0x01 ‖ nf)`: the hash of a subtree holding only this nullifier.
    static func leafHash(_ key: Digest32) -> Digest32 {
        Keccak256.hash([0x01] + key.bytes)
    }

    // MARK: Inserts

    /// Inserts `nullifiers` and returns the new root. Refuses the whole batch, changing nothing,
    /// when some are already in the set or appear twice in it (`NullifierSetError.present`
    /// lists their indices in the batch: a repeat's later occurrences).
    @discardableResult
    public mutating func insert(contentsOf nullifiers: [Fr]) throws(NullifierSetError) -> Digest32 {
        if nullifiers.isEmpty { return root }
        var ops: [Op] = []
        ops.reserveCapacity(nullifiers.count)
        var present: [Int] = []
        for (i, nf) in nullifiers.enumerated() {
            let key = Self.key(nf)
            if findLeaf(key) >= 0 { present.append(i) }
            ops.append(Op(path: Self.path(key), nullifier: key, leafHash: .zero))
        }
        // Sort by path, input order among equal paths (equal paths are equal nullifiers).
        var order = Array(ops.indices)
        order.sort { ops[$0].path < ops[$1].path || (ops[$0].path == ops[$1].path && $0 < $1) }
        for k in order.indices.dropFirst() where ops[order[k]].path == ops[order[k - 1]].path {
            present.append(order[k])
        }
        guard present.isEmpty else { throw .present(indices: present.sorted()) }
        var sorted = order.map { ops[$0] }
        for k in sorted.indices { sorted[k].leafHash = Self.leafHash(sorted[k].nullifier) }
        leaves.reserveCapacity(leaves.count + sorted.count)
        let result = sorted.withUnsafeBufferPointer { ops in
            insert(rootLink, root, depth: 0, ops, 0, ops.count)
        }
        rootLink = result.link
        root = result.hash
        return root
    }

    /// Inserts `ops[lo..<hi]` into the subtree `link` (hash `hash`) at `depth`.
    private mutating func insert(_ link: Int32, _ hash: Digest32, depth: Int,
                                 _ ops: UnsafeBufferPointer<Op>, _ lo: Int, _ hi: Int) -> (link: Int32, hash: Digest32) {
        if lo == hi { return (link, hash) }
        guard link > 0 else { return build(depth: depth, ops, lo, hi, carry: link < 0 ? ~link : -1, carryHash: hash) }
        let node = nodes[Int(link)]
        let split = Self.partition(ops, lo, hi, depth: depth)
        let l = insert(node.left, node.leftHash, depth: depth + 1, ops, lo, split)
        let r = insert(node.right, node.rightHash, depth: depth + 1, ops, split, hi)
        nodes[Int(link)] = Node(leftHash: l.hash, rightHash: r.hash, left: l.link, right: r.link)
        return (link, Keccak256.hash(left: l.hash, right: r.hash))
    }

    /// Builds the subtree at `depth` holding `ops[lo..<hi]` and, when `carry >= 0`, the existing
    /// leaf `carry` (hash `carryHash`).
    private mutating func build(depth: Int, _ ops: UnsafeBufferPointer<Op>, _ lo: Int, _ hi: Int,
                                carry: Int32, carryHash: Digest32) -> (link: Int32, hash: Digest32) {
        let n = hi - lo + (carry >= 0 ? 1 : 0)
        if n == 0 { return (0, .zero) }
        if n == 1 {
            if carry >= 0 { return (~carry, carryHash) }
            return (~allocateLeaf(ops[lo]), ops[lo].leafHash)
        }
        // Two or more distinct paths: they part before depth 256, so this recursion ends.
        let split = Self.partition(ops, lo, hi, depth: depth)
        let carrySide = carry < 0 ? -1 : leaves[Int(carry)].path.bit(depth)
        let l = build(depth: depth + 1, ops, lo, split, carry: carrySide == 0 ? carry : -1, carryHash: carryHash)
        let r = build(depth: depth + 1, ops, split, hi, carry: carrySide == 1 ? carry : -1, carryHash: carryHash)
        let i = Int32(nodes.count)
        nodes.append(Node(leftHash: l.hash, rightHash: r.hash, left: l.link, right: r.link))
        return (i, Keccak256.hash(left: l.hash, right: r.hash))
    }

    private mutating func allocateLeaf(_ op: Op) -> Int32 {
        let i = Int32(leaves.count)
        leaves.append(Leaf(path: op.path, nullifier: op.nullifier))
        insertIndex(op.nullifier, leaf: i)
        return i
    }

    /// First position in `ops[lo..<hi]` (sorted, sharing their first `depth` bits) whose path has
    /// bit `depth` set.
    static func partition(_ ops: UnsafeBufferPointer<Op>, _ lo: Int, _ hi: Int, depth: Int) -> Int {
        var a = lo, b = hi
        while a < b {
            let m = (a + b) >> 1
            if ops[m].path.bit(depth) == 0 { a = m + 1 } else { b = m }
        }
        return a
    }

    // MARK: Index

    func homeSlot(_ key: Digest32) -> Int {
        var h = Hasher()
        h.combine(key)
        return h.finalize() & (slots.count - 1)
    }

    /// The leaf holding `key`, or -1.
    func findLeaf(_ key: Digest32) -> Int32 {
        let mask = slots.count - 1
        var i = homeSlot(key)
        while true {
            let leaf = slots[i]
            if leaf < 0 || leaves[Int(leaf)].nullifier == key { return leaf }
            i = (i + 1) & mask
        }
    }

    private mutating func insertIndex(_ key: Digest32, leaf: Int32) {
        if 2 * leaves.count > slots.count {
            // The rehash indexes every leaf, this one (already appended) included.
            rehashIndex(minimumSlots: 2 * leaves.count)
            return
        }
        let mask = slots.count - 1
        var i = homeSlot(key)
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = leaf
    }

    /// Rebuilds the index with a power-of-two number of slots ≥ `minimumSlots`.
    private mutating func rehashIndex(minimumSlots: Int) {
        var size = 16
        while size < minimumSlots { size <<= 1 }
        slots = Array(repeating: -1, count: size)
        let mask = size - 1
        for (n, leaf) in leaves.enumerated() {
            var i = homeSlot(leaf.nullifier)
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(n)
        }
    }
}

/// Why the nullifier set refused a batch.
public enum NullifierSetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The nullifiers at these indices of the batch are already in the set or repeat an earlier
    /// one of the batch: a double spend.
    case present(indices: [Int])
    /// The nullifiers at these indices of a removal are not in the set or repeat an earlier one
    /// of the removal: the rollback does not match what was inserted.
    case absent(indices: [Int])

    public var description: String {
        switch self {
        case .present(let indices): "nullifiers already spent at batch indices \(indices)"
        case .absent(let indices): "nullifiers to remove not in the set at indices \(indices)"
        }
    }
}
