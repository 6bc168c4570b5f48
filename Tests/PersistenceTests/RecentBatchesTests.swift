import Logging
import Persistence
import PostgresDriver
import Settlement
import SimulatedL1
import Synchronization
import XCTest

/// Commitment data built from the batches the leader holds (`RecentBatches`) is the data read back
/// from the store, byte for byte; the finality engine's events and reads without the store's
/// full lists (`StatusEvents.interest`, unsettled commitments without their data).
final class RecentBatchesTests: PostgresTestCase {
    private func makeChain(batches: Int, count: Int = 40)
        async throws -> (store: PostgresSettlementStore, chain: StoreTestChain, recent: RecentBatches) {
        var chain = StoreTestChain()
        let store = PostgresSettlementStore(conninfo: url)
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        let recent = RecentBatches(limit: 100)
        for _ in 0..<batches {
            let b = chain.makeBatch(count: count)
            try await store.commit(b)
            recent.record(b)
        }
        return (store, chain, recent)
    }

    func testHeldBatchDataIsTheStoreDataByteForByte() async throws {
        let (store, chain, recent) = try await makeChain(batches: 6)
        for (from, to) in [(UInt64(1), UInt64(6)), (2, 4), (5, 5)] {
            let held = try XCTUnwrap(recent.batchData(from: from, to: to))
            let stored = try await store.batchData(from: from, to: to)
            XCTAssertEqual(held.prevRoot, stored.prevRoot)
            XCTAssertEqual(held.newRoot, stored.newRoot)
            XCTAssertEqual(held.batches, stored.batches)
            XCTAssertEqual(BatchData.encode(held.batches, domain: chain.domain),
                           BatchData.encode(stored.batches, domain: chain.domain))
            let heldIds = try XCTUnwrap(recent.acceptedTransactionIds(from: from, to: to))
            let storedIds = try await store.acceptedTransactionIds(from: from, to: to)
            XCTAssertEqual(heldIds.map(\.batch), storedIds.map(\.batch))
            XCTAssertEqual(heldIds.map(\.id), storedIds.map(\.id))
            XCTAssertLessThan(heldIds.count, held.batches.reduce(0) { $0 + $1.transfers.count }, "the fixture has rejections")
            // Filtered to some ids, in the same order, held or read.
            let some = Set(storedIds.enumerated().filter { $0.offset % 3 == 0 }.map(\.element.id))
            let heldSome = try XCTUnwrap(recent.acceptedTransactionIds(from: from, to: to, among: some))
            let storedSome = try await store.acceptedTransactionIds(from: from, to: to, among: some)
            XCTAssertEqual(storedSome.map(\.id), storedIds.map(\.id).filter { some.contains($0) })
            XCTAssertEqual(heldSome.map(\.id), storedSome.map(\.id))
            XCTAssertEqual(heldSome.map(\.batch), storedSome.map(\.batch))
        }
        XCTAssertNil(recent.batchData(from: 0, to: 3), "batch 0 is not held")
        XCTAssertNil(recent.batchData(from: 5, to: 7), "batch 7 does not exist")
        await store.close()
    }

    func testHoldingIsBoundedContiguousAndDiscardedThroughACommitment() async throws {
        var chain = StoreTestChain()
        let recent = RecentBatches(limit: 3)
        let batches = (0..<5).map { _ in chain.makeBatch(count: 3) }
        for b in batches { recent.record(b) }
        XCTAssertEqual(recent.count, 3)
        XCTAssertNil(recent.batchData(from: 2, to: 5), "the oldest went first")
        XCTAssertNotNil(recent.batchData(from: 3, to: 5))
        recent.discard(through: 3)
        XCTAssertEqual(recent.count, 2)
        XCTAssertNil(recent.batchData(from: 3, to: 4))
        XCTAssertEqual(recent.batchData(from: 4, to: 5)?.batches.map(\.number), [4, 5])
        // A batch that does not follow the newest one replaces everything held.
        recent.record(batches[1])
        XCTAssertEqual(recent.count, 1)
        XCTAssertNil(recent.batchData(from: 4, to: 5))
        XCTAssertEqual(recent.batchData(from: 2, to: 2)?.batches.map(\.number), [2])
        recent.reset()
        XCTAssertEqual(recent.count, 0)
        XCTAssertEqual(RecentBatches(limit: 0).count, 0)
    }

