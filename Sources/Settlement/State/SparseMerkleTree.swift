#if canImport(Glibc)
import Glibc
#endif

/// The state commitment: a sparse Merkle tree of depth 256 over accounts, with compact leaves.
///
/// ## Definition (what the root commits to)
///
/// - An account at `address` lives on the 256-bit path `keccak256(address)`, read from the most
///   significant bit of byte 0 (bit 0 = depth 0: 0 goes left, 1 goes right).
/// - The hash of a subtree is:
///   - `Digest32.zero` when it holds no account;
///   - the *leaf hash* of its account when it holds exactly one (compact leaves: a lone account
///     sits at the shallowest depth where it is alone, not at depth 256), see
///     `Account.leafHash(at:)`: `keccak256(0x00 ‖ address ‖ balance ‖ nonce)` (61 bytes);
///   - `keccak256(left ‖ right)` (64 bytes) of its two halves otherwise — a half may be zero when
///     all accounts of the subtree share the next bit.
/// - The empty tree's root is `Digest32.zero`.
///
/// Leaf and node preimages are told apart by length (61 vs 64 bytes) and the leaf's leading 0x00
/// tag, so a leaf can never pass for a node or the reverse; the node hash stays the plain 64-byte
/// `keccak256(left ‖ right)` (one Keccak-f permutation, `Keccak256.hash(left:right:)`).
///
/// ## Representation
///
/// A binary trie in two contiguous arrays with `Int32` links: internal nodes (72 bytes: the hashes
/// of both children and both child links — a parent keeps its children's hashes so rehashing a path
/// touches one node per level, not two) and leaves (96 bytes: path, address, account). A child
/// link is 0 for an empty subtree, `i > 0` for node `i`, `~i < 0` for leaf `i`. An index from
/// address to leaf (an open-addressing table of `Int32`) gives O(1) account lookups. Freed slots
/// are reused. For random keys a tree of n accounts has about 1.44·n internal nodes, so
/// 1,000,000 accounts take about 104 MB (nodes) + 96 MB (leaves) + 8 MB (index), see
/// `memoryFootprint`.
///
/// ## Updates
///
/// `update(_:)` sorts the batch by path and walks the trie once, recursing only into subtrees that
/// contain a change, so every touched node is rehashed exactly once per batch however many
/// changes lie below it.
///
/// The tree is a value type (copy-on-write arrays); it is `Sendable` but not synchronised — one
/// owner mutates it (see `StateManager`).
public struct SparseMerkleTree: Sendable {
    /// Work counters (cumulative since creation), for benchmarks and tests.
    public struct Statistics: Sendable, Equatable {
        /// `keccak256(left ‖ right)` node hashes.
        public var nodeHashes: Int = 0
        /// Leaf hashes (61-byte preimages).
        public var leafHashes: Int = 0
        /// `keccak256(address)` path computations (new addresses only; known ones are indexed).
        public var pathHashes: Int = 0
    }

    /// Internal node: both children's hashes and links.
    struct Node {
        var leftHash: Digest32
        var rightHash: Digest32
        var left: Int32
        var right: Int32
    }

    /// A leaf. A free slot has the empty account.
    struct Leaf {
        var path: PathKey
        var address: AddressKey
        var account: Account
    }

    /// One pending change of a batch, sorted by path.
    struct Op {
        var path: PathKey
        var address: AddressKey
        var account: Account
        var leafHash: Digest32
        var isDelete: Bool { account.isEmpty }
    }

    /// Nodes; slot 0 is a placeholder so that links > 0 name nodes.
    var nodes: [Node] = [Node(leftHash: .zero, rightHash: .zero, left: 0, right: 0)]
    var leaves: [Leaf] = []
    var freeNodes: [Int32] = []
    var freeLeaves: [Int32] = []
    /// Address → leaf: open addressing with linear probing over `Int32` leaf numbers (-1 empty),
    /// keys compared through the leaves (4 bytes a slot, load ≤ 1/2: 8 MB for 1,000,000 accounts,
    /// versus ~56 MB and three arrays to miss in for a `Dictionary`). Slots are chosen by Swift's
    /// per-process seeded `Hasher`, so chosen addresses cannot be made to collide.
    var slots: [Int32] = Array(repeating: -1, count: 16)
    var indexCount = 0
    var rootLink: Int32 = 0

