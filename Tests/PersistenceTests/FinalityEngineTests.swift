import Logging
import Persistence
import PostgresDriver
import Settlement
import SimulatedL1
import Synchronization
import XCTest

/// The finality engine against the L1 simulator and the PostgreSQL store: commitments posted with
/// their compressed data, confirmed, finalized after the challenge period in L1 time; reorgs
/// detected, dropped commitments posted again; every status in the database and to subscribers.
final class FinalityEngineTests: PostgresTestCase {
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let blockTimeMs: UInt64 = 12_000

    private struct Setup {
        let store: PostgresSettlementStore
        let l1: L1Simulator
        let finality: FinalityEngine
        let events: StatusEvents
        var chain: StoreTestChain
    }

    /// A store with `batches` committed batches, a simulator (manual blocks), and a finality
    /// engine that posts on every step, confirms at depth 3 and has a challenge period of 5 blocks.
    private func setUp(batches: Int, maxBatchesPerCommitment: Int = 100, transfersPerBatch: Int = 30) async throws -> Setup {
        var chain = StoreTestChain()
        let store = PostgresSettlementStore(conninfo: url)
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        for _ in 0..<batches { try await store.commit(chain.makeBatch(count: transfersPerBatch)) }
        let l1 = L1Simulator(conninfo: url, config: L1SimulatorConfig(
            seed: 7, blockTimeMs: blockTimeMs, genesisTimestampMs: 1_700_000_000_000,
            arbiter: L1ArbiterConfig(genesisRoot: chain.genesisRoot, proposer: proposer, challengePeriodMs: 5 * blockTimeMs,
                                     rules: .defaults(in: chain.domain)),
            producerID: "test"))
        try await l1.open()
        var settings = FinalityEngine.Settings(settlementInterval: .zero, confirmationDepth: 3,
                                               challengePeriodMs: 5 * blockTimeMs, maxBatchesPerCommitment: maxBatchesPerCommitment,
                                               proposer: proposer, bond: 1)
        settings.repostAfterBlocks = 4
        let events = StatusEvents()
        let head = UInt64(batches)
        var logger = Logger(label: "finality-test")
        logger.logLevel = .warning
        let finality = FinalityEngine(settings: settings, l1: l1, store: store, domain: chain.domain,
                                      events: events, durableHead: { head }, logger: logger)
        return Setup(store: store, l1: l1, finality: finality, events: events, chain: chain)
    }

    private func status(_ s: Setup, _ id: Digest32) async throws -> TransactionStatus? {
        try await s.store.transaction(id)?.status
    }

    private func mine(_ s: Setup, _ n: Int) async throws {
        for _ in 0..<n { _ = try await s.l1.produceBlock() }
    }

    func testHonestRunPostsConfirmsAndFinalizesInL1Time() async throws {
        let s = try await setUp(batches: 4)
        let someId = try await s.store.acceptedTransactionIds(from: 1, to: 4).first!.id
        let stream = s.events.subscribe(ids: [someId])
        let statuses = StatusLog()
        let collector = Task { for try await e in stream { statuses.append(e.status) } }
        defer { collector.cancel() }

        try await s.finality.step()  // posts batches 1...4
        let posted = try await s.store.latestCommitment()!
        XCTAssertEqual(posted.commitment.index, 0)
        XCTAssertEqual(posted.commitment.firstBatch, 1)
        XCTAssertEqual(posted.commitment.lastBatch, 4)
        XCTAssertEqual(posted.commitment.prevRoot, s.chain.genesisRoot)
        XCTAssertEqual(posted.commitment.newRoot, s.chain.state.root)
        XCTAssertEqual(posted.commitment.dataRoot, try BatchDataTree.dataRoot(of: posted.data))
        // The data decodes to exactly the committed transactions.
        let decoded = try BatchData.decode(posted.data)
        let stored = try await s.store.batchData(from: 1, to: 4)
        XCTAssertEqual(decoded.batches, stored.batches)
        XCTAssertLessThan(posted.calldataGas, posted.uncompressedCalldataGas)
        let postedStatus = try await status(s, someId)
        XCTAssertEqual(postedStatus, .posted)

        try await mine(s, 1)  // included: depth 1
        try await s.finality.step()
        let included = try await status(s, someId)
        XCTAssertEqual(included, .posted)
        try await mine(s, 2)  // depth 3
        try await s.finality.step()
        let confirmed = try await status(s, someId)
        XCTAssertEqual(confirmed, .l1Confirmed)
        try await mine(s, 2)  // 4 block times after inclusion: a challenge could still come
        try await s.finality.step()
        let early = try await status(s, someId)
        XCTAssertEqual(early, .l1Confirmed, "finalized before the challenge period ended")
        try await mine(s, 1)  // 5 block times = the challenge period: over
        try await s.finality.step()
        let final = try await status(s, someId)
        XCTAssertEqual(final, .finalized)

        let steps = try await withTimeout(30) {
            while statuses.all.count < 3 { try await Task.sleep(for: .milliseconds(20)) }
            return statuses.all
        }
        XCTAssertEqual(steps, [.posted, .l1Confirmed, .finalized])
        let unsettled = try await s.store.unsettledCommitments()
        XCTAssertTrue(unsettled.isEmpty)
        await s.l1.close()
        await s.store.close()
    }

