import Logging
import Persistence
import Settlement
import SimulatedL1
import XCTest
import ZK

/// The shielded lane through the whole optimistic path: a running engine on PostgreSQL sequences
/// a shield, a shielded send and a transfer; the finality engine posts commitments whose data
/// carries the lanes with their SnarkPack aggregate; the L1 simulator's arbiter verifies them;
/// and an independent validator re-executes the data (transfers, then each lane, on its own
/// accounts and pool from the genesis) and accepts every commitment — it computes the engine's
/// roots, opens no game, raises no alarm. Real depth-32 proofs, blocks produced by hand.
final class ShieldedSettlementTests: PostgresTestCase {
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let validatorAddress = Address(bytes: [UInt8](repeating: 0xcc, count: 20))!
    let blockTimeMs: UInt64 = 12_000

    func testAValidatorFollowsCommitmentsWithLanesAndOpensNoGame() async throws {
        let chain = StoreTestChain(accounts: 4, balance: 1_000_000)
        var rng = SystemRandomNumberGenerator()
        let spend = try Groth16.developmentSetup(r1cs: SpendCircuit.example().build().r1cs, toxicWaste: .random(using: &rng))
        let lane = try XCTUnwrap(LaneProverKeys(srs: .insecureFromSecrets(a: .random(), b: .random(), proofCount: 4),
                                                spendKey: spend.verifyingKey))
        var config = SettlementConfig()
        config.chainId = StoreTestChain.chainId
        config.feeAccount = StoreTestChain.feeAccount
        config.batchSize = 10
        config.batchTimeoutMs = 5
        var shielded = ShieldedSettings(verifyingKey: spend.verifyingKey)
        shielded.rootWindow = 4
        config.shielded = shielded
        var logger = Logger(label: "shielded-settlement-test")
        logger.logLevel = .error
        let store = PostgresSettlementStore(conninfo: url, logger: logger)
        let engine = try SettlementEngine(config: config, genesis: chain.genesis, store: store, logger: logger)
        try await engine.start()
        let rules = config.transitionRules(engine.domain)
        let l1 = L1Simulator(conninfo: url, config: L1SimulatorConfig(
            seed: 5, blockTimeMs: blockTimeMs, genesisTimestampMs: 1_700_000_000_000,
            arbiter: L1ArbiterConfig(genesisRoot: chain.genesisRoot, proposer: proposer, minimumCommitmentBond: 1, minimumStake: 10,
                                     challengePeriodMs: 10 * blockTimeMs, clockMs: 40 * blockTimeMs, minimumChallengeBond: 2,
                                     rules: rules, shieldedLane: lane.verifier),
            producerID: "test"))
        try await l1.open()
        var settings = FinalityEngine.Settings(settlementInterval: .zero, confirmationDepth: 2, challengePeriodMs: 10 * blockTimeMs,
                                               maxBatchesPerCommitment: 1_000, proposer: proposer, bond: 5)
        settings.laneAggregation = lane
        let defense = ProposerDefense(l1: l1, proposer: proposer, rules: rules,
                                      stateAfterBatch: ProposerDefense.stateLoader(from: store, shieldedRootWindow: rules.shieldedRootWindow),
                                      logger: logger)
        let finality = FinalityEngine(settings: settings, l1: l1, store: store, domain: engine.domain, events: engine.events,
                                      durableHead: { engine.head.batch }, logger: logger, defense: defense, reverter: engine)
        let validator = ValidatorNode(settings: ValidatorNode.Settings(address: validatorAddress, stake: 10, challengeBond: 2,
                                                                       rules: rules),
                                      l1: l1, genesisDiff: chain.genesisDiff, logger: logger)

        // A shield from account 0 to `owner`, then a send of it to `friend` beside a transfer.
        let owner = try SpendingKey.generate(), friend = try SpendingKey.generate()
        let shield = try SpendBuilder.build(spendingKey: owner, inputs: [], payments: [.init(to: owner.address, value: 499)],
                                            publicIn: 500, fee: 1, party: .shieldFrom(key: chain.keys[0], nonce: 0),
                                            root: NoteTree().root, domain: engine.domain, provingKey: spend).transaction
        let r1 = try await withTimeout { try await engine.submitShieldedAndWait(shield) }
        XCTAssertEqual(r1.status, .sequenced, r1.reason)
        // The wallet's view: the notes from the store, its own found by opening them.
        let notes = try await store.shieldedNotes(from: 0, limit: 100)
        var tree = NoteTree()
        try tree.append(contentsOf: notes.map(\.commitment))
        let mine = try XCTUnwrap(notes.lazy.compactMap { n in
            (try? NoteEncryption.open(try NoteCiphertext(bytes: n.ciphertext), commitment: n.commitment,
                                      with: owner.incomingViewingKey, owner: owner.ownerKey)).map { (n.position, $0) }
        }.first { $0.1.value == 499 })
        let send = try SpendBuilder.build(spendingKey: owner,
                                          inputs: [.init(note: mine.1, position: UInt32(mine.0), siblings: tree.path(at: Int(mine.0))!)],
                                          payments: [.init(to: friend.address, value: 300), .init(to: owner.address, value: 198)],
                                          fee: 1, party: .none, root: tree.root, domain: engine.domain, provingKey: spend).transaction
        let transfer = SignedTransfer.sign(Transfer(from: chain.keys[1].address, to: chain.keys[2].address, value: 7, fee: 1, nonce: 0),
                                           domain: engine.domain, with: chain.keys[1])
        async let r2 = withTimeout { try await engine.submitShieldedAndWait(send) }
        async let r3 = withTimeout { try await engine.submitAndWait(transfer) }
        let (sent, transferred) = try await (r2, r3)
        XCTAssertEqual(sent.status, .sequenced, sent.reason)
        XCTAssertEqual(transferred.status, .sequenced, transferred.reason)
        let head = engine.head

        // Rounds until the validator accepted a commitment through the head.
        var covered = false
        for _ in 0 ..< 200 where !covered {
            try await validator.step()
            try await finality.step()
            try await l1.produceBlock()
            if let last = try await store.latestCommitment(), last.commitment.lastBatch >= head.batch,
               await validator.accepted.contains(last.commitment.index) {
                covered = true
            }
        }
        XCTAssertTrue(covered, "the validator accepted a commitment through batch \(head.batch)")
        let validatorRoot = await validator.root
        XCTAssertEqual(validatorRoot, head.root, "the validator computes the engine's root over the lanes")
        let alarm = await validator.alarm
        XCTAssertNil(alarm)
        let game = try await l1.game(id: 0)
        XCTAssertNil(game, "no game was opened")
        let data = try await store.batchData(from: 1, to: head.batch)
        XCTAssertEqual(data.batches.flatMap(\.shielded).map(\.id), [shield.id, send.id], "the posted data carried both lanes")
        await engine.stop()
        await l1.close()
    }
}