    func testFinalityEngineWithHeldBatchesPostsTheStoreDataAndTheSameEvents() async throws {
        let (store, chain, recent) = try await makeChain(batches: 4)
        let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
        let l1 = L1Simulator(conninfo: url, config: L1SimulatorConfig(
            seed: 7, blockTimeMs: 12_000, genesisTimestampMs: 1_700_000_000_000,
            arbiter: L1ArbiterConfig(genesisRoot: chain.genesisRoot, proposer: proposer, rules: .defaults(in: chain.domain)), producerID: "test"))
        try await l1.open()
        var settings = FinalityEngine.Settings(settlementInterval: .zero, confirmationDepth: 3, challengePeriodMs: 60_000,
                                               maxBatchesPerCommitment: 3, proposer: proposer, bond: 1)
        settings.repostAfterBlocks = 4
        let events = StatusEvents()
        var logger = Logger(label: "finality-test")
        logger.logLevel = .warning
        let finality = FinalityEngine(settings: settings, l1: l1, store: store, domain: chain.domain, events: events,
                                      durableHead: { 4 }, logger: logger, recentBatches: recent)
        // Subscribers: one to every event, one to two ids, and the forwarder's kind (receipts only).
        let all = try await store.acceptedTransactionIds(from: 1, to: 4)
        let two = [all[1].id, all[all.count - 1].id]
        XCTAssertEqual(events.interest(in: .posted), .none)
        let everything = EventLog(), some = EventLog(), receipts = EventLog()
        let tasks = [
            Task { for try await e in events.subscribe(ids: nil) { everything.append(e) } },
            Task { for try await e in events.subscribe(ids: two) { some.append(e) } },
            Task { for try await e in events.subscribe(ids: nil, statuses: [.sequenced, .rejected]) { receipts.append(e) } },
        ]
        defer { for t in tasks { t.cancel() } }
        try await withTimeout(30) { while events.subscriberCount < 3 { try await Task.sleep(for: .milliseconds(10)) } }
        XCTAssertEqual(events.interest(in: .posted), .all)
        XCTAssertEqual(events.interest(in: .sequenced), .all)

        try await finality.step()  // batches 1...3, then 4
        let recordedFirst = try await store.commitmentData(index: 0)
        let recordedSecond = try await store.commitmentData(index: 1)
        let first = try XCTUnwrap(recordedFirst)
        let second = try XCTUnwrap(recordedSecond)
        let storedFirst = try await store.batchData(from: 1, to: 3)
        let storedSecond = try await store.batchData(from: 4, to: 4)
        XCTAssertEqual(first, BatchData.encode(storedFirst.batches, domain: chain.domain))
        XCTAssertEqual(second, BatchData.encode(storedSecond.batches, domain: chain.domain))
        XCTAssertEqual(recent.count, 0, "posted batches are let go")

        try await withTimeout(30) {
            while everything.all.count < all.count || some.all.count < 2 { try await Task.sleep(for: .milliseconds(10)) }
        }
        XCTAssertEqual(everything.all.map(\.id), all.map(\.id))
        XCTAssertEqual(everything.all.map(\.batchNumber), all.map(\.batch))
        XCTAssertTrue(everything.all.allSatisfy { $0.status == .posted })
        XCTAssertEqual(some.all.map(\.id), two)
        XCTAssertEqual(some.all.map(\.status), [.posted, .posted])
        XCTAssertTrue(receipts.all.isEmpty, "a receipts-only subscriber gets no L1 steps")

        // Unsettled commitments come without their data; a re-post reads it (dropped by a reorg).
        let unsettled = try await store.unsettledCommitments()
        XCTAssertEqual(unsettled.map(\.commitment.index), [0, 1])
        XCTAssertTrue(unsettled.allSatisfy(\.data.isEmpty))
        try await mine(l1, 1)
        try await finality.step()
        _ = try await l1.reorg(depth: 1, dropTransactions: true, extraBlocks: 1)
        try await finality.step()
        try await mine(l1, 3)
        try await finality.step()
        let confirmed = try await l1.commitments(fromIndex: 0)
        XCTAssertEqual(confirmed.map(\.commitment.index), [0, 1])
        let reposted = try await l1.commitmentData(index: 0)
        XCTAssertEqual(reposted, first)
        let latest = try await store.latestCommitment()
        XCTAssertEqual(latest?.status, .l1Confirmed)
        await l1.close()
        await store.close()
    }

    private func mine(_ l1: L1Simulator, _ n: Int) async throws {
        for _ in 0..<n { _ = try await l1.produceBlock() }
    }
}

final class EventLog: Sendable {
    private let items = Lock<[StatusEvent]>([])
    func append(_ e: StatusEvent) { items.withLock { $0.append(e) } }
    var all: [StatusEvent] { items.withLock { $0 } }
}