    /// The root hash (`Digest32.zero` for the empty tree).
    public internal(set) var root: Digest32 = .zero
    /// Work performed so far.
    public internal(set) var statistics = Statistics()

    /// An empty tree.
    public init() {}

    /// Number of (non-empty) accounts.
    public var count: Int { indexCount }

    /// Reserves room for `accounts` accounts (avoids regrowth while loading a genesis or snapshot).
    public mutating func reserveCapacity(_ accounts: Int) {
        if leaves.capacity < accounts { Self.grow(&leaves, to: accounts) }
        let nodeCount = accounts + accounts / 2 + 1
        if nodes.capacity < nodeCount { Self.grow(&nodes, to: nodeCount) }
        if slots.count < 2 * accounts { rehashIndex(minimumSlots: 2 * accounts) }
    }

    /// Moves `array` to a buffer of at least `capacity` elements. Node and leaf arrays are big
    /// and read at random (one cache miss per level): on Linux the new buffer is advised to
    /// transparent huge pages before it is touched, which removes most TLB misses on the path
    /// walks (measured: see `StateBenchmark`).
    static func grow<T>(_ array: inout [T], to capacity: Int) {
        var fresh: [T] = []
        fresh.reserveCapacity(capacity)
        #if canImport(Glibc)
        let bytes = fresh.capacity * MemoryLayout<T>.stride
        if bytes >= 4 << 20 {
            fresh.withUnsafeMutableBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                let page = UInt(4096)
                let start = (UInt(bitPattern: base) + page - 1) & ~(page - 1)
                let end = (UInt(bitPattern: base) + UInt(bytes)) & ~(page - 1)
                if end > start {
                    // Advice only: failure (e.g. THP disabled) changes nothing but speed.
                    _ = madvise(UnsafeMutableRawPointer(bitPattern: start), Int(end - start), MADV_HUGEPAGE)
                }
            }
        }
        #endif
        fresh.append(contentsOf: array)
        array = fresh
    }

    /// Approximate bytes held by the tree's storage (array capacities).
    public var memoryFootprint: Int {
        nodes.capacity * MemoryLayout<Node>.stride
            + leaves.capacity * MemoryLayout<Leaf>.stride
            + (freeNodes.capacity + freeLeaves.capacity + slots.capacity) * 4
    }

    /// The account at `address`, or nil when absent.
    public func account(_ address: Address) -> Account? {
        account(AddressKey(address))
    }

    func account(_ key: AddressKey) -> Account? {
        let i = findLeaf(key)
        return i < 0 ? nil : leaves[Int(i)].account
    }

    /// Every account, sorted by address.
    public func sortedAccounts() -> [(address: Address, account: Account)] {
        sortedEntries().map { (address: $0.0.address, account: $0.1) }
    }

    func sortedEntries() -> [(AddressKey, Account)] {
        var out: [(AddressKey, Account)] = []
        out.reserveCapacity(indexCount)
        for leaf in leaves where !leaf.account.isEmpty { out.append((leaf.address, leaf.account)) }
        out.sort { $0.0 < $1.0 }
        return out
    }

    // MARK: Updates

    /// Applies a batch of changes and returns the new root. `nil` or the empty account deletes the
    /// address's leaf. When an address appears more than once the last change wins. Changes that
    /// leave an account as it was cost nothing.
    @discardableResult
    public mutating func update(_ changes: [(address: Address, account: Account?)]) -> Digest32 {
        update(keys: changes.map { (AddressKey($0.address), $0.account ?? .empty) })
    }

    /// Applies a state diff (see `update(_:)`).
    @discardableResult
    public mutating func update(_ diff: StateDiff) -> Digest32 {
        update(keys: diff.entries.map { ($0.key, $0.account) })
    }

    @discardableResult
    mutating func update(keys changes: [(AddressKey, Account)]) -> Digest32 {
        _ = apply(changes, recordPrevious: false)
        return root
    }

    /// Applies `changes`; when `recordPrevious`, also returns each change's address with its value
    /// before the batch (`Account.empty` when absent), in input order: the reverse diff.
    mutating func apply(_ changes: [(AddressKey, Account)], recordPrevious: Bool) -> [(AddressKey, Account)] {
        var previous: [(AddressKey, Account)] = []
        if changes.isEmpty { return previous }
        if recordPrevious { previous.reserveCapacity(changes.count) }
        // Path of every change: from its leaf for known addresses (one index lookup), else
        // keccak(address).
        var order: [(path: PathKey, position: Int32, leaf: Int32)] = []
        order.reserveCapacity(changes.count)
        let homes = prefetchIndex(changes)
        for (i, change) in changes.enumerated() {
            let leaf = findLeaf(change.0, home: homes[i])
            if leaf >= 0 {
                let l = leaves[Int(leaf)]
                order.append((l.path, Int32(i), leaf))
                if recordPrevious { previous.append((change.0, l.account)) }
            } else {
                order.append((PathKey(change.0.pathDigest()), Int32(i), -1))
                statistics.pathHashes += 1
                if recordPrevious { previous.append((change.0, .empty)) }
            }
        }
        // Sort by path; equal paths (same address) keep input order so the last one wins.
        order.sort { $0.path < $1.path || ($0.path == $1.path && $0.position < $1.position) }
        var ops: [Op] = []
        ops.reserveCapacity(order.count)
        var k = 0
        while k < order.count {
            var last = k
            while last + 1 < order.count && order[last + 1].path == order[k].path { last += 1 }
            let (address, account) = changes[Int(order[last].position)]
            let leaf = order[last].leaf
            k = last + 1
            // Drop no-ops: deleting an absent account, or writing the value already there.
            if account.isEmpty ? leaf < 0 : (leaf >= 0 && leaves[Int(leaf)].account == account) { continue }
            if !account.isEmpty { statistics.leafHashes += 1 }
            // The leaf hash is filled in below, while the nodes to visit are being fetched.
            ops.append(Op(path: order[last].path, address: address, account: account, leafHash: .zero))
        }
        if ops.isEmpty { return previous }
        let result = ops.withUnsafeMutableBufferPointer { ops in
            // Leaf hashes need no memory beyond the ops: compute them in slices between the
            // levels of the node discovery, whose prefetches then arrive during hashing.
            var hashed = 0
            let slice = max(64, ops.count / 16)
            let visits = plannedVisits(for: UnsafeBufferPointer(ops)) {
                Self.hashLeaves(ops, &hashed, upTo: min(ops.count, hashed + slice))
            }
            Self.hashLeaves(ops, &hashed, upTo: ops.count)
            var lookahead = NodeLookahead(visits: visits)
            return rebuild(rootLink, root, depth: 0, UnsafeBufferPointer(ops), 0, ops.count, &lookahead)
        }
        rootLink = result.link
        root = result.hash
        return previous
    }

    /// Computes the leaf hashes of `ops[done..<end]` (deletions keep `.zero`); `done` becomes `end`.
    private static func hashLeaves(_ ops: UnsafeMutableBufferPointer<Op>, _ done: inout Int, upTo end: Int) {
        while done < end {
            if !ops[done].isDelete { ops[done].leafHash = ops[done].account.leafHash(at: ops[done].address) }
            done += 1
        }
    }

    /// Applies `ops[lo..<hi]` (all under this subtree) to the subtree `link` at `depth` whose
    /// current hash is `hash`; returns its new link and hash. Visits nodes in the order of
    /// `lookahead.visits`, prefetching a few visits ahead (see `plannedVisits(for:)`).
    private mutating func rebuild(_ link: Int32, _ hash: Digest32, depth: Int,
                                  _ ops: UnsafeBufferPointer<Op>, _ lo: Int, _ hi: Int,
                                  _ lookahead: inout NodeLookahead) -> (link: Int32, hash: Digest32) {
        if lo == hi { return (link, hash) }
        guard link > 0 else {
            // Empty, or a lone leaf: rebuild this subtree from the changes and that leaf.
            return build(depth: depth, ops, lo, hi, carry: link < 0 ? ~link : -1, carryHash: hash)
        }
        // The planned visit at this point is this node: it carries the split of its ops and its
        // child links, so the node itself is read only after the changed subtrees below it are
        // rehashed — by then its prefetched lines have arrived.
        let visit = lookahead.visits[lookahead.next]
        let split = Int(visit.split)
        prefetchAhead(&lookahead)
        let l = split > lo && visit.left > 0
            ? rebuild(visit.left, .zero, depth: depth + 1, ops, lo, split, &lookahead) : nil
        let r = hi > split && visit.right > 0
            ? rebuild(visit.right, .zero, depth: depth + 1, ops, split, hi, &lookahead) : nil
        // Unchanged halves keep their hash; a changed lone leaf or empty half is built here.
        let node = nodes[Int(link)]
        let left = l ?? rebuild(node.left, node.leftHash, depth: depth + 1, ops, lo, split, &lookahead)
        let right = r ?? rebuild(node.right, node.rightHash, depth: depth + 1, ops, split, hi, &lookahead)
        return combine(reusing: link, left.link, left.hash, right.link, right.hash)
    }

    /// Builds the subtree at `depth` holding the changes `ops[lo..<hi]` plus, when `carry >= 0`,
    /// the existing leaf `carry` (hash `carryHash`), which one of the changes may update or delete.
    private mutating func build(depth: Int, _ ops: UnsafeBufferPointer<Op>, _ lo: Int, _ hi: Int,
                                carry: Int32, carryHash: Digest32) -> (link: Int32, hash: Digest32) {
        let n = hi - lo
        if carry < 0 {
            // Only insertions reach here: a change to an existing account travels with its leaf.
            if n == 0 { return (0, .zero) }
            if n == 1 { return (~allocateLeaf(ops[lo]), ops[lo].leafHash) }
        } else {
            if n == 0 { return (~carry, carryHash) }
            if n == 1 && ops[lo].path == leaves[Int(carry)].path {
                if ops[lo].isDelete {
                    freeLeaf(carry)
                    return (0, .zero)
                }
                leaves[Int(carry)].account = ops[lo].account
                return (~carry, ops[lo].leafHash)
            }
        }
        // Two or more accounts may remain: split on this depth's bit. Distinct paths part before
        // depth 256, so this recursion ends.
        let split = Self.partition(ops, lo, hi, depth: depth)
        let carrySide = carry < 0 ? -1 : leaves[Int(carry)].path.bit(depth)
        let l = build(depth: depth + 1, ops, lo, split, carry: carrySide == 0 ? carry : -1, carryHash: carryHash)
        let r = build(depth: depth + 1, ops, split, hi, carry: carrySide == 1 ? carry : -1, carryHash: carryHash)
        return combine(reusing: 0, l.link, l.hash, r.link, r.hash)
    }

    /// The subtree with halves `l` and `r`, in compact form: empty, a lone leaf moved up, or an
    /// internal node (`reusing` that node's slot when > 0, else a new one), hashed once.
    @inline(__always)
    mutating func combine(reusing slot: Int32, _ l: Int32, _ lh: Digest32,
                                  _ r: Int32, _ rh: Digest32) -> (link: Int32, hash: Digest32) {
        if (l == 0 && r <= 0) || (r == 0 && l < 0) {
            if slot > 0 { freeNodes.append(slot) }
            return l == 0 ? (r, rh) : (l, lh)
        }
        let node = Node(leftHash: lh, rightHash: rh, left: l, right: r)
        let i: Int32
        if slot > 0 {
            i = slot
            nodes[Int(i)] = node
        } else if let reused = freeNodes.popLast() {
            i = reused
            nodes[Int(i)] = node
        } else {
            i = Int32(nodes.count)
            if nodes.count == nodes.capacity { Self.grow(&nodes, to: max(16, nodes.capacity * 2)) }
            nodes.append(node)
        }
        statistics.nodeHashes += 1
        return (i, Keccak256.hash(left: lh, right: rh))
    }

    private mutating func allocateLeaf(_ op: Op) -> Int32 {
        let leaf = Leaf(path: op.path, address: op.address, account: op.account)
        let i: Int32
        if let reused = freeLeaves.popLast() {
            i = reused
            leaves[Int(i)] = leaf
        } else {
            i = Int32(leaves.count)
            if leaves.count == leaves.capacity { Self.grow(&leaves, to: max(16, leaves.capacity * 2)) }
            leaves.append(leaf)
        }
        insertIndex(op.address, leaf: i)
        return i
    }

    private mutating func freeLeaf(_ i: Int32) {
        removeIndex(leaves[Int(i)].address)
        leaves[Int(i)].account = .empty
        freeLeaves.append(i)
    }

    /// First position in `ops[lo..<hi]` whose path has bit `depth` set (the range shares its
    /// first `depth` bits and is sorted, so the bit is 0…0 1…1).
    @inline(__always)
    static func partition(_ ops: UnsafeBufferPointer<Op>, _ lo: Int, _ hi: Int, depth: Int) -> Int {
        var a = lo, b = hi
        while a < b {
            let m = (a + b) >> 1
            if ops[m].path.bit(depth) == 0 { a = m + 1 } else { b = m }
        }
        return a
    }

    // MARK: Address index

    @inline(__always)
    func homeSlot(_ key: AddressKey) -> Int {
        var h = Hasher()
        h.combine(key.hi)
        h.combine(key.mid)
        h.combine(key.lo)
        return h.finalize() & (slots.count - 1)
    }

    /// The leaf holding `key`, or -1.
    func findLeaf(_ key: AddressKey) -> Int32 {
        findLeaf(key, home: homeSlot(key))
    }

    /// `findLeaf(_:)` from `key`'s home slot, already computed.
    @inline(__always)
    func findLeaf(_ key: AddressKey, home: Int) -> Int32 {
        let mask = slots.count - 1
        var i = home
        while true {
            let leaf = slots[i]
            if leaf < 0 || leaves[Int(leaf)].address == key { return leaf }
            i = (i + 1) & mask
        }
    }

    /// Records `key` → `leaf` (`key` must be absent; `leaf` already written).
    private mutating func insertIndex(_ key: AddressKey, leaf: Int32) {
        if 2 * (indexCount + 1) > slots.count {
            // The rehash indexes every live leaf, this one included.
            rehashIndex(minimumSlots: 2 * (indexCount + 1))
            return
        }
        let mask = slots.count - 1
        var i = homeSlot(key)
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = leaf
        indexCount += 1
    }

    /// Forgets `key` (which must be present), shifting later entries of its probe run back so
    /// that lookups never need tombstones.
    private mutating func removeIndex(_ key: AddressKey) {
        let mask = slots.count - 1
        var i = homeSlot(key)
        while leaves[Int(slots[i])].address != key { i = (i + 1) & mask }
        var j = i
        while true {
            j = (j + 1) & mask
            let leaf = slots[j]
            if leaf < 0 { break }
            // Move the entry at j into the hole at i unless its home lies cyclically in (i, j].
            let home = homeSlot(leaves[Int(leaf)].address)
            let homeInRange = i <= j ? (home > i && home <= j) : (home > i || home <= j)
            if !homeInRange {
                slots[i] = leaf
                i = j
            }
        }
        slots[i] = -1
        indexCount -= 1
    }

    /// Rebuilds the index with a power-of-two number of slots ≥ `minimumSlots`.
    mutating func rehashIndex(minimumSlots: Int) {
        var size = 16
        while size < minimumSlots { size <<= 1 }
        var fresh: [Int32] = []
        Self.grow(&fresh, to: size)
        fresh.append(contentsOf: repeatElement(-1, count: size))
        slots = fresh
        let mask = size - 1
        var count = 0
        for (n, leaf) in leaves.enumerated() where !leaf.account.isEmpty {
            var i = homeSlot(leaf.address)
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(n)
            count += 1
        }
        indexCount = count
    }

    // MARK: Proofs

    /// A proof that `address` holds its current account (inclusion), or holds nothing (absence:
    /// the path ends in an empty subtree or at another account's compact leaf).
    /// Check it with `verifyProof(_:root:address:account:)`.
    public func proof(for address: Address) -> MerkleProof {
        let key = AddressKey(address)
        let known = findLeaf(key)
        let path = known >= 0 ? leaves[Int(known)].path : PathKey(key.pathDigest())
        var siblings: [Digest32] = []
        var link = rootLink
        var depth = 0
        while link > 0 {
            let node = nodes[Int(link)]
            if path.bit(depth) == 0 {
                siblings.append(node.rightHash)
                link = node.left
            } else {
                siblings.append(node.leftHash)
                link = node.right
            }
            depth += 1
        }
        if link == 0 { return MerkleProof(kind: .emptySlot, siblings: siblings) }
        let leaf = leaves[Int(~link)]
        if leaf.path == path { return MerkleProof(kind: .inclusion, siblings: siblings) }
        return MerkleProof(kind: .otherLeaf(address: leaf.address.address, account: leaf.account), siblings: siblings)
    }
}

