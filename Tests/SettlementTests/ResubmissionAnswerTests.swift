import XCTest

@testable import Settlement
import SettlementTestSupport

/// The engine's answers to a resubmission (docs/reliability.md, Findings): REJECTED means
/// "refused, the state unchanged", so a copy of a transfer that may still be (or already was)
/// sequenced is never answered REJECTED.
final class ResubmissionAnswerTests: XCTestCase {
    /// The transfer waits in the pool (the only batch slot holds a batch whose commit is held);
    /// an impatient client sends it again: it gets the same SEQUENCED receipt once the batch
    /// commits (before the fix: REJECTED "transaction already submitted").
    func testResubmissionWhileWaitingInThePoolGetsTheSameReceipt() async throws {
        var f = EngineFixture()
        f.config.maxConcurrentBatches = 1
        let gate = CommitGate()
        let engine = try await f.engine(store: InMemorySettlementStore(commitGate: gate))
        let t0 = f.transfer(from: 0, to: 1, value: 3, nonce: 0)
        let t1 = f.transfer(from: 0, to: 1, value: 3, nonce: 1)
        let zero = Task { try await engine.submitAndWait(t0) }
        // Wait until nonce 0's batch is held at the gate: the only batch slot is taken.
        for _ in 0..<2000 where gate.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
        XCTAssertEqual(gate.waiting, 1, "nonce 0's batch should be held at the commit gate")
        let first = Task { try await engine.submitAndWait(t1) }
        for _ in 0..<2000 where !engine.pool.contains(t1.id) { try await Task.sleep(for: .milliseconds(5)) }
        XCTAssertTrue(engine.pool.contains(t1.id), "nonce 1 should wait in the pool behind the held commit")
        let again = Task { try await engine.submitAndWait(t1) }
        try await Task.sleep(for: .milliseconds(50))
        gate.open()
        let (z, a, b) = try await (zero.value, first.value, again.value)
        XCTAssertEqual(z.status, .sequenced, z.reason)
        XCTAssertEqual(a.status, .sequenced, a.reason)
        XCTAssertEqual(b.status, .sequenced, b.reason)
        XCTAssertEqual(a, b)
        await engine.stop()
    }

    /// A used nonce whose store lookup fails (the database is down): unknown whether this is a
    /// retry of the durable transfer, so the answer is UNAVAILABLE (retry), not REJECTED (before
    /// the fix: REJECTED "nonce 0 already used" even for the durable transfer itself).
    func testUsedNonceWithAFailingLookupIsUnavailableNotRejected() async throws {
        let f = EngineFixture()
        let store = InMemorySettlementStore()
        let engine = try await f.engine(store: store)
        let t = f.transfer(from: 0, to: 1, value: 3, nonce: 0)
        let first = try await engine.submitAndWait(t)
        XCTAssertEqual(first.status, .sequenced, first.reason)
        store.failLookups(true)
        let retry = try await engine.submitAndWait(t)
        XCTAssertTrue(retry.isUnavailable, "got \(retry.status) \(retry.reason)")
        let other = try await engine.submitAndWait(f.transfer(from: 0, to: 2, value: 4, nonce: 0))
        XCTAssertTrue(other.isUnavailable, "got \(other.status) \(other.reason)")
        store.failLookups(false)
        let answered = try await engine.submitAndWait(t)
        XCTAssertEqual(answered.status, .sequenced, answered.reason)
        XCTAssertEqual(answered.batchNumber, first.batchNumber)
        await engine.stop()
    }
}
