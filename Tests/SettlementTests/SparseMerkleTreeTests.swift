import XCTest
@testable import Settlement

final class SparseMerkleTreeTests: XCTestCase {
    func testEmptyTreeRootIsZero() {
        var tree = SparseMerkleTree()
        XCTAssertEqual(tree.root, .zero)
        XCTAssertEqual(tree.count, 0)
        // Deleting absent accounts changes nothing and hashes nothing.
        var rng = SeededGenerator(seed: 1)
        tree.update([(address: rng.address(), account: nil), (address: rng.address(), account: .empty)])
        XCTAssertEqual(tree.root, .zero)
        XCTAssertEqual(tree.statistics.nodeHashes, 0)
        XCTAssertEqual(tree.statistics.leafHashes, 0)
    }

    func testSingleAccountRootIsItsLeafHash() {
        var rng = SeededGenerator(seed: 2)
        let a = rng.address()
        let acct = Account(balance: 12345, nonce: 7)
        var tree = SparseMerkleTree()
        tree.update([(address: a, account: acct)])
        XCTAssertEqual(tree.root, ReferenceTree.leafHash(a, acct))
        XCTAssertEqual(tree.root, acct.leafHash(at: a))
        XCTAssertEqual(tree.statistics.nodeHashes, 0)
        XCTAssertEqual(tree.account(a), acct)
    }

    func testAccountEncodingAndLeafHashLayout() {
        let acct = Account(balance: UInt256(l0: 0x0102, l1: 0, l2: 0, l3: 0xAA00_0000_0000_0000), nonce: 0x0506)
        let enc = acct.encoded
        XCTAssertEqual(enc.count, 40)
        XCTAssertEqual(enc[0], 0xAA)
        XCTAssertEqual(Array(enc[30 ..< 32]), [0x01, 0x02])
        XCTAssertEqual(Array(enc[32 ..< 40]), [0, 0, 0, 0, 0, 0, 0x05, 0x06])
        XCTAssertEqual(Account(encoded: enc), acct)
        XCTAssertNil(Account(encoded: enc.dropLast()))
        let a = Address(hex: "0x00112233445566778899aabbccddeeff00112233")!
        XCTAssertEqual(acct.leafHash(at: a), Keccak256.hash([0x00] + a.bytes + enc))
    }

    func testTwoAccountsMatchReference() {
        var rng = SeededGenerator(seed: 3)
        let a = rng.address(), b = rng.address()
        var tree = SparseMerkleTree()
        tree.update([(address: a, account: Account(balance: 1)), (address: b, account: Account(balance: 2))])
        XCTAssertEqual(tree.root, ReferenceTree.root([a: Account(balance: 1), b: Account(balance: 2)]))
        // Their paths part at depth d: d + 1 node hashes (the common prefix, then the split).
        let pa = ReferenceTree.path(a), pb = ReferenceTree.path(b)
        var d = 0
        while ReferenceTree.bit(pa, d) == ReferenceTree.bit(pb, d) { d += 1 }
        XCTAssertEqual(tree.statistics.nodeHashes, d + 1)
    }

    /// Accounts whose paths share a long prefix (found by search) exercise chains of internal
    /// nodes with one empty half, and the collapse when one of them goes.
    func testLongSharedPrefixAndCollapse() {
        var rng = SeededGenerator(seed: 4)
        var byPrefix: [UInt16: Address] = [:]
        var pair: (Address, Address)?
        while pair == nil {
            let a = rng.address()
            let p = ReferenceTree.path(a)
            let prefix = UInt16(p[0]) << 8 | UInt16(p[1])
            if let other = byPrefix[prefix] { pair = (other, a) } else { byPrefix[prefix] = a }
        }
        let (a, b) = pair!
        let c = rng.address()
        var state: [Address: Account] = [a: Account(balance: 5), b: Account(balance: 6), c: Account(balance: 7)]
        var tree = SparseMerkleTree()
        tree.update(state.map { (address: $0.key, account: $0.value) })
        XCTAssertEqual(tree.root, ReferenceTree.root(state))
        XCTAssertGreaterThanOrEqual(tree.statistics.nodeHashes, 17)
        // Deleting b lets a move back up next to c.
        tree.update([(address: b, account: nil)])
        state[b] = nil
        XCTAssertEqual(tree.root, ReferenceTree.root(state))
        XCTAssertEqual(tree.count, 2)
        // And deleting the rest empties the tree.
        tree.update([(address: a, account: nil), (address: c, account: .empty)])
        XCTAssertEqual(tree.root, .zero)
    }

