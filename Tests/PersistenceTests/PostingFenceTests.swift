import Logging
import Persistence
import PostgresDriver
import Settlement
import SimulatedL1
import XCTest

/// L1 posting fenced by the leader's term, and reconciled with the L1 at start.
/// Adversaries: a deposed leader that still runs its finality loop (a hand-over race); a crash
/// between sending a commitment to L1 and recording it (which used to stop posting for good).
final class PostingFenceTests: PostgresTestCase {
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let blockTimeMs: UInt64 = 12_000

    private struct Setup {
        let store: PostgresSettlementStore
        let l1: L1Simulator
        let chain: StoreTestChain
        let settings: FinalityEngine.Settings
    }

    /// Three committed batches, a simulator with manual blocks.
    private func makeSetup() async throws -> Setup {
        var chain = StoreTestChain()
        let store = PostgresSettlementStore(conninfo: url)
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        for _ in 0 ..< 3 { try await store.commit(chain.makeBatch(count: 20)) }
        let l1 = L1Simulator(conninfo: url, config: L1SimulatorConfig(
            seed: 9, blockTimeMs: blockTimeMs, genesisTimestampMs: 1_700_000_000_000,
            arbiter: L1ArbiterConfig(genesisRoot: chain.genesisRoot, proposer: proposer, challengePeriodMs: 3 * blockTimeMs,
                                     rules: .defaults(in: chain.domain)),
            producerID: "test"))
        try await l1.open()
        let settings = FinalityEngine.Settings(settlementInterval: .zero, confirmationDepth: 2, challengePeriodMs: 3 * blockTimeMs,
                                               maxBatchesPerCommitment: 100, proposer: proposer, bond: 1)
        return Setup(store: store, l1: l1, chain: chain, settings: settings)
    }

    private func finality(_ s: Setup, term: (@Sendable () -> UInt64?)? = nil) -> FinalityEngine {
        var logger = Logger(label: "posting-fence-test")
        logger.logLevel = .critical
        return FinalityEngine(settings: s.settings, l1: s.l1, store: s.store, domain: s.chain.domain, events: StatusEvents(),
                              durableHead: { 3 }, logger: logger, leaderTerm: term)
    }

    /// Every `commitmentPosted` event on the canonical chain.
    private func postings(_ s: Setup) async throws -> [L1Commitment] {
        let head = try await s.l1.head()
        return try await s.l1.receipts(fromBlock: 0, toBlock: head.number).flatMap(\.events).compactMap {
            if case .commitmentPosted(let c, _) = $0 { c } else { nil }
        }
    }

    /// The commitment the engine would post for batches 1...3 as commitment 0 (optionally with another root).
    private func ownCommitment(_ s: Setup, newRoot: Digest32? = nil) async throws -> (L1Commitment, [UInt8]) {
        let (prev, new, batches) = try await s.store.batchData(from: 1, to: 3)
        let data = BatchData.encode(batches, domain: s.chain.domain)
        return (L1Commitment(index: 0, firstBatch: 1, lastBatch: 3, prevRoot: prev, newRoot: newRoot ?? new,
                             dataRoot: committedRoot(data)), data)
    }

