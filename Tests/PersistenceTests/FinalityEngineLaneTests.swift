import Logging
import Persistence
import Settlement
import SimulatedL1
import XCTest
import ZK

/// The poster with a shielded lane: the finality engine reads the lane back from the data it
/// posts, aggregates its spend proofs (real depth-32 proofs, a development SRS) and the L1
/// simulator's arbiter accepts the commitment with its aggregate; without aggregation keys it
/// posts nothing.
///
/// The lane is attached by a store wrapper to batches of transfers (sequencing real shielded
/// transactions into the store is the engine tests' business); it would skip on a batch data
/// encoding without the lane.
final class FinalityEngineLaneTests: PostgresTestCase {
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!

    /// `FinalityStore` over the PostgreSQL store, with `lanes` added to the batches it reads.
    struct LaneStore: FinalityStore {
        let base: PostgresSettlementStore
        let lanes: [UInt64: [ShieldedTransaction]]
        func latestCommitment() async throws -> CommitmentRecord? { try await base.latestCommitment() }
        func nextCommitmentIndex() async throws -> UInt64 { try await base.nextCommitmentIndex() }
        func pendingRollback() async throws -> CommitmentRecord? { try await base.pendingRollback() }
        func unsettledCommitments() async throws -> [CommitmentRecord] { try await base.unsettledCommitments() }
        func commitmentData(index: UInt64) async throws -> [UInt8]? { try await base.commitmentData(index: index) }
        func batchData(from: UInt64, to: UInt64) async throws -> (prevRoot: Digest32, newRoot: Digest32, batches: [BatchData.Batch]) {
            let held = try await base.batchData(from: from, to: to)
            return (held.prevRoot, held.newRoot, held.batches.map {
                BatchData.Batch(number: $0.number, transfers: $0.transfers, shielded: lanes[$0.number] ?? [])
            })
        }
        func recordCommitment(_ record: CommitmentRecord, term: UInt64?) async throws { try await base.recordCommitment(record, term: term) }
        func updateCommitment(_ record: CommitmentRecord) async throws { try await base.updateCommitment(record) }
        func acceptedTransactionIds(from: UInt64, to: UInt64) async throws -> [(batch: UInt64, id: Digest32)] {
            try await base.acceptedTransactionIds(from: from, to: to)
        }
    }

    /// Three shields over two batches (lanes of 2 and 1: N = 4, the last copied once) are
    /// posted with their aggregate, which the arbiter verifies and accepts (without it, or with
    /// another, the arbiter refuses: `L1ArbiterLaneTests`).
    func testAnEngineWithALanePostsACommitmentTheArbiterAccepts() async throws {
        var chain = StoreTestChain()
        var rng = SystemRandomNumberGenerator()
        let spend = try Groth16.developmentSetup(r1cs: SpendCircuit.example().build().r1cs, toxicWaste: .random(using: &rng))
        let owner = try SpendingKey.generate()
        func shield(_ nonce: UInt64) throws -> ShieldedTransaction {
            try SpendBuilder.build(spendingKey: owner, inputs: [], payments: [.init(to: owner.address, value: 9)],
                                   publicIn: 10, fee: 1, party: .shieldFrom(key: chain.keys[0], nonce: nonce),
                                   root: NoteTree().root, domain: chain.domain, provingKey: spend).transaction
        }
        let first = try shield(0)
        let carried = try? BatchData.decode(BatchData.encode([BatchData.Batch(number: 1, transfers: [], shielded: [first])],
                                                              domain: chain.domain))
        try XCTSkipUnless(carried?.batches.first?.shielded == [first], "needs the lane in the batch data encoding (BatchData version 2)")
        let txs = [first, try shield(1), try shield(2)]

        let keys = try XCTUnwrap(LaneProverKeys(srs: .insecureFromSecrets(a: .random(), b: .random(), proofCount: 4),
                                                spendKey: spend.verifyingKey))
        let base = PostgresSettlementStore(conninfo: url)
        _ = try await base.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        for _ in 0..<2 { try await base.commit(chain.makeBatch(count: 5)) }
        let l1 = L1Simulator(conninfo: url, config: L1SimulatorConfig(
            seed: 7, blockTimeMs: 12_000, genesisTimestampMs: 1_700_000_000_000,
            arbiter: L1ArbiterConfig(genesisRoot: chain.genesisRoot, proposer: proposer, rules: .defaults(in: chain.domain),
                                     shieldedLane: keys.verifier),
            producerID: "test"))
        try await l1.open()
        var settings = FinalityEngine.Settings(settlementInterval: .zero, confirmationDepth: 1, challengePeriodMs: 60_000,
                                               maxBatchesPerCommitment: 10, proposer: proposer, bond: 1)
        var logger = Logger(label: "finality-lane-test")
        logger.logLevel = .critical
        let store = LaneStore(base: base, lanes: [1: [txs[0], txs[1]], 2: [txs[2]]])
        // Without aggregation keys the poster posts nothing (the arbiter would refuse it).
        let keyless = FinalityEngine(settings: settings, l1: l1, store: store, domain: chain.domain, events: StatusEvents(),
                                     durableHead: { 2 }, logger: logger)
        try await keyless.step()
        let nothing = try await base.latestCommitment()
        XCTAssertNil(nothing)
        settings.laneAggregation = keys
        let finality = FinalityEngine(settings: settings, l1: l1, store: store, domain: chain.domain, events: StatusEvents(),
                                      durableHead: { 2 }, logger: logger)
        try await finality.step()
        _ = try await l1.produceBlock()
        let head = try await l1.head()
        let receipts = try await l1.receipts(fromBlock: 0, toBlock: head.number)
        XCTAssertEqual(receipts.count, 1)
        XCTAssertEqual(receipts.first?.succeeded, true, "\(receipts.first?.events ?? [])")
        let held = try await l1.commitments(fromIndex: 0)
        XCTAssertEqual(held.map(\.commitment.lastBatch), [2])
        let data = try await l1.commitmentData(index: 0)
        XCTAssertEqual(LaneAggregate.lane(of: try BatchData.decode(try XCTUnwrap(data)).batches), txs)
        await l1.close()
        await base.close()
    }
}
