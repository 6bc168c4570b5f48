import XCTest
@testable import Settlement
import SettlementTestSupport

/// The engine end to end on one node (validation, pool, batches, execution, commit, receipts),
/// over an in-memory store double.
final class EngineTests: XCTestCase {
    func testTransferIsSequencedAndMovesBalances() async throws {
        let f = EngineFixture()
        let engine = try await f.engine()
        let r = try await engine.submitAndWait(f.transfer(from: 0, to: 1, value: 1000, fee: 7, nonce: 0))
        XCTAssertEqual(r.status, .sequenced, r.reason)
        XCTAssertGreaterThan(r.batchNumber, 0)
        XCTAssertEqual(try engine.account(f.keys[0].address).account, Account(balance: 998_993, nonce: 1))
        XCTAssertEqual(try engine.account(f.keys[1].address).account, Account(balance: 1_001_000, nonce: 0))
        XCTAssertEqual(try engine.account(f.config.feeAccount).account.balance, 7)
        let status = try await engine.status(of: r.id)
        XCTAssertEqual(status?.status, .sequenced)
        XCTAssertEqual(status?.batchNumber, r.batchNumber)
        await engine.stop()
    }

    func testRejectionsChangeNothing() async throws {
        let f = EngineFixture()
        let engine = try await f.engine()
        let before = (0..<3).map { try! engine.account(f.keys[$0].address).account }
        func expectRejected(_ t: SignedTransfer, _ fragment: String, line: UInt = #line) async throws {
            let r = try await engine.submitAndWait(t)
            XCTAssertEqual(r.status, .rejected, "expected a rejection", line: line)
            XCTAssertTrue(r.reason.contains(fragment), "reason \"\(r.reason)\" lacks \"\(fragment)\"", line: line)
        }
        let good = f.transfer(from: 0, to: 1, value: 5, nonce: 0)
        var flipped = good.signature
        flipped[10] ^= 0x01
        try await expectRejected(SignedTransfer(transfer: good.transfer, domain: f.domain, signature: flipped), "signature")
        try await expectRejected(f.transfer(from: 0, to: 1, value: 5, nonce: 0, domain: SigningDomain(chainId: 1, salt: f.domain.salt)), "chain id")
        // Signed by key 2 but claiming to be from key 0.
        let forged = SignedTransfer.sign(Transfer(from: f.keys[0].address, to: f.keys[1].address, value: 5, fee: 1, nonce: 0),
                                         domain: f.domain, with: f.keys[2])
        try await expectRejected(forged, "not by from")
        try await expectRejected(f.transfer(from: 0, to: 1, value: .max, fee: 1, nonce: 0), "overflows")
        try await expectRejected(f.transfer(from: 0, to: 1, value: 2_000_000, nonce: 0), "insufficient balance")
        try await expectRejected(f.transfer(from: 0, to: 1, value: 5, nonce: 3), "nonce gap")
        for i in 0..<3 { XCTAssertEqual(try engine.account(f.keys[i].address).account, before[i]) }
        // A replayed nonce: the first is sequenced, the replay rejected.
        let first = try await engine.submitAndWait(good)
        XCTAssertEqual(first.status, .sequenced)
        try await expectRejected(f.transfer(from: 0, to: 2, value: 9, nonce: 0), "nonce")
        // Resubmitting the same signed transfer is answered with its existing receipt.
        let again = try await engine.submitAndWait(good)
        XCTAssertEqual(again.status, .sequenced)
        XCTAssertEqual(again.batchNumber, first.batchNumber)
        XCTAssertEqual(try engine.account(f.keys[2].address).account, before[2])
        await engine.stop()
    }

    func testRetryWhileTheBatchIsBeingCommittedGetsTheSameReceipt() async throws {
        let f = EngineFixture()
        let gate = CommitGate()
        let engine = try await f.engine(store: InMemorySettlementStore(commitGate: gate))
        let t = f.transfer(from: 0, to: 1, value: 3, nonce: 0)
        let first = Task { try await engine.submitAndWait(t) }
        // Wait until the sequencer took it out of the pool (executed, commit held by the gate).
        for _ in 0..<2000 where engine.pool.count > 0 {
            try await Task.sleep(for: .milliseconds(5))
        }
        try await Task.sleep(for: .milliseconds(50))
        let retry = Task { try await engine.submitAndWait(t) }
        try await Task.sleep(for: .milliseconds(50))
        gate.open()
        let (a, b) = try await (first.value, retry.value)
        XCTAssertEqual(a.status, .sequenced, a.reason)
        XCTAssertEqual(b.status, .sequenced, b.reason)
        XCTAssertEqual(a.batchNumber, b.batchNumber)
        await engine.stop()
    }

    func testFutureNonceWaitsForTheGap() async throws {
        let f = EngineFixture()
        let engine = try await f.engine()
        let later = Task { try await engine.submitAndWait(f.transfer(from: 0, to: 1, value: 1, nonce: 1)) }
        try await Task.sleep(for: .milliseconds(20))
        let r0 = try await engine.submitAndWait(f.transfer(from: 0, to: 1, value: 1, nonce: 0))
        let r1 = try await later.value
        XCTAssertEqual(r0.status, .sequenced)
        XCTAssertEqual(r1.status, .sequenced, r1.reason)
        await engine.stop()
    }

