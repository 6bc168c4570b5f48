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

    /// Two spends of one note in one call: the second is refused at admission (a double spend of
    /// a queued nullifier), not executed in the lane. Before the fix every further spend of a
    /// queued note took a lane slot for free (only the accepted one pays a fee), so one note and
    /// enough proofs kept the shielded queue full.
    func testASecondSpendOfAQueuedNoteNeverTakesALaneSlot() async throws {
        var f = fixture()
        // One batch in flight at a time, held at the commit gate: the sequencer cannot take the
        // lane while the two spends are admitted.
        f.config.maxConcurrentBatches = 1
        let gate = CommitGate()
        let e = try await f.engine(store: InMemorySettlementStore(commitGate: gate))
        let shield = try makeShield(e, f, value: 40, to: alice, nonce: 0)
        let shielded = AsyncStream<Receipt>.makeStream()
        try await e.submitShielded(shield) { shielded.continuation.yield($0); shielded.continuation.finish() }
        while gate.waiting == 0 { await Task.yield() }  // executed (in memory), its commit held
        let note = scan(e, [shield], alice).first { $0.note.value == 39 }!
        let a = try spend(e, f, alice, note, pay: [.init(to: bob.address, value: 38)])
        let b = try spend(e, f, alice, note, pay: [.init(to: eve.address, value: 38)])
        let receipts = Lock<[Int: Receipt]>([:])
        let done = AsyncStream<Void>.makeStream()
        let taken = try await e.submitShielded([a, b]) { i, r in
            if receipts.withLock({ $0[i] = r; return $0.count }) == 2 { done.continuation.finish() }
        }
        XCTAssertEqual(taken.map { $0 == nil }, [true, true])
        gate.open()
        for await r in shielded.stream { XCTAssertEqual(r.status, .sequenced, r.reason) }
        for await _ in done.stream {}
        let got = receipts.withLock { $0 }
        XCTAssertEqual(got[0]?.status, .sequenced, got[0]?.reason ?? "")
        XCTAssertEqual(got[1]?.status, .rejected)
        XCTAssertTrue(got[1]?.reason.hasPrefix("double spend") == true, got[1]?.reason ?? "")
        XCTAssertEqual(got[1]?.batchNumber, 0, "refused at admission, not in a batch's lane")
        await e.stop()
    }

    /// A shield its account cannot pay — alone, or beside its shields already queued — is refused
    /// at admission with the reason and takes no lane slot; before, it was queued and refused in
    /// the lane, for free, in every batch it was resubmitted to.
    func testAShieldItsAccountCannotPayNeverTakesALaneSlot() async throws {
        let f = fixture()
        let e = try await f.engine()
        let unpayable = try makeShield(e, f, account: 2, value: 5_000, to: bob, nonce: 0)
        let r = try await e.submitShieldedAndWait(unpayable)
        XCTAssertEqual(r.status, .rejected)
        XCTAssertTrue(r.reason.contains("does not cover"), r.reason)
        XCTAssertEqual(r.batchNumber, 0, "refused at admission, not in a batch's lane")
        XCTAssertEqual(e.head.batch, 0, "no batch was made for it")
        await e.stop()
    }
}