/// A 256-bit tree path as four big-endian words: numeric order is the byte order of the digest,
/// and bit `d` (0 = most significant bit of byte 0) is a shift away.
struct PathKey: Comparable, Sendable {
    var k0: UInt64
    var k1: UInt64
    var k2: UInt64
    var k3: UInt64

    @inline(__always)
    init(_ d: Digest32) {
        // Digest32 words are little-endian lanes: byte-swapping gives the big-endian value.
        k0 = d.w0.byteSwapped
        k1 = d.w1.byteSwapped
        k2 = d.w2.byteSwapped
        k3 = d.w3.byteSwapped
    }

    /// Bit `d` of the path (0 ..< 256), 0 or 1.
    @inline(__always)
    func bit(_ d: Int) -> Int {
        let w: UInt64
        switch d >> 6 {
        case 0: w = k0
        case 1: w = k1
        case 2: w = k2
        default: w = k3
        }
        return Int(truncatingIfNeeded: (w >> UInt64(63 - (d & 63))) & 1)
    }

    /// Number of leading bits shared with `other` (256 when equal).
    func commonPrefixLength(_ other: PathKey) -> Int {
        if k0 != other.k0 { return (k0 ^ other.k0).leadingZeroBitCount }
        if k1 != other.k1 { return 64 + (k1 ^ other.k1).leadingZeroBitCount }
        if k2 != other.k2 { return 128 + (k2 ^ other.k2).leadingZeroBitCount }
        if k3 != other.k3 { return 192 + (k3 ^ other.k3).leadingZeroBitCount }
        return 256
    }

    @inline(__always)
    static func < (a: PathKey, b: PathKey) -> Bool {
        if a.k0 != b.k0 { return a.k0 < b.k0 }
        if a.k1 != b.k1 { return a.k1 < b.k1 }
        if a.k2 != b.k2 { return a.k2 < b.k2 }
        return a.k3 < b.k3
    }
}
