/// Building a whole tree at once (genesis, restore from a snapshot).
///
/// `update` on an empty tree would work, but it stages every change as a 128-byte `Op` plus a
/// 40-byte sort record next to the tree being built: 170 MB of scratch for 1,000,000 accounts,
/// which set the engine's peak memory at start-up. Here the leaves are written once, to their
/// final storage, sorted there by path, and the nodes are built bottom-up over the sorted leaves;
/// the only scratch is the sort's. The result is the same tree (same root, same proofs): the
/// root depends only on the set of accounts.
extension SparseMerkleTree {
    /// Fills an empty tree with `entries`, which must name distinct addresses (a `StateDiff` or
    /// a snapshot's accounts). Empty accounts are skipped (they mean "absent").
    mutating func bulkLoad(_ entries: [StateDiff.Entry]) {
        precondition(indexCount == 0 && leaves.isEmpty && rootLink == 0, "bulkLoad needs an empty tree")
        let live = entries.reduce(0) { $0 + ($1.account.isEmpty ? 0 : 1) }
        if live == 0 { return }
        reserveCapacity(live)
        for e in entries where !e.account.isEmpty {
            leaves.append(Leaf(path: PathKey(e.key.pathDigest()), address: e.key, account: e.account))
        }
        statistics.pathHashes += live
        // Path order: each subtree's leaves are then one contiguous range.
        leaves.sort { $0.path < $1.path }
        rehashIndex(minimumSlots: 2 * live)
        let result = build(0 ..< Int32(live), depth: 0)
        rootLink = result.link
        root = result.hash
    }

    /// The subtree at `depth` over the path-sorted leaves `range` (all sharing their first
    /// `depth` bits): a lone leaf, or a node over the two halves split on bit `depth`.
    private mutating func build(_ range: Range<Int32>, depth: Int) -> (link: Int32, hash: Digest32) {
        if range.count == 1 {
            let i = Int(range.lowerBound)
            statistics.leafHashes += 1
            return (~range.lowerBound, leaves[i].account.leafHash(at: leaves[i].address))
        }
        // First leaf whose path has bit `depth` set.
        var a = range.lowerBound, b = range.upperBound
        while a < b {
            let m = (a + b) >> 1
            if leaves[Int(m)].path.bit(depth) == 0 { a = m + 1 } else { b = m }
        }
        if a == range.lowerBound || a == range.upperBound {
            // All on one side: an internal node with an empty half.
            let sub = build(range, depth: depth + 1)
            return a == range.upperBound ? combine(reusing: 0, sub.link, sub.hash, 0, .zero)
                                         : combine(reusing: 0, 0, .zero, sub.link, sub.hash)
        }
        let l = build(range.lowerBound ..< a, depth: depth + 1)
        let r = build(a ..< range.upperBound, depth: depth + 1)
        return combine(reusing: 0, l.link, l.hash, r.link, r.hash)
    }
}
