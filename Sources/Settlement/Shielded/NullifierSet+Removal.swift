import ZK

/// Removal: the exact inverse of inserts, for rolling batches back (docs/shielded.md, "What is
/// built" > "The trees").
///
/// The trie walk is the account tree's deletion (`SparseMerkleTree`): the removed nullifiers,
/// sorted by path, go down the trie once; a removed leaf leaves an empty subtree, and a node left
/// with at most one leaf below it collapses (the lone leaf moves up, as in the compact form), so
/// the result is the trie a fresh set of the remaining nullifiers has, with the same root.
///
/// Storage differs from the account tree's free lists: the freed node and leaf slots are filled
/// with the last ones and the arrays shortened, so they stay dense (`nullifiers`, `count`). The
/// nodes and leaves an insert batch creates are the last ones of their arrays (existing nodes are
/// rehashed in place, and every node the batch created has at most one earlier leaf below it, so
/// removing the batch frees exactly those), hence removing the last batches moves nothing and
/// gives back the arrays as they were before them.
extension NullifierSet {
    /// Removes `nullifiers` and returns the new root: removing the nullifiers of the last insert
    /// batches gives back the root and storage the set had before them. Refuses the whole batch,
    /// changing nothing, when some are not in the set or appear twice in it
    /// (`NullifierSetError.absent` lists their indices: a repeat's later occurrences).
    @discardableResult
    public mutating func remove(contentsOf nullifiers: [Fr]) throws(NullifierSetError) -> Digest32 {
        if nullifiers.isEmpty { return root }
        var ops: [(path: PathKey, key: Digest32, index: Int)] = []
        ops.reserveCapacity(nullifiers.count)
        var absent: [Int] = []
        for (i, nf) in nullifiers.enumerated() {
            let key = Self.key(nf)
            let leaf = findLeaf(key)
            if leaf < 0 { absent.append(i); continue }
            ops.append((leaves[Int(leaf)].path, key, i))
        }
        ops.sort { $0.path < $1.path || ($0.path == $1.path && $0.index < $1.index) }
        for k in ops.indices.dropFirst() where ops[k].path == ops[k - 1].path { absent.append(ops[k].index) }
        guard absent.isEmpty else { throw .absent(indices: absent.sorted()) }

        let sorted = ops.map { Op(path: $0.path, nullifier: $0.key, leafHash: .zero) }
        var freedNodes: [Int32] = [], freedLeaves: [Int32] = []
        let result = sorted.withUnsafeBufferPointer { ops in
            remove(rootLink, root, depth: 0, ops, 0, ops.count, &freedNodes, &freedLeaves)
        }
        rootLink = result.link
        root = result.hash
        for op in sorted { removeIndex(op.nullifier) }
        compactLeaves(freed: freedLeaves)
        compactNodes(freed: freedNodes)
        return root
    }

    /// Removes `ops[lo..<hi]` (all present, all under this subtree) from the subtree `link` at
    /// `depth` whose hash is `hash`; returns its new link and hash in compact form.
    private mutating func remove(_ link: Int32, _ hash: Digest32, depth: Int,
                                 _ ops: UnsafeBufferPointer<Op>, _ lo: Int, _ hi: Int,
                                 _ freedNodes: inout [Int32], _ freedLeaves: inout [Int32]) -> (link: Int32, hash: Digest32) {
        if lo == hi { return (link, hash) }
        // A lone leaf under which a present nullifier lies is that nullifier's leaf.
        if link < 0 {
            freedLeaves.append(~link)
            return (0, .zero)
        }
        let node = nodes[Int(link)]
        let split = Self.partition(ops, lo, hi, depth: depth)
        let l = remove(node.left, node.leftHash, depth: depth + 1, ops, lo, split, &freedNodes, &freedLeaves)
        let r = remove(node.right, node.rightHash, depth: depth + 1, ops, split, hi, &freedNodes, &freedLeaves)
        // At most one leaf left below: the node goes, the leaf (or nothing) moves up.
        if (l.link == 0 && r.link <= 0) || (r.link == 0 && l.link < 0) {
            freedNodes.append(link)
            return l.link == 0 ? r : l
        }
        nodes[Int(link)] = Node(leftHash: l.hash, rightHash: r.hash, left: l.link, right: r.link)
        return (link, Keccak256.hash(left: l.hash, right: r.hash))
    }

    /// Fills the freed leaf slots below the new count with the surviving leaves beyond it, then
    /// shortens `leaves`.
    private mutating func compactLeaves(freed: [Int32]) {
        let newCount = leaves.count - freed.count
        let freedSet = Set(freed)
        let holes = freed.filter { Int($0) < newCount }.sorted()
        let movers = (newCount ..< leaves.count).lazy.map { Int32($0) }.filter { !freedSet.contains($0) }
        for (hole, mover) in zip(holes, movers) {
            let leaf = leaves[Int(mover)]
            relink(from: ~mover, to: ~hole, path: leaf.path)
            // Its index slot now names the hole.
            let mask = slots.count - 1
            var i = homeSlot(leaf.nullifier)
            while slots[i] != mover { i = (i + 1) & mask }
            slots[i] = hole
            leaves[Int(hole)] = leaf
        }
        leaves.removeSubrange(newCount...)
    }

    /// As `compactLeaves` for nodes (after it: a node is found through a leaf below it).
    private mutating func compactNodes(freed: [Int32]) {
        let newCount = nodes.count - freed.count
        let freedSet = Set(freed)
        let holes = freed.filter { Int($0) < newCount }.sorted()
        let movers = (newCount ..< nodes.count).lazy.map { Int32($0) }.filter { !freedSet.contains($0) }
        for (hole, mover) in zip(holes, movers) {
            var link = mover
            while link > 0 { link = nodes[Int(link)].left != 0 ? nodes[Int(link)].left : nodes[Int(link)].right }
            relink(from: mover, to: hole, path: leaves[Int(~link)].path)
            nodes[Int(hole)] = nodes[Int(mover)]
        }
        nodes.removeSubrange(newCount...)
    }

    /// Replaces the link `from` (a node or leaf on `path`) by `to` in its parent or the root.
    private mutating func relink(from: Int32, to: Int32, path: PathKey) {
        if rootLink == from {
            rootLink = to
            return
        }
        var link = rootLink
        var depth = 0
        while link > 0 {
            let i = Int(link)
            if path.bit(depth) == 0 {
                if nodes[i].left == from { nodes[i].left = to; return }
                link = nodes[i].left
            } else {
                if nodes[i].right == from { nodes[i].right = to; return }
                link = nodes[i].right
            }
            depth += 1
        }
        preconditionFailure("nullifier set: link \(from) not found on its path")
    }

    /// Forgets `key` (present) in the index, shifting later entries of its probe run back so that
    /// lookups need no tombstones.
    private mutating func removeIndex(_ key: Digest32) {
        let mask = slots.count - 1
        var i = homeSlot(key)
        while leaves[Int(slots[i])].nullifier != key { i = (i + 1) & mask }
        var j = i
        while true {
            j = (j + 1) & mask
            let leaf = slots[j]
            if leaf < 0 { break }
            // Move the entry at j into the hole at i unless its home lies cyclically in (i, j].
            let home = homeSlot(leaves[Int(leaf)].nullifier)
            let homeInRange = i <= j ? (home > i && home <= j) : (home > i || home <= j)
            if !homeInRange {
                slots[i] = leaf
                i = j
            }
        }
        slots[i] = -1
    }
}
