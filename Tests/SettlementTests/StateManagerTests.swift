import XCTest
@testable import Settlement

final class StateManagerTests: XCTestCase {
    /// A random workload: a genesis of `accounts` funded accounts, then `batches` batches of
    /// transfers (sender debited, nonce bumped; receiver credited, sometimes a new address;
    /// sometimes an account drained to empty).
    struct Workload {
        var genesis: StateDiff
        var batches: [StateDiff]
    }

    static func workload(seed: UInt64, accounts: Int = 60, batches: Int = 20, transfers: Int = 15) -> Workload {
        var rng = SeededGenerator(seed: seed)
        var state: [Address: Account] = [:]
        var known: [Address] = []
        for _ in 0 ..< accounts {
            let a = rng.address()
            known.append(a)
            state[a] = Account(balance: UInt256(UInt64.random(in: 1_000 ... 100_000, using: &rng)))
        }
        let genesis = StateDiff(state.map { (address: $0.key, account: $0.value) })
        var out: [StateDiff] = []
        for _ in 0 ..< batches {
            var changed: [Address: Account] = [:]
            for _ in 0 ..< transfers {
                let from = known.randomElement(using: &rng)!
                let to = Int.random(in: 0 ..< 5, using: &rng) == 0 ? rng.address() : known.randomElement(using: &rng)!
                var sender = changed[from] ?? state[from] ?? .empty
                guard !sender.balance.isZero else { continue }
                // Sometimes send everything and reset the nonce to drain the account to empty.
                let drain = Int.random(in: 0 ..< 10, using: &rng) == 0
                let amount = drain ? sender.balance : UInt256(UInt64.random(in: 1 ... sender.balance.uint64!, using: &rng))
                sender.balance = sender.balance.checkedSub(amount)!
                sender.nonce = drain ? 0 : sender.nonce + 1
                changed[from] = sender
                var receiver = changed[to] ?? state[to] ?? .empty
                receiver.balance = receiver.balance.checkedAdd(amount)!
                changed[to] = receiver
                if !known.contains(to) { known.append(to) }
            }
            for (a, acct) in changed { state[a] = acct }
            out.append(StateDiff(changed.map { (address: $0.key, account: $0.value) }))
        }
        return Workload(genesis: genesis, batches: out)
    }

    /// The full state (address → account) after `batches` of `w`, computed without the manager.
    static func expectedState(_ w: Workload, through batches: Int) -> [Address: Account] {
        var state: [Address: Account] = [:]
        for diff in [w.genesis] + w.batches.prefix(batches) {
            for e in diff.entries { state[e.address] = e.account.isEmpty ? nil : e.account }
        }
        return state
    }

    func testAppliesBatchesWithRootsMatchingReference() {
        let w = Self.workload(seed: 1)
        let m = StateManager(retainedBatches: 100)
        XCTAssertNil(m.latestBatch)
        XCTAssertEqual(m.nextBatch, 0)
        XCTAssertEqual(m.root, .zero)
        XCTAssertEqual(m.apply(diff: w.genesis), ReferenceTree.root(Self.expectedState(w, through: 0)))
        XCTAssertEqual(m.latestBatch, 0)
        for (i, diff) in w.batches.enumerated() {
            let root = m.apply(diff: diff)
            let expected = Self.expectedState(w, through: i + 1)
            XCTAssertEqual(root, ReferenceTree.root(expected), "batch \(i + 1)")
            XCTAssertEqual(m.latestBatch, UInt64(i + 1))
            XCTAssertEqual(m.root(atBatch: UInt64(i + 1)), root)
            XCTAssertEqual(m.accountCount, expected.count)
            for (a, acct) in expected { XCTAssertEqual(m.account(a), acct) }
        }
        XCTAssertEqual(m.retainedBatches, 0 ... UInt64(w.batches.count))
    }

    func testDeterministicRoots() {
        let w = Self.workload(seed: 2)
        let m1 = StateManager(), m2 = StateManager(retainedBatches: 3)
        var roots1: [Digest32] = [], roots2: [Digest32] = []
        for diff in [w.genesis] + w.batches {
            roots1.append(m1.apply(diff: diff))
            // The same diff decoded from its bytes gives the same root.
            roots2.append(m2.apply(diff: try! StateDiff(serialized: diff.serialized)))
        }
        XCTAssertEqual(roots1, roots2)
        XCTAssertEqual(Set(roots1).count, roots1.count)
        XCTAssertEqual(m1.snapshot().serialized, m2.snapshot().serialized)
    }