    func testRandomInsertsMatchReference() {
        for seed in UInt64(10) ..< 30 {
            var rng = SeededGenerator(seed: seed)
            let n = Int.random(in: 0 ... 150, using: &rng)
            var state: [Address: Account] = [:]
            for _ in 0 ..< n { state[rng.address()] = rng.account() }
            var tree = SparseMerkleTree()
            tree.update(state.map { (address: $0.key, account: $0.value) })
            XCTAssertEqual(tree.root, ReferenceTree.root(state), "seed \(seed), \(n) accounts")
            XCTAssertEqual(tree.count, n)
            for (a, acct) in state { XCTAssertEqual(tree.account(a), acct) }
        }
    }

    func testBatchUpdateEqualsSequentialUpdates() {
        var rng = SeededGenerator(seed: 40)
        var batched = SparseMerkleTree()
        var sequential = SparseMerkleTree()
        var state: [Address: Account] = [:]
        var known: [Address] = []
        for round in 0 ..< 12 {
            var changes: [(address: Address, account: Account?)] = []
            for _ in 0 ..< Int.random(in: 1 ... 60, using: &rng) {
                let roll = Int.random(in: 0 ..< 10, using: &rng)
                if roll < 4 || known.isEmpty {
                    let a = rng.address()
                    known.append(a)
                    changes.append((a, rng.account()))
                } else if roll < 8 {
                    changes.append((known.randomElement(using: &rng)!, rng.account()))
                } else {
                    changes.append((known.randomElement(using: &rng)!, roll == 8 ? nil : .empty))
                }
            }
            batched.update(changes)
            for c in changes {
                sequential.update([c])
                state[c.address] = c.account ?? .empty
            }
            XCTAssertEqual(batched.root, sequential.root, "round \(round)")
            XCTAssertEqual(batched.root, ReferenceTree.root(state), "round \(round)")
            XCTAssertEqual(batched.count, state.values.filter { !$0.isEmpty }.count)
        }
    }

    func testDeletionRestoresEarlierRoot() {
        var rng = SeededGenerator(seed: 50)
        var tree = SparseMerkleTree()
        let base = (0 ..< 100).map { _ in (address: rng.address(), account: Optional(rng.account())) }
        let r1 = tree.update(base)
        let extra = (0 ..< 80).map { _ in (address: rng.address(), account: Optional(rng.account())) }
        let r2 = tree.update(extra)
        XCTAssertNotEqual(r1, r2)
        XCTAssertEqual(tree.update(extra.map { (address: $0.address, account: nil) }), r1)
        XCTAssertEqual(tree.count, 100)
        // Deleting one at a time in random order, down to the empty tree.
        for (i, entry) in base.shuffled(using: &rng).enumerated() {
            tree.update([(address: entry.address, account: i % 2 == 0 ? nil : .empty)])
        }
        XCTAssertEqual(tree.root, .zero)
        XCTAssertEqual(tree.count, 0)
        // Slots are reused: refilling does not grow the arrays.
        let leafCapacity = tree.leaves.count, nodeCapacity = tree.nodes.count
        XCTAssertEqual(tree.update(base), r1)
        XCTAssertEqual(tree.leaves.count, leafCapacity)
        XCTAssertLessThanOrEqual(tree.nodes.count, nodeCapacity)
    }

    func testRootIsIndependentOfHistory() {
        var rng = SeededGenerator(seed: 60)
        let entries = (0 ..< 200).map { _ in (address: rng.address(), account: Optional(rng.account())) }
        var one = SparseMerkleTree()
        one.update(entries)
        var many = SparseMerkleTree()
        var rest = entries.shuffled(using: &rng)
        while !rest.isEmpty {
            let k = min(rest.count, Int.random(in: 1 ... 17, using: &rng))
            many.update(Array(rest.prefix(k)))
            rest.removeFirst(k)
        }
        XCTAssertEqual(one.root, many.root)
    }

