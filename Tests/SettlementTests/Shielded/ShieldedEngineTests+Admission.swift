import XCTest
import ZK
@testable import Settlement
import SettlementTestSupport

/// Admission against the pool as it is (real proofs, through the engine): what the pool refuses
/// for good never takes a lane slot, and a resubmission the engine cannot place is never answered
/// REJECTED when it may be sequenced.
extension ShieldedEngineTests {
    /// A griefer holding a valid proof that the pool refuses for good (here a second spend of a
    /// note already spent: a fee is never charged for a refusal, and a stored refusal is not
    /// final) resubmits it in a loop. It is refused at admission, against the pool: no batch, no
    /// lane slot, however often it comes. Before the fix each resubmission was queued and executed
    /// in a batch of its own (a free lane slot each time, starving honest shielded transactions
    /// once the queue is full).
    func testAForeverRefusedTransactionNeverTakesALaneSlot() async throws {
        let f = fixture()
        let e = try await f.engine()
        let shield = try makeShield(e, f, value: 30, to: alice, nonce: 0)
        let r0 = try await e.submitShieldedAndWait(shield)
        XCTAssertEqual(r0.status, .sequenced, r0.reason)
        let note = scan(e, [shield], alice).first { $0.note.value == 29 }!
        let spent = try spend(e, f, alice, note, pay: [.init(to: bob.address, value: 28)])
        let r1 = try await e.submitShieldedAndWait(spent)
        XCTAssertEqual(r1.status, .sequenced, r1.reason)
        let again = try spend(e, f, alice, note, pay: [.init(to: eve.address, value: 28)])
        let head = e.head.batch
        for _ in 0..<3 {
            let r = try await e.submitShieldedAndWait(again)
            XCTAssertEqual(r.status, .rejected)
            XCTAssertEqual(r.reason, ShieldedRefusal.nullifierSpent.description)
            XCTAssertEqual(r.batchNumber, 0, "refused at admission, not in a batch's lane")
        }
        XCTAssertEqual(e.head.batch, head, "no batch was made for the refused resubmissions")
        await e.stop()
    }

    /// A client retries its sequenced shield while the store cannot be read: the engine cannot
    /// tell a retry from a replay, so the answer is UNAVAILABLE (retry), never REJECTED — the
    /// rule the transparent path follows. Before the fix the retry was queued and executed again,
    /// and the client was told REJECTED ("double spend") for a transaction that went through.
    func testARetryOfASequencedShieldIsNeverRejectedWhenTheStoreCannotTell() async throws {
        let f = fixture()
        let store = InMemorySettlementStore()
        let e = try await f.engine(store: store)
        let shield = try makeShield(e, f, value: 20, to: alice, nonce: 0)
        let first = try await e.submitShieldedAndWait(shield)
        XCTAssertEqual(first.status, .sequenced, first.reason)
        let head = e.head.batch
        store.failLookups(true)
        let retry = try await e.submitShieldedAndWait(shield)
        XCTAssertTrue(retry.isUnavailable, "got \(retry.status) \(retry.reason)")
        XCTAssertEqual(e.head.batch, head, "the retry was not executed again")
        store.failLookups(false)
        await e.stop()
    }
}