    func testRollbackRestoresExactRootAndBalances() {
        let w = Self.workload(seed: 3, batches: 30)
        let m = StateManager(retainedBatches: 30)
        var snapshots: [[UInt8]] = []
        var roots: [Digest32] = []
        for diff in [w.genesis] + w.batches {
            roots.append(m.apply(diff: diff))
            snapshots.append(m.snapshot().serialized)
        }
        for target in [29, 25, 24, 10, 3, 0] {
            XCTAssertEqual(try m.rollback(toBatch: UInt64(target)), roots[target])
            XCTAssertEqual(m.latestBatch, UInt64(target))
            XCTAssertEqual(m.snapshot().serialized, snapshots[target], "state after rollback to \(target)")
            for (a, acct) in Self.expectedState(w, through: target) { XCTAssertEqual(m.account(a), acct) }
        }
        // Re-applying from there gives the same roots again.
        for (i, diff) in w.batches.enumerated() { XCTAssertEqual(m.apply(diff: diff), roots[i + 1]) }
        XCTAssertEqual(m.snapshot().serialized, snapshots.last)
    }

    func testHistoryIsBoundedAndOlderBatchesAreRefused() {
        let w = Self.workload(seed: 4, batches: 20)
        let m = StateManager(retainedBatches: 5)
        for diff in [w.genesis] + w.batches { m.apply(diff: diff) }
        XCTAssertEqual(m.retainedBatches, 15 ... 20)
        XCTAssertNil(m.root(atBatch: 14))
        XCTAssertNotNil(m.root(atBatch: 15))
        XCTAssertThrowsError(try m.rollback(toBatch: 14)) { error in
            XCTAssertEqual(error as? StateError, .batchNotRetained(requested: 14, retained: 15 ... 20))
        }
        XCTAssertThrowsError(try m.proof(w.genesis.entries[0].address, atBatch: 3))
        XCTAssertThrowsError(try m.rollback(toBatch: 21))
        XCTAssertNoThrow(try m.rollback(toBatch: 15))
        XCTAssertEqual(m.root, ReferenceTree.root(Self.expectedState(w, through: 15)))

        let none = StateManager(retainedBatches: 0)
        for diff in [w.genesis] + w.batches { none.apply(diff: diff) }
        XCTAssertEqual(none.retainedBatches, 20 ... 20)
        XCTAssertThrowsError(try none.rollback(toBatch: 19))
        XCTAssertNoThrow(try none.proof(w.genesis.entries[0].address))
    }

    func testProofsAtLatestAndOlderRoots() throws {
        let w = Self.workload(seed: 5, batches: 12)
        let m = StateManager(retainedBatches: 12)
        for diff in [w.genesis] + w.batches { m.apply(diff: diff) }
        let latestRoot = m.root
        let before = m.snapshot().serialized
        var rng = SeededGenerator(seed: 55)
        let addresses = Array(Self.expectedState(w, through: 12).keys.prefix(10)) + w.genesis.entries.prefix(10).map(\.address)
            + [rng.address(), rng.address()]
        for batch in [nil, 12, 11, 6, 0] as [UInt64?] {
            let proofs = try m.proofs(addresses, atBatch: batch)
            let b = batch ?? 12
            let expected = Self.expectedState(w, through: Int(b))
            for p in proofs {
                XCTAssertEqual(p.batch, b)
                XCTAssertEqual(p.root, m.root(atBatch: b))
                XCTAssertEqual(p.account, expected[p.address] ?? .empty)
                XCTAssertTrue(p.verify(), "batch \(b) \(p.address)")
                XCTAssertTrue(verifyProof(try MerkleProof(serialized: p.proof.serialized), root: p.root,
                                          address: p.address, account: expected[p.address]))
            }
            // The live state is unchanged by proving at an older root.
            XCTAssertEqual(m.root, latestRoot)
        }
        XCTAssertEqual(m.snapshot().serialized, before)
        // A proof at an older root does not verify against the latest root once the account changed.
        let changed = w.batches[11].entries[0].address
        let old = try m.proof(changed, atBatch: 11)
        let new = try m.proof(changed)
        XCTAssertNotEqual(old.account, new.account)
        XCTAssertFalse(verifyProof(old.proof, root: latestRoot, address: changed, account: old.account))
    }

    func testSnapshotRestoreEqualsLive() throws {
        let w = Self.workload(seed: 6, batches: 10)
        let live = StateManager()
        for diff in [w.genesis] + w.batches { live.apply(diff: diff) }
        let snap = live.snapshot()
        XCTAssertEqual(snap.batch, 10)
        XCTAssertEqual(snap.root, live.root)
        XCTAssertEqual(snap.accounts.map(\.address), snap.accounts.map(\.address).sorted())
        let decoded = try StateSnapshot(serialized: snap.serialized)
        XCTAssertEqual(decoded, snap)
        let restored = try StateManager(restoringFrom: decoded)
        XCTAssertEqual(restored.root, live.root)
        XCTAssertEqual(restored.latestBatch, 10)
        XCTAssertEqual(restored.retainedBatches, 10 ... 10)
        XCTAssertEqual(restored.snapshot().serialized, snap.serialized)
        for e in snap.accounts { XCTAssertEqual(restored.account(e.address), e.account) }
        // Both continue identically.
        let more = Self.workload(seed: 66, batches: 5)
        for diff in more.batches { XCTAssertEqual(restored.apply(diff: diff), live.apply(diff: diff)) }
        XCTAssertEqual(restored.latestBatch, live.latestBatch)
    }

