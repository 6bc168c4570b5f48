import Synchronization
import XCTest

@testable import Settlement

/// A resubmission of a transfer still waiting in the pool (docs/reliability.md, Findings) is
/// attached to the waiting copy: it gets that copy's answer, never a refusal of its own while
/// the first copy may still be sequenced. Adversary: an impatient or hostile client resubmitting
/// in a loop (bounded copies), and the sequencer taking the entry at the same moment.
final class PoolResubmissionTests: XCTestCase {
    let f = EngineFixture(accounts: 4)
    let v = ValidationPipeline(domain: EngineFixture(accounts: 4).domain, maxFee: 1_000)

    func validated(_ t: SignedTransfer) -> ValidatedTransfer {
        guard case .success(let tx) = v.validate(t) else { fatalError("fixture transfer does not validate") }
        return tx
    }

    func pool() -> TransactionPool {
        TransactionPool(capacity: 100, maxFutureNonces: 8, futureTimeout: .seconds(10), maxPerSender: 100) { _ in
            Account(balance: 1_000_000)
        }
    }

    /// Collects receipts per submission.
    final class Answers: Sendable {
        let got = Lock<[Int: [Receipt]]>([:])
        func handler(_ i: Int) -> ReceiptHandler { { r in self.got.withLock { $0[i, default: []].append(r) } } }
        subscript(i: Int) -> [Receipt] { got.withLock { $0[i] ?? [] } }
    }

    func testResubmissionOfAReadyTransferGetsTheFirstCopysAnswer() throws {
        let p = pool()
        let tx = validated(f.transfer(from: 0, to: 1, value: 5, fee: 1, nonce: 0))
        let answers = Answers()
        try p.add(tx, onReceipt: answers.handler(0))
        try p.add(tx, onReceipt: answers.handler(1))   // before the fix: throws .duplicate
        XCTAssertEqual(p.count, 1, "the resubmission is not a second transfer")
        XCTAssertTrue(answers[1].isEmpty, "no answer of its own before the first copy's")
        let taken = p.takeBatch(max: 10)
        XCTAssertEqual(taken.count, 1)
        let sequenced = Receipt(id: tx.id, status: .sequenced, batchNumber: 7, indexInBatch: 0)
        taken[0].onReceipt(sequenced)
        XCTAssertEqual(answers[0], [sequenced])
        XCTAssertEqual(answers[1], [sequenced])
    }

    func testResubmissionOfAHeldTransferGetsItsLaterRefusal() throws {
        let p = pool()
        let held = validated(f.transfer(from: 0, to: 1, value: 5, fee: 1, nonce: 3))   // gap: nonces 0...2 missing
        let answers = Answers()
        try p.add(held, onReceipt: answers.handler(0))
        try p.add(held, onReceipt: answers.handler(1))
        XCTAssertEqual(p.count, 1)
        let expired = p.expireHeld(now: .now + .seconds(11))
        XCTAssertEqual(expired.count, 1)
        let refused = Receipt.rejected(held.id, "nonce gap")
        expired[0].0.onReceipt(refused)
        XCTAssertEqual(answers[0], [refused])
        XCTAssertEqual(answers[1], [refused])
    }

    func testCopiesPerEntryAreBoundedAndRetryable() throws {
        let p = pool()
        let tx = validated(f.transfer(from: 0, to: 1, value: 5, fee: 1, nonce: 0))
        for _ in 0..<TransactionPool.maxCopiesPerEntry { try p.add(tx) { _ in } }
        XCTAssertThrowsError(try p.add(tx) { _ in }) { e in
            let r = e as? PoolRejection
            XCTAssertEqual(r, .tooManyCopies(limit: TransactionPool.maxCopiesPerEntry))
            XCTAssertEqual(r?.isRetryable, true, "never a REJECTED verdict while the first copy may be sequenced")
        }
    }

    /// Once taken, the resubmission finds a used nonce (answered from the batch or the store); the
    /// take registers the entries under the pool's lock, so there is no moment when a resubmission
    /// finds the transfer in neither place.
    func testTakenEntriesAreRegisteredBeforeTheyLeaveThePool() throws {
        let p = pool()
        let tx = validated(f.transfer(from: 0, to: 1, value: 5, fee: 1, nonce: 0))
        try p.add(tx) { _ in }
        let registered = Lock<Set<Digest32>>([])
        let taken = p.takeBatch(max: 10) { entries in
            // Still under the pool's lock: the entry is not findable by a resubmission yet.
            registered.withLock { r in for e in entries { r.insert(e.tx.id) } }
        }
        XCTAssertEqual(taken.map(\.tx.id), [tx.id])
        XCTAssertEqual(registered.withLock { $0 }, [tx.id])
        XCTAssertThrowsError(try p.add(tx) { _ in }) {
            XCTAssertEqual($0 as? PoolRejection, .nonceTooLow(got: 0, expected: 1))
        }
    }
}
