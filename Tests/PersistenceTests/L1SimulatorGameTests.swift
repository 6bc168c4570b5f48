import Persistence
import PostgresDriver
import Settlement
import SettlementTestSupport
import SimulatedL1
import XCTest

/// A challenge game played through the L1 simulator and PostgreSQL: a lying commitment (its data
/// re-executed with the real executor gives another root) is challenged, bisected block by block
/// and lost on the one-step proof; the simulator counts the open game until then, and afterwards
/// no longer returns the reverted commitments.
final class L1SimulatorGameTests: PostgresTestCase {
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let challenger = Address(bytes: [UInt8](repeating: 0xcc, count: 20))!

    func testALyingCommitmentLosesItsGameAndDisappearsWithTheNextOne() async throws {
        // A small genesis and one batch of four transfers (one rejected), re-executed for its roots.
        var rng = SeededGenerator(seed: 5)
        let keys = (0 ..< 3).map { _ in PrivateKey.generate(using: &rng) }
        let rules = TransitionRules(domain: .test, feeAccount: keys[0].address, maxFee: 1_000)
        var tree = SparseMerkleTree()
        _ = tree.update(keys.map { (address: $0.address, account: Account(balance: 1_000)) })
        let genesis = tree
        func transfer(_ from: Int, _ to: Int, _ value: UInt256, nonce: UInt64) -> SignedTransfer {
            SignedTransfer.sign(Transfer(from: keys[from].address, to: keys[to].address, value: value, fee: 1, nonce: nonce),
                                domain: rules.domain, with: keys[from])
        }
        let transfers = [transfer(1, 2, 100, nonce: 0), transfer(2, 1, 50, nonce: 0), transfer(1, 2, 5_000, nonce: 1),
                         transfer(2, 0, 10, nonce: 1)]
        let trace = CommitmentTrace.execute([transfers], on: &tree, rules: rules)
        let data = BatchData.encode([BatchData.Batch(number: 1, transfers: transfers)], domain: rules.domain)
        let emptyData = BatchData.encode([BatchData.Batch(number: 2, transfers: [])], domain: rules.domain)
        let lie = Keccak256.hash(utf8: "a wrong root")
        let lying = L1Commitment(index: 0, firstBatch: 1, lastBatch: 1, prevRoot: genesis.root, newRoot: lie,
                                 dataRoot: committedRoot(data))
        let later = L1Commitment(index: 1, firstBatch: 2, lastBatch: 2, prevRoot: lie, newRoot: lie,
                                 dataRoot: committedRoot(emptyData))

        let conn = try await connect()
        try await Migrator().migrate(on: conn)
        await conn.close()
        let config = L1SimulatorConfig(seed: 3, blockTimeMs: 60_000, genesisTimestampMs: 1_700_000_000_000,
                                       arbiter: L1ArbiterConfig(genesisRoot: genesis.root, proposer: proposer, minimumStake: 10,
                                                                clockMs: 1_200_000, minimumChallengeBond: 1, rules: rules),
                                       producerID: "a")
        let sim = L1Simulator(conninfo: url, config: config)
        var nonce: UInt64 = 0
        func send(_ call: L1Transaction.Call, by sender: Address) async throws -> Digest32 {
            nonce += 1
            return try await sim.submit(L1Transaction(sender: sender, call: call, nonce: nonce))
        }

        _ = try await send(.registerValidator(stake: 10), by: challenger)
        _ = try await send(.postCommitment(lying, data: data, bond: 5), by: proposer)
        try await sim.produceBlock()
        _ = try await send(.postCommitment(later, data: emptyData, bond: 5), by: proposer)
        let open = try await send(.openChallenge(commitment: 0, claimedRoot: trace.newRoot, bond: 1), by: challenger)
        try await sim.produceBlock()
        let opened = try await sim.receipt(open)
        XCTAssertEqual(opened?.events, [.challengeOpened(game: 0, commitment: 0, challenger: challenger, proposer: proposer)])
        let gamesAgainst0 = try await sim.openGames(against: 0)
        let gamesAgainst1 = try await sim.openGames(against: 1)
        XCTAssertEqual([gamesAgainst0, gamesAgainst1], [1, 0])
        let stored = try await sim.commitmentData(index: 0)
        XCTAssertEqual(stored, data)

        // Both sides answer the true intermediate roots (the proposer lied only about the last
        // one), one move per block; the challenger proves the last transaction.
        var lastMove: Digest32?
        for _ in 0 ..< 10 {
            guard let record = try await sim.game(id: 0), record.isOpen else { break }
            if let location = record.game.midpoint, let turn = record.game.turn {
                lastMove = try await send(.bisect(game: 0, midpointRoot: trace.root(at: location)), by: record.address(of: turn))
            } else if let (_, index) = record.game.disputedTransaction {
                let proof = BatchTrace.oneStepProof(of: transfers, index: index, from: genesis, rules: rules,
                                                    inclusion: BatchDataTree(batches: [transfers]).inclusionProof(batch: 0, index: index))
                lastMove = try await send(.proveOneStep(game: 0, proof: proof.serialized), by: challenger)
            }
            try await sim.produceBlock()
            let receipt = try await sim.receipt(lastMove!)
            XCTAssertEqual(receipt?.succeeded, true, "\(String(describing: receipt))")
        }
        let final = try await sim.game(id: 0)
        XCTAssertEqual(final?.game.result?.winner, .challenger)
        let resolved = try await sim.receipt(lastMove!)
        XCTAssertEqual(resolved.map { Array($0.events.dropFirst()) }, [
            .gameResolved(game: 0, winner: challenger, loser: proposer, slashed: 5, toWinner: 2), .commitmentsReverted(fromIndex: 0),
        ])
        let gamesAfter = try await sim.openGames(against: 0)
        XCTAssertEqual(gamesAfter, 0)
        let remaining = try await sim.commitments(fromIndex: 0)
        XCTAssertTrue(remaining.isEmpty, "both commitments are reverted")

        // The honest commitment for batch 1 chains to the genesis root again; another replica
        // replaying the chain from PostgreSQL holds the same arbiter state.
        let honest = L1Commitment(index: 2, firstBatch: 1, lastBatch: 1, prevRoot: genesis.root, newRoot: trace.newRoot,
                                  dataRoot: committedRoot(data))
        _ = try await send(.postCommitment(honest, data: data, bond: 5), by: proposer)
        try await sim.produceBlock()
        let now = try await sim.commitments(fromIndex: 0)
        XCTAssertEqual(now.map(\.commitment), [honest])
        var replicaConfig = config
        replicaConfig.producerID = "b"
        let replica = L1Simulator(conninfo: url, config: replicaConfig)
        let mine = try await sim.arbiterState()
        let theirs = try await replica.arbiterState()
        XCTAssertEqual(mine, theirs)
        await replica.close()
        await sim.close()
    }
}
