import CMemoryHints

/// Overlapping the cache misses of a batch update.
///
/// A batch touches about 10 nodes per changed account, scattered over ~100 MB of nodes: each read
/// is a cache miss, and the recursive `rebuild` takes them one at a time, each one stalling the
/// CPU before the node can be hashed (measured: about 35% of a batch's time for 1,000,000
/// accounts). Which nodes a batch visits depends only on the links and the sorted paths, not on
/// any hash, so it is found first, cheaply and with the misses overlapped:
///
/// 1. `plannedVisits(for:)` walks the touched part of the trie breadth-first, prefetching each
///    level's nodes as soon as their parents are read (a whole level's misses in flight at once,
///    where the depth-first walk had one), and returns the nodes in the depth-first pre-order in
///    which `rebuild` will visit them.
/// 2. `rebuild` then prefetches a few visits ahead of itself (`NodeLookahead.distance`), so each
///    node arrives while the previous ones are being hashed, and the prefetched lines are used
///    within microseconds (a few lines, not megabytes, wait in the cache).
///
/// The address index and leaves that a batch looks up are prefetched the same way
/// (`prefetchIndex`). None of this changes what is computed.
extension SparseMerkleTree {
    /// One node `rebuild` will visit.
    struct Visit {
        var link: Int32
        var split: Int32
        var left: Int32
        var right: Int32
    }

    /// The nodes `rebuild` will visit, in visiting order, and how far it has got.
    struct NodeLookahead {
        /// Visits between a prefetch and the use of the node (a hash is ~300 ns, a miss ~100 ns).
        static let distance = 16
        /// Node links in depth-first pre-order, each with the first of its ops whose path goes
        /// right (the partition `rebuild` would otherwise search again) and its child links.
        let visits: [Visit]
        /// Index in `visits` of the next node `rebuild` reads.
        var next = 0
    }

    /// Prefetches the node `lookahead.distance` visits ahead and advances past the current one.
    @inline(__always)
    func prefetchAhead(_ lookahead: inout NodeLookahead) {
        let ahead = lookahead.next + NodeLookahead.distance
        lookahead.next += 1
        guard ahead < lookahead.visits.count else { return }
        let link = Int(lookahead.visits[ahead].link)
        nodes.withUnsafeBufferPointer { nodes in
            let p = UnsafeRawPointer(nodes.baseAddress! + link)
            cmh_prefetch(p)
            cmh_prefetch(p + (MemoryLayout<Node>.stride - 1))
        }
    }

    /// The internal nodes `rebuild` will read for `ops`, in its depth-first pre-order, found
    /// breadth-first with each level's reads prefetched together; the lone leaves met on the way
    /// (which `build` reads) are prefetched too. `whileFetching` runs after each level is
    /// requested: memory-free work placed there overlaps the level's misses.
    func plannedVisits(for ops: UnsafeBufferPointer<Op>,
                       whileFetching: () -> Void = {}) -> [Visit] {
        guard rootLink > 0, !ops.isEmpty else { return [] }
        // Breadth-first: the visit, its ops range, and its children's positions in this array
        // (-1: not a node, or no change below).
        var found: [(visit: Visit, lo: Int32, hi: Int32, left: Int32, right: Int32)] = []
        found.reserveCapacity(16 * ops.count)
        found.append((Visit(link: rootLink, split: 0, left: 0, right: 0), 0, Int32(ops.count), -1, -1))
        nodes.withUnsafeBufferPointer { nodes in
            leaves.withUnsafeBufferPointer { leaves in
                let nodeBase = nodes.baseAddress!
                var levelStart = 0, depth = 0
                while levelStart < found.count {
                    let levelEnd = found.count
                    for i in levelStart ..< levelEnd {
                        let (visit, lo, hi, _, _) = found[i]
                        let node = nodeBase[Int(visit.link)]
                        let split = Int32(Self.partition(ops, Int(lo), Int(hi), depth: depth))
                        found[i].visit.split = split
                        found[i].visit.left = node.left
                        found[i].visit.right = node.right
                        if split > lo {
                            found[i].left = Self.plan(node.left, lo, split, &found, nodeBase, leaves.baseAddress)
                        }
                        if hi > split {
                            found[i].right = Self.plan(node.right, split, hi, &found, nodeBase, leaves.baseAddress)
                        }
                    }
                    levelStart = levelEnd
                    depth += 1
                    whileFetching()
                }
            }
        }
        // Depth-first pre-order (node, left subtree, right subtree), as `rebuild` recurses.
        var order: [Visit] = []
        order.reserveCapacity(found.count)
        var stack: [Int32] = [0]
        while let i = stack.popLast() {
            let f = found[Int(i)]
            order.append(f.visit)
            if f.right >= 0 { stack.append(f.right) }
            if f.left >= 0 { stack.append(f.left) }
        }
        return order
    }

    /// Queues the child `link` (a node: prefetch the line holding its links, which the next
    /// level reads) and returns its position, or -1 for a leaf (prefetched) or an empty subtree.
    @inline(__always)
    private static func plan(_ link: Int32, _ lo: Int32, _ hi: Int32,
                             _ found: inout [(visit: Visit, lo: Int32, hi: Int32, left: Int32, right: Int32)],
                             _ nodeBase: UnsafePointer<Node>, _ leafBase: UnsafePointer<Leaf>?) -> Int32 {
        if link > 0 {
            let node = UnsafeRawPointer(nodeBase + Int(link))
            cmh_prefetch(node + MemoryLayout<Node>.offset(of: \Node.left)!)
            found.append((Visit(link: link, split: 0, left: 0, right: 0), lo, hi, -1, -1))
            return Int32(found.count - 1)
        }
        if link < 0, let leafBase { cmh_prefetch(UnsafeRawPointer(leafBase + Int(~link))) }
        return -1
    }

    /// Home slots of `changes` in the address index, prefetching each slot, then the leaf it
    /// names, so that the lookups that follow overlap their misses.
    func prefetchIndex(_ changes: [(AddressKey, Account)]) -> [Int] {
        let homes = changes.map { homeSlot($0.0) }
        slots.withUnsafeBufferPointer { slots in
            leaves.withUnsafeBufferPointer { leaves in
                guard let slotBase = slots.baseAddress else { return }
                for h in homes { cmh_prefetch(UnsafeRawPointer(slotBase + h)) }
                guard let leafBase = leaves.baseAddress else { return }
                for h in homes {
                    let leaf = slotBase[h]
                    if leaf >= 0 { cmh_prefetch(UnsafeRawPointer(leafBase + Int(leaf))) }
                }
            }
        }
        return homes
    }
}