    func testADeposedLeaderPostsNothingAndTheNewLeaderPostsOnce() async throws {
        let s = try await makeSetup()
        let oldTerm = try await s.store.acquireLease(replica: "old", endpoint: "127.0.0.1:1", ttlMs: 60_000)
        let old = try XCTUnwrap(oldTerm)
        try await s.store.releaseLease(replica: "old", term: old)
        let newTerm = try await s.store.acquireLease(replica: "new", endpoint: "127.0.0.1:2", ttlMs: 60_000)
        let new = try XCTUnwrap(newTerm)
        XCTAssertGreaterThan(new, old)

        // The deposed leader's loop still runs with its old term: fenced before anything reaches L1.
        do {
            try await finality(s, term: { old }).step()
            XCTFail("a deposed leader recorded a posting intent")
        } catch is LeadershipLost {}
        _ = try await s.l1.produceBlock()
        var onL1 = try await postings(s)
        XCTAssertTrue(onL1.isEmpty, "the deposed leader posted \(onL1)")
        let recorded = try await s.store.latestCommitment()
        XCTAssertNil(recorded)

        // Not leading at all: nothing either. The leader posts commitment 0, once, whatever restarts.
        try await finality(s, term: { nil }).step()
        try await finality(s, term: { new }).step()
        _ = try await s.l1.produceBlock()
        let restarted = finality(s, term: { new })
        for _ in 0 ..< 4 {
            try await restarted.step()
            _ = try await s.l1.produceBlock()
        }
        onL1 = try await postings(s)
        XCTAssertEqual(onL1.map(\.index), [0])
        let latest = try await s.store.latestCommitment()
        XCTAssertEqual(latest?.commitment, onL1.first)
        XCTAssertNotEqual(latest?.status, .posted, "followed on L1 (confirmed or final)")
        await s.l1.close()
        await s.store.close()
    }

    func testACrashBetweenSendingAndRecordingIsAdoptedNotAStopForGood() async throws {
        let s = try await makeSetup()
        // What a crash between sending and recording leaves: our commitment on L1, unknown here.
        let (commitment, data) = try await ownCommitment(s)
        let sent = try await s.l1.submit(L1Transaction(sender: proposer, call: .postCommitment(commitment, data: data, bond: 1),
                                                       nonce: 0))
        _ = try await s.l1.produceBlock()

        let engine = finality(s)
        for _ in 0 ..< 6 {
            try await engine.step()
            _ = try await s.l1.produceBlock()
        }
        let latest = try await s.store.latestCommitment()
        XCTAssertEqual(latest?.commitment, commitment, "adopted")
        XCTAssertEqual(latest?.l1TransactionHash, sent)
        XCTAssertEqual(latest?.status, .finalized)
        let onL1 = try await postings(s)
        XCTAssertEqual(onL1, [commitment], "not posted twice")
        await s.l1.close()
        await s.store.close()
    }

    func testACommitmentOnL1ThatIsNotOursIsNotAdopted() async throws {
        let s = try await makeSetup()
        let (foreign, data) = try await ownCommitment(s, newRoot: Keccak256.hash(Array("not ours".utf8)))
        _ = try await s.l1.submit(L1Transaction(sender: proposer, call: .postCommitment(foreign, data: data, bond: 1), nonce: 0))
        _ = try await s.l1.produceBlock()
        let engine = finality(s)
        for _ in 0 ..< 3 {
            try await engine.step()
            _ = try await s.l1.produceBlock()
        }
        let latest = try await s.store.latestCommitment()
        XCTAssertNil(latest, "a commitment this engine would not post is not taken for its own")
        let onL1 = try await postings(s)
        XCTAssertEqual(onL1, [foreign])
        await s.l1.close()
        await s.store.close()
    }

    /// A commitment recorded and sent while its parent was being reverted is refused by the
    /// arbiter and marked reverted here: its index was never taken on L1. Posting must take that
    /// index again, not the next one (which the arbiter refuses for good: "expected N").
    func testAnIndexTheL1NeverTookIsReused() async throws {
        let s = try await makeSetup()
        let engine = finality(s)
        try await engine.step()  // records and sends commitment 0
        // The L1 never includes it and the rollback marks it reverted.
        let conn = try await PostgresConnection.connect(url)
        try await conn.execute("DELETE FROM l1_sim_mempool")
        try await conn.execute("UPDATE l1_commitments SET status = 'reverted', rolled_back = true")
        await conn.close()
        for _ in 0 ..< 4 {
            _ = try await s.l1.produceBlock()
            try await engine.step()
        }
        let onL1 = try await postings(s)
        XCTAssertEqual(onL1.map(\.index), [0], "posted again at index 0")
        let latest = try await s.store.latestCommitment()
        XCTAssertEqual(latest?.commitment.index, 0)
        XCTAssertNotEqual(latest?.status, .posted, "followed on L1")
        await s.l1.close()
        await s.store.close()
    }
}