    func testDeterministicReplayAndSupplyConservation() async throws {
        let f = EngineFixture(accounts: 12)
        var rng = SeededGenerator(seed: 7)
        var nonces = [UInt64](repeating: 0, count: 12)
        var txs: [SignedTransfer] = []
        for _ in 0..<400 {
            let i = Int(rng.next() % 12), j = Int(rng.next() % 12)
            // Some overdraw on purpose; those are rejected and don't consume the nonce.
            let value = UInt256(rng.next() % 200_000)
            txs.append(f.transfer(from: i, to: j, value: value, fee: UInt256(rng.next() % 10), nonce: nonces[i]))
            nonces[i] += 1
        }
        func run() async throws -> (roots: [Digest32], accounts: [Account], store: InMemorySettlementStore) {
            let store = InMemorySettlementStore()
            let engine = try await f.engine(store: store)
            // Submitted one at a time so every run sees the same order.
            for t in txs { _ = try await engine.submitAndWait(t) }
            let accounts = try (f.keys.map(\.address) + [f.config.feeAccount]).map { try engine.account($0).account }
            await engine.stop()
            return (store.committedDiffs.map(\.root), accounts, store)
        }
        let a = try await run()
        let b = try await run()
        XCTAssertEqual(a.accounts, b.accounts)
        XCTAssertEqual(a.roots.last, b.roots.last)
        var total = UInt256.zero
        for acct in a.accounts { total = total.checkedAdd(acct.balance)! }
        XCTAssertEqual(total, UInt256(12 * 1_000_000), "supply must be conserved (fees move to the fee account)")
        // Replaying the committed diffs over genesis gives the same root.
        let replay = StateManager()
        _ = replay.apply(diff: SettlementEngine.genesisDiff(f.genesis))
        for batch in a.store.committedDiffs {
            XCTAssertEqual(replay.apply(diff: batch.diff), batch.root)
        }
    }

    func testRestartRebuildsTheSameState() async throws {
        let f = EngineFixture()
        let store = InMemorySettlementStore()
        let engine = try await f.engine(store: store)
        for n in 0..<20 { _ = try await engine.submitAndWait(f.transfer(from: n % 4, to: 5, value: 10, nonce: UInt64(n / 4))) }
        let root = try engine.account(f.keys[5].address).root
        await engine.stop()
        let again = try await f.engine(store: store)
        XCTAssertEqual(try again.account(f.keys[5].address).root, root)
        XCTAssertEqual(try again.account(f.keys[5].address).account.balance, 1_000_200)
        let next = try await again.submitAndWait(f.transfer(from: 0, to: 5, value: 1, nonce: 5))
        XCTAssertEqual(next.status, .sequenced, next.reason)
        await again.stop()
    }

    func testPoolIsBoundedAndFair() throws {
        let f = EngineFixture(accounts: 3)
        let pool = TransactionPool(capacity: 6, maxFutureNonces: 4, futureTimeout: .seconds(10)) { _ in Account(balance: 1_000_000) }
        let v = ValidationPipeline(domain: f.domain, maxFee: 1_000)
        func add(_ i: Int, _ n: UInt64) throws(PoolRejection) {
            guard case .success(let tx) = v.validate(f.transfer(from: i, to: 0, value: 1, nonce: n)) else { return }
            try pool.add(tx) { _ in }
        }
        for n in 0..<4 { try add(0, UInt64(n)) }   // a busy sender
        try add(1, 0)
        try add(2, 0)
        // Full: a lighter sender's next nonce evicts the busy sender's newest (docs/admission.md)...
        try add(2, 1)
        XCTAssertEqual(pool.count, 6)
        try add(1, 1)
        // ...until no sender holds two more than the newcomer.
        XCTAssertThrowsError(try add(2, 2)) { XCTAssertEqual($0 as? PoolRejection, .full(capacity: 6)) }
        let batch = pool.takeBatch(max: 3)
        XCTAssertEqual(Set(batch.map(\.tx.sender)).count, 3, "one per sender per round")
        XCTAssertThrowsError(try add(1, 0)) { XCTAssertEqual($0 as? PoolRejection, .nonceTooLow(got: 0, expected: 2)) }
    }

    func testConfigValidationNamesTheSetting() {
        var c = SettlementConfig()
        c.batchSize = 0
        c.maxConcurrentBatches = -1
        let p = c.problems()
        XCTAssertTrue(p.contains { $0.contains("batch_size") })
        XCTAssertTrue(p.contains { $0.contains("max_concurrent_batches") })
        XCTAssertTrue(SettlementConfig().problems().isEmpty)
    }

    /// A production deployment refuses the well-known development and public
    /// chain ids (the default 1337 among them); a dev deployment keeps them.
    func testProductionRefusesWellKnownChainIds() {
        for id: UInt64 in [1, 1337, 31337, 11155111] {
            var c = SettlementConfig()
            c.chainId = id
            XCTAssertTrue(c.problems().isEmpty, "dev mode keeps chain id \(id)")
            c.production = true
            XCTAssertTrue(c.problems().contains { $0.contains("chain_id \(id)") && $0.contains("refused in production") },
                          "\(c.problems())")
        }
        var own = SettlementConfig()
        own.chainId = 424_242
        own.production = true
        XCTAssertTrue(own.problems().isEmpty, "\(own.problems())")
    }

    func testGenesisParsing() throws {
        let json = #"{"config": {"chainId": 1337}, "alloc": {"0x00000000000000000000000000000000000000aa": {"balance": "1000"}, "0x00000000000000000000000000000000000000BB": {"balance": "0x10"}}}"#
        let g = try Genesis.parse(Data(json.utf8))
        XCTAssertEqual(g.chainId, 1337)
        XCTAssertEqual(g.allocations.map(\.balance), [1000, 16])
        XCTAssertThrowsError(try Genesis.parse(Data(#"{"config": {}, "alloc": {}}"#.utf8)))
        XCTAssertThrowsError(try Genesis.parse(Data(#"{"config": {"chainId": 1}, "alloc": {"0x12": {"balance": "1"}}}"#.utf8)))
    }
}

import Foundation
