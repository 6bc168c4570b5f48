import XCTest
import ZK
@testable import Settlement

/// The shielded queue's bookkeeping: arrival order across takes and compaction, copies of a
/// queued id attached to it (answered with its receipt) and bounded, capacity.
final class ShieldedQueueTests: XCTestCase {
    /// A transaction whose id is distinct per `n` (no proof needed: the queue checks nothing).
    func tx(_ n: UInt64) -> ShieldedTransaction {
        let statement = SpendStatement(root: NoteTree().root, nullifiers: [Fr(2 * n + 1), Fr(2 * n + 2)],
                                       commitments: [Fr(3), Fr(4)], publicIn: 0, publicOut: 0, fee: 1, binding: Fr(5))
        return ShieldedTransaction(kind: .transfer, statement: statement,
                                   proof: Groth16.Proof(a: BN254G1.generator, b: BN254G2.generator, c: BN254G1.generator),
                                   ciphertexts: [[UInt8](repeating: 0, count: 121), [UInt8](repeating: 0, count: 121)])
    }

    /// The receipts one test's handlers got.
    final class Received: Sendable {
        let lock = Lock<[Receipt]>([])
        var all: [Receipt] { lock.withLock { $0 } }
    }

    func entry(_ t: ShieldedTransaction, _ got: Received? = nil) -> ShieldedQueue.Entry {
        ShieldedQueue.Entry(tx: t, id: t.id, receivedAt: .now, onReceipt: { r in got?.lock.withLock { $0.append(r) } })
    }

    /// A griefer resubmitting copies of a victim's queued transaction (each one verifies: the
    /// victim's own proof) attaches a bounded number of them; before the fix every copy chained
    /// one more closure onto the entry's handler, without limit (memory, and a call depth that
    /// grows with the copies when the receipt is delivered).
    func testCopiesOfAQueuedTransactionAreBounded() {
        let q = ShieldedQueue(capacity: 4)
        let victim = tx(1)
        let got = Received()
        XCTAssertEqual(q.add(entry(victim, got)), .queued)
        var outcomes: [ShieldedQueue.Outcome] = []
        for _ in 0..<100 { outcomes.append(q.add(entry(victim, got))) }
        let attached = outcomes.filter { $0 == .attached }.count
        XCTAssertEqual(attached, ShieldedQueue.maxCopiesPerEntry - 1)
        XCTAssertEqual(outcomes.last, .tooManyCopies(limit: ShieldedQueue.maxCopiesPerEntry))
        XCTAssertEqual(q.count, 1)
        let taken = q.take(max: 10)
        XCTAssertEqual(taken.count, 1)
        taken[0].onReceipt(.rejected(victim.id, "test"))
        XCTAssertEqual(got.all.count, ShieldedQueue.maxCopiesPerEntry, "every attached copy is answered once")
    }

    /// A take bounded by data bytes stops before the first transaction that does not fit (the
    /// next take starts with it), however many would fit by count; order is kept.
    func testATakeStopsAtTheDataBudgetInOrder() {
        let q = ShieldedQueue(capacity: 10)
        let txs = (0..<6).map { tx(UInt64($0)) }
        for t in txs { XCTAssertEqual(q.add(entry(t)), .queued) }
        let sizes: [Digest32: Int] = Dictionary(uniqueKeysWithValues: zip(txs.map(\.id), [300, 300, 500, 100, 100, 100]))
        let size = { (t: ShieldedTransaction) in sizes[t.id]! }
        XCTAssertEqual(q.take(max: 10, maxDataBytes: 700, size: size).map(\.id), txs[0..<2].map(\.id),
                       "the third (500 bytes) does not fit in the 100 left, and the smaller ones behind it wait")
        XCTAssertEqual(q.take(max: 10, maxDataBytes: 400, size: size).map(\.id), [], "nothing fits before the head")
        XCTAssertEqual(q.take(max: 2, maxDataBytes: 10_000, size: size).map(\.id), txs[2..<4].map(\.id), "the count still bounds")
        XCTAssertEqual(q.take(max: 10, maxDataBytes: 200, size: size).map(\.id), txs[4..<6].map(\.id))
        XCTAssertEqual(q.count, 0)
    }

    /// Takes keep arrival order across the compaction of the taken prefix, and an id queued
    /// after it still attaches to the right entry.
    func testOrderAndAttachSurviveCompaction() {
        let q = ShieldedQueue(capacity: 4_000)
        let txs = (0..<3_000).map { tx(UInt64($0)) }
        for t in txs { XCTAssertEqual(q.add(entry(t)), .queued) }
        XCTAssertEqual(q.take(max: 1_100).map(\.id), txs[0..<1_100].map(\.id))
        XCTAssertEqual(q.take(max: 500).map(\.id), txs[1_100..<1_600].map(\.id), "this take compacts")
        XCTAssertFalse(q.contains(txs[1_599].id))
        XCTAssertTrue(q.contains(txs[1_600].id))
        let got = Received()
        XCTAssertEqual(q.add(entry(txs[2_000], got)), .attached)
        XCTAssertEqual(q.add(entry(txs[10], got)), .queued, "a taken id is queued anew")
        let rest = q.drainAll()
        XCTAssertEqual(rest.map(\.id), txs[1_600...].map(\.id) + [txs[10].id])
        rest[400].onReceipt(.rejected(txs[2_000].id, "test"))
        XCTAssertEqual(got.all.map(\.id), [txs[2_000].id])
        XCTAssertEqual(q.count, 0)
    }

    /// A second transaction spending a queued one's nullifier (another id) is refused while the
    /// first waits: it could only take a lane slot to be refused there, for free. Once the first
    /// is taken, the lane and the pool decide.
    func testASecondSpendOfAQueuedNullifierIsRefused() {
        let q = ShieldedQueue(capacity: 8)
        let first = tx(1)
        var second = tx(2)
        second.statement.nullifiers[1] = first.statement.nullifiers[0]
        XCTAssertNotEqual(first.id, second.id)
        XCTAssertEqual(q.add(entry(first)), .queued)
        XCTAssertEqual(q.add(entry(second)), .nullifierPending)
        XCTAssertEqual(q.add(entry(tx(3))), .queued, "other nullifiers are not affected")
        XCTAssertEqual(q.count, 2)
        _ = q.take(max: 1)
        XCTAssertEqual(q.add(entry(second)), .queued)
    }
}