    /// Batches whose data together exceeds what one L1 transaction carries are posted as several
    /// commitments of whole batches, each within `BatchData.maxCommitmentBytes` and accepted by
    /// the arbiter (before, one commitment carried all four batches, about 180 KB).
    func testBatchesBeyondOneTransactionOfDataAreSplitOverCommitments() async throws {
        let s = try await setUp(batches: 4, transfersPerBatch: 600)
        let all = try await s.store.batchData(from: 1, to: 4)
        XCTAssertGreaterThan(BatchData.encode(all.batches, domain: s.chain.domain).count, BatchData.maxCommitmentBytes)
        try await s.finality.step()
        try await mine(s, 1)
        let held = try await s.l1.commitments(fromIndex: 0)
        XCTAssertEqual(held.map { [$0.commitment.firstBatch, $0.commitment.lastBatch] }, [[1, 2], [3, 4]])
        for (index, h) in held.enumerated() {
            let data = try await s.l1.commitmentData(index: UInt64(index))
            let bytes = try XCTUnwrap(data)
            XCTAssertLessThanOrEqual(bytes.count, BatchData.maxCommitmentBytes)
            XCTAssertEqual(h.commitment.dataRoot, try BatchDataTree.dataRoot(of: bytes))
        }
        XCTAssertEqual(held.last?.commitment.newRoot, s.chain.state.root)
        let head = try await s.l1.head()
        let receipts = try await s.l1.receipts(fromBlock: 0, toBlock: head.number)
        XCTAssertFalse(receipts.contains { !$0.succeeded }, "the arbiter refused a posting")
        await s.l1.close()
        await s.store.close()
    }

    /// Finality is prefix-closed in the engine too: with a game open on commitment 0, commitment 1
    /// (built on it) stays L1_CONFIRMED however far past its challenge period, as long as the game
    /// runs (the engine used to look at commitment 1's own games only).
    func testAChildCommitmentDoesNotFinalizeWhileAGameOnItsParentIsOpen() async throws {
        let s = try await setUp(batches: 2, maxBatchesPerCommitment: 1)
        try await s.finality.step()  // commitments 0 (batch 1) and 1 (batch 2)
        try await mine(s, 1)
        let ids = [try await s.store.acceptedTransactionIds(from: 1, to: 1).first!.id,
                   try await s.store.acceptedTransactionIds(from: 2, to: 2).first!.id]
        // A (lying) challenger opens a game on commitment 0 and never moves after the opening.
        let challenger = Address(bytes: [UInt8](repeating: 0xcc, count: 20))!
        _ = try await s.l1.submit(L1Transaction(sender: challenger, call: .registerValidator(stake: 1), nonce: 1))
        let wrong = Keccak256.hash(Array("not the root".utf8))
        _ = try await s.l1.submit(L1Transaction(sender: challenger, call: .openChallenge(commitment: 0, claimedRoot: wrong, bond: 1),
                                                nonce: 2))
        try await mine(s, 1)
        let opened = try await s.l1.openGames(against: 0)
        XCTAssertEqual(opened, 1)
        // Well past both challenge periods; the proposer's defense is not running, so the game
        // waits on the proposer's clock (3.5 days by default): nothing finalizes.
        try await mine(s, 10)
        try await s.finality.step()
        let parent = try await status(s, ids[0]), child = try await status(s, ids[1])
        XCTAssertEqual(parent, .l1Confirmed)
        XCTAssertEqual(child, .l1Confirmed, "a commitment on a disputed parent was FINALIZED")
        let childFinal = try await s.l1.isFinal(1)
        XCTAssertFalse(childFinal)
        await s.l1.close()
        await s.store.close()
    }

    func testAStepThatConfirmsAndFinalizesAtOnceStillAnnouncesEachStep() async throws {
        let s = try await setUp(batches: 1)
        let id = try await s.store.acceptedTransactionIds(from: 1, to: 1).first!.id
        let stream = s.events.subscribe(ids: [id])
        let statuses = StatusLog()
        let collector = Task { for try await e in stream { statuses.append(e.status) } }
        defer { collector.cancel() }
        try await s.finality.step()
        try await mine(s, 7)  // past the confirmation depth and the challenge period before the next step
        try await s.finality.step()
        let steps = try await withTimeout(30) {
            while statuses.all.count < 3 { try await Task.sleep(for: .milliseconds(20)) }
            return statuses.all
        }
        XCTAssertEqual(steps, [.posted, .l1Confirmed, .finalized])
        await s.l1.close()
        await s.store.close()
    }