    func testRestoreChecksRootAndLeavesStateOnFailure() throws {
        let w = Self.workload(seed: 7, batches: 3)
        let m = StateManager()
        for diff in [w.genesis] + w.batches { m.apply(diff: diff) }
        let snap = m.snapshot()
        var badRoot = snap.root.bytes
        badRoot[0] ^= 1
        let wrong = StateSnapshot(batch: snap.batch, root: Digest32(bytes: badRoot)!, accounts: snap.accounts)
        let other = StateManager()
        other.apply(diff: w.genesis)
        let otherRoot = other.root
        XCTAssertThrowsError(try other.restore(from: wrong)) { error in
            XCTAssertEqual(error as? StateError, .rootMismatch(expected: wrong.root, computed: snap.root))
        }
        XCTAssertEqual(other.root, otherRoot)
        XCTAssertEqual(other.latestBatch, 0)
        // A changed balance: the root no longer matches.
        var accounts = snap.accounts
        accounts[0] = StateDiff.Entry(address: accounts[0].address,
                                      account: Account(balance: accounts[0].account.balance.checkedAdd(1)!, nonce: accounts[0].account.nonce))
        XCTAssertThrowsError(try other.restore(from: StateSnapshot(batch: snap.batch, root: snap.root, accounts: accounts)))
        // Unsorted or empty entries: malformed.
        XCTAssertThrowsError(try other.restore(from: StateSnapshot(batch: 1, root: snap.root, accounts: snap.accounts.reversed())))
        XCTAssertThrowsError(try other.restore(from: StateSnapshot(
            batch: 1, root: snap.root, accounts: [StateDiff.Entry(address: snap.accounts[0].address, account: .empty)])))
        XCTAssertEqual(other.root, otherRoot)
    }

    func testApplyAfterRollbackContinuesNumbering() throws {
        let w = Self.workload(seed: 8, batches: 6)
        let m = StateManager()
        for diff in [w.genesis] + w.batches { m.apply(diff: diff) }
        try m.rollback(toBatch: 2)
        XCTAssertEqual(m.nextBatch, 3)
        let alternative = Self.workload(seed: 88, batches: 2)
        m.apply(diff: alternative.batches[0])
        XCTAssertEqual(m.latestBatch, 3)
        XCTAssertEqual(m.retainedBatches, 0 ... 3)
        try m.rollback(toBatch: 2)
        XCTAssertEqual(m.root, ReferenceTree.root(Self.expectedState(w, through: 2)))
    }

    /// Property test: random interleavings of apply, rollback, proof-at-old-batch and
    /// snapshot/restore against a model that keeps every full state.
    func testRandomOperationSequencesAgainstModel() throws {
        for seed in UInt64(200) ..< 206 {
            var rng = SeededGenerator(seed: seed)
            let w = Self.workload(seed: seed, accounts: 40, batches: 40, transfers: 8)
            let limit = Int.random(in: 2 ... 8, using: &rng)
            var m = StateManager(retainedBatches: limit)
            m.apply(diff: w.genesis)
            var states: [[Address: Account]] = [Self.expectedState(w, through: 0)] // index = batch
            var next = 0 // next workload batch to apply
            var oldestRetained = 0
            for _ in 0 ..< 60 {
                switch Int.random(in: 0 ..< 10, using: &rng) {
                case 0 ..< 6 where next < w.batches.count:
                    m.apply(diff: w.batches[next])
                    var s = states.last!
                    for e in w.batches[next].entries { s[e.address] = e.account.isEmpty ? nil : e.account }
                    states.append(s)
                    next += 1
                    oldestRetained = max(oldestRetained, states.count - 1 - limit)
                case 6:
                    let target = Int.random(in: oldestRetained ..< states.count, using: &rng)
                    try m.rollback(toBatch: UInt64(target))
                    states.removeLast(states.count - 1 - target)
                    // Rolled-back batches are replaced by later workload batches: fine, any diff goes.
                case 7:
                    let target = Int.random(in: oldestRetained ..< states.count, using: &rng)
                    let addresses = Array(states[target].keys.prefix(3)) + [rng.address()]
                    for p in try m.proofs(addresses, atBatch: UInt64(target)) {
                        XCTAssertEqual(p.account, states[target][p.address] ?? .empty)
                        XCTAssertTrue(p.verify())
                    }
                case 8:
                    m = try StateManager(restoringFrom: StateSnapshot(serialized: m.snapshot().serialized),
                                         retainedBatches: limit)
                    oldestRetained = states.count - 1
                default:
                    break
                }
                XCTAssertEqual(m.latestBatch, UInt64(states.count - 1), "seed \(seed)")
                XCTAssertEqual(m.root, ReferenceTree.root(states.last!), "seed \(seed)")
                XCTAssertEqual(m.retainedBatches, UInt64(oldestRetained) ... UInt64(states.count - 1))
            }
        }
    }
}