    func testRepeatedAddressInBatchLastWinsAndNoOpsAreFree() {
        var rng = SeededGenerator(seed: 70)
        let a = rng.address(), b = rng.address()
        var tree = SparseMerkleTree()
        tree.update([(address: a, account: Account(balance: 1)), (address: b, account: Account(balance: 9)),
                     (address: a, account: Account(balance: 2))])
        XCTAssertEqual(tree.account(a), Account(balance: 2))
        XCTAssertEqual(tree.root, ReferenceTree.root([a: Account(balance: 2), b: Account(balance: 9)]))
        // Insert then delete in one batch: absent, as if never written.
        let c = rng.address()
        let before = tree.root
        tree.update([(address: c, account: Account(balance: 3)), (address: c, account: nil)])
        XCTAssertEqual(tree.root, before)
        XCTAssertNil(tree.account(c))
        // Rewriting current values hashes nothing.
        let stats = tree.statistics
        tree.update([(address: a, account: Account(balance: 2)), (address: b, account: Account(balance: 9))])
        XCTAssertEqual(tree.statistics.nodeHashes, stats.nodeHashes)
        XCTAssertEqual(tree.statistics.leafHashes, stats.leafHashes)
    }

    /// Each internal node above a change is hashed exactly once per batch: the count equals the
    /// reference's number of internal nodes containing a touched account.
    func testBatchHashesEachTouchedNodeOnce() {
        var rng = SeededGenerator(seed: 80)
        var state: [Address: Account] = [:]
        for _ in 0 ..< 3000 { state[rng.address()] = rng.account() }
        var tree = SparseMerkleTree()
        tree.update(state.map { (address: $0.key, account: $0.value) })
        let keys = Array(state.keys)
        for round in 0 ..< 5 {
            var touched = Set<Address>()
            var changes: [(address: Address, account: Account?)] = []
            for i in 0 ..< 200 {
                let a = i % 4 == 0 ? rng.address() : keys.randomElement(using: &rng)!
                touched.insert(a)
                let acct = Account(balance: UInt256(UInt64(round * 1000 + i + 1_000_000)), nonce: 1)
                changes.append((a, acct))
                state[a] = acct
            }
            let before = tree.statistics.nodeHashes
            tree.update(changes)
            XCTAssertEqual(tree.statistics.nodeHashes - before, ReferenceTree.touchedInternalNodes(state, touched: touched))
            XCTAssertEqual(tree.root, ReferenceTree.root(state))
        }
    }

    /// Random workloads of inserts, updates and deletes, checked against the reference after
    /// every batch (property test, seeded).
    func testRandomWorkloadsMatchReference() {
        for seed in UInt64(100) ..< 110 {
            var rng = SeededGenerator(seed: seed)
            var tree = SparseMerkleTree()
            var state: [Address: Account] = [:]
            var known: [Address] = []
            for batch in 0 ..< 15 {
                var changes: [(address: Address, account: Account?)] = []
                for _ in 0 ..< Int.random(in: 0 ... 40, using: &rng) {
                    switch Int.random(in: 0 ..< 3, using: &rng) {
                    case 0:
                        let a = rng.address()
                        known.append(a)
                        changes.append((a, rng.account()))
                    case 1 where !known.isEmpty:
                        changes.append((known.randomElement(using: &rng)!, rng.account()))
                    default:
                        if let a = known.randomElement(using: &rng) { changes.append((a, nil)) }
                    }
                }
                tree.update(changes)
                for c in changes { state[c.address] = c.account ?? .empty }
                XCTAssertEqual(tree.root, ReferenceTree.root(state), "seed \(seed) batch \(batch)")
                let live = state.filter { !$0.value.isEmpty }
                XCTAssertEqual(tree.count, live.count)
                XCTAssertEqual(tree.sortedAccounts().map(\.address), live.keys.sorted())
                // The address index (open addressing with backward-shift deletion) finds every
                // live account and none of the deleted ones.
                for a in known { XCTAssertEqual(tree.account(a), live[a], "seed \(seed) batch \(batch)") }
            }
        }
    }

    func testMemoryFootprintPerAccount() {
        var rng = SeededGenerator(seed: 90)
        var tree = SparseMerkleTree()
        let n = 20_000
        tree.reserveCapacity(n)
        tree.update((0 ..< n).map { _ in (address: rng.address(), account: Optional(rng.account())) })
        // About 1.44 internal nodes per account for random paths.
        let internalNodes = tree.nodes.count - 1 - tree.freeNodes.count
        XCTAssertGreaterThan(Double(internalNodes) / Double(n), 1.3)
        XCTAssertLessThan(Double(internalNodes) / Double(n), 1.6)
        XCTAssertEqual(MemoryLayout<SparseMerkleTree.Node>.stride, 72)
        XCTAssertEqual(MemoryLayout<SparseMerkleTree.Leaf>.stride, 96)
        XCTAssertLessThan(tree.memoryFootprint / n, 400)
    }
}