    func testACommitmentDroppedByAReorgIsPostedAgainAndADeepReorgUnconfirms() async throws {
        let s = try await setUp(batches: 2)
        try await s.finality.step()
        try await mine(s, 1)
        try await s.finality.step()
        let first = try await s.store.latestCommitment()!
        XCTAssertNotNil(first.l1Block, "the commitment should be included")

        // The block holding it is dropped, its transactions with it: posted again.
        _ = try await s.l1.reorg(depth: 1, dropTransactions: true, extraBlocks: 1)
        try await s.finality.step()
        XCTAssertEqual(s.finality.reorgsDetected, 1)
        let again = try await s.store.latestCommitment()!
        XCTAssertNotEqual(again.l1TransactionHash, first.l1TransactionHash, "a new posting transaction")
        XCTAssertNil(again.l1Block)
        XCTAssertEqual(again.status, .posted)
        try await mine(s, 3)
        try await s.finality.step()
        let confirmed = try await s.store.latestCommitment()!
        XCTAssertEqual(confirmed.status, .l1Confirmed)
        let onL1 = try await s.l1.commitments(fromIndex: 0)
        XCTAssertEqual(onL1.map(\.commitment), [confirmed.commitment], "exactly one copy on L1")

        // Deeper than the confirmation depth: the confirmed commitment is un-confirmed, re-posted,
        // and confirmed again on the new branch.
        _ = try await s.l1.reorg(depth: 4, dropTransactions: true, extraBlocks: 1)
        try await s.finality.step()
        let unconfirmed = try await s.store.latestCommitment()!
        XCTAssertEqual(unconfirmed.status, .posted)
        let id = try await s.store.acceptedTransactionIds(from: 1, to: 2).first!.id
        let txStatus = try await status(s, id)
        XCTAssertEqual(txStatus, .posted)
        try await mine(s, 3)
        try await s.finality.step()
        let reconfirmed = try await s.store.latestCommitment()!
        XCTAssertEqual(reconfirmed.status, .l1Confirmed)
        XCTAssertEqual(s.finality.reorgsDetected, 2)
        await s.l1.close()
        await s.store.close()
    }

    func testLaterBatchesGoIntoTheNextCommitmentChainedToThePrevious() async throws {
        var s = try await setUp(batches: 2)
        try await s.finality.step()
        try await mine(s, 1)
        for _ in 0..<3 { try await s.store.commit(s.chain.makeBatch(count: 10)) }
        let head = UInt64(5)
        let finality = FinalityEngine(settings: s.finality.settings, l1: s.l1, store: s.store, domain: s.chain.domain,
                                      events: s.events, durableHead: { head }, logger: Logger(label: "finality-test"))
        try await finality.step()
        try await mine(s, 1)
        try await finality.step()
        let onL1 = try await s.l1.commitments(fromIndex: 0)
        XCTAssertEqual(onL1.map(\.commitment.index), [0, 1])
        XCTAssertEqual(onL1[1].commitment.firstBatch, 3)
        XCTAssertEqual(onL1[1].commitment.lastBatch, 5)
        XCTAssertEqual(onL1[1].commitment.prevRoot, onL1[0].commitment.newRoot)
        XCTAssertEqual(onL1[1].commitment.newRoot, s.chain.state.root)
        await s.l1.close()
        await s.store.close()
    }

    func testFaultInjectionPostsAWrongRootAndIsRefusedInProduction() async throws {
        let s = try await setUp(batches: 2)
        var settings = s.finality.settings
        settings.faultInjectWrongRootAt = 0
        let faulty = FinalityEngine(settings: settings, l1: s.l1, store: s.store, domain: s.chain.domain,
                                    events: s.events, durableHead: { 2 }, logger: Logger(label: "finality-test"))
        try await faulty.step()
        try await mine(s, 1)
        let onL1 = try await s.l1.commitments(fromIndex: 0)
        XCTAssertEqual(onL1.count, 1)
        XCTAssertEqual(onL1[0].commitment.prevRoot, s.chain.genesisRoot)
        XCTAssertNotEqual(onL1[0].commitment.newRoot, s.chain.state.root, "the injected fault must reach L1")

        var config = SettlementConfig()
        config.faultInjectWrongRootAt = 0
        XCTAssertTrue(config.problems().isEmpty)
        config.production = true
        XCTAssertTrue(config.problems().contains { $0.contains("refused in production") }, "\(config.problems())")
        await s.l1.close()
        await s.store.close()
    }
}

/// Statuses a subscription delivered, shared with the test's bounded waits.
final class StatusLog: Sendable {
    private let items = Lock<[TransactionStatus]>([])
    func append(_ s: TransactionStatus) { items.withLock { $0.append(s) } }
    var all: [TransactionStatus] { items.withLock { $0 } }
}
