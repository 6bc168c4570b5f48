import Logging
import Persistence
import PostgresDriver
import Settlement
import SimulatedL1
import XCTest

/// A validator and the engine's proposer playing a real challenge game through the L1 simulator
/// and PostgreSQL: a wrong root (fault injection) is detected, the validator wins down to the
/// one-step proof and the commitment is reverted; a dishonest challenger of a right commitment
/// loses and the commitment finalizes; a proposer whose data credits a deposit the L1 never recorded
/// loses the game (the arbiter judges deposits by its own record). Blocks are produced by hand, one per round of
/// `validator.step()`, `finality.step()`.
final class ValidatorGameTests: PostgresTestCase {
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let validatorAddress = Address(bytes: [UInt8](repeating: 0xcc, count: 20))!
    let blockTimeMs: UInt64 = 12_000

    private struct Setup {
        let store: PostgresSettlementStore
        let l1: L1Simulator
        let finality: FinalityEngine
        let defense: ProposerDefense
        let validator: ValidatorNode
        let chain: StoreTestChain
    }

    /// Three batches of 30 transfers in the store, a simulator (manual blocks) whose arbiter judges
    /// by the store chain's rules, a finality engine defending its commitments (the first one
    /// with a wrong root if `wrongRoot`), and a validator from the same genesis. With
    /// `inventedDeposit`, the middle batch also credits a deposit the L1 never recorded (next to
    /// one it did): the commitment's root is the engine's true execution of its data, but not by
    /// the rollup's rules.
    private func setUp(wrongRoot: Bool, falseChallenge: Bool, inventedDeposit: Bool = false,
                       resendAfterBlocks: UInt64 = 16) async throws -> Setup {
        var chain = StoreTestChain()
        let store = PostgresSettlementStore(conninfo: url)
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        try await store.commit(chain.makeBatch(count: 30))
        if inventedDeposit {
            let real = L1Deposit(id: 0, depositor: proposer, recipient: chain.keys[3].address, amount: 40, l1BlockNumber: 1,
                                 l1BlockHash: .zero)
            let invented = L1Deposit(id: 1, depositor: proposer, recipient: chain.keys[4].address, amount: 5_000, l1BlockNumber: 1,
                                     l1BlockHash: .zero)
            try await store.commit(chain.sealDeposits([real, invented]))
        } else {
            try await store.commit(chain.makeBatch(count: 30))
        }
        try await store.commit(chain.makeBatch(count: 30))
        let rules = TransitionRules(domain: chain.domain, feeAccount: StoreTestChain.feeAccount, maxFee: 1_000_000)
        let l1 = L1Simulator(conninfo: url, config: L1SimulatorConfig(
            seed: 7, blockTimeMs: blockTimeMs, genesisTimestampMs: 1_700_000_000_000,
            arbiter: L1ArbiterConfig(genesisRoot: chain.genesisRoot, proposer: proposer, minimumCommitmentBond: 1, minimumStake: 10,
                                     challengePeriodMs: 60 * blockTimeMs, clockMs: 40 * blockTimeMs, minimumChallengeBond: 2,
                                     baseMoveBond: 3, moveBondGrowthPercent: 50, rules: rules),
            producerID: "test"))
        try await l1.open()
        var logger = Logger(label: "validator-test")
        logger.logLevel = .error
        var settings = FinalityEngine.Settings(settlementInterval: .zero, confirmationDepth: 2, challengePeriodMs: 60 * blockTimeMs,
                                               maxBatchesPerCommitment: 100, proposer: proposer, bond: 5)
        settings.faultInjectWrongRootAt = wrongRoot ? 0 : nil
        let defense = ProposerDefense(l1: l1, proposer: proposer, rules: rules,
                                      stateAfterBatch: ProposerDefense.stateLoader(from: store), logger: logger,
                                      resendAfterBlocks: resendAfterBlocks, challengeLog: store)
        let finality = FinalityEngine(settings: settings, l1: l1, store: store, domain: chain.domain,
                                      events: StatusEvents(), durableHead: { 3 }, logger: logger, defense: defense)
        var validatorSettings = ValidatorNode.Settings(address: validatorAddress, stake: 10, challengeBond: 2, rules: rules)
        validatorSettings.falseChallengeAt = falseChallenge ? 0 : nil
        validatorSettings.resendAfterBlocks = resendAfterBlocks
        let validator = ValidatorNode(settings: validatorSettings, l1: l1, genesisDiff: chain.genesisDiff, logger: logger)
        if inventedDeposit {
            // The real deposit 0 is on L1 before the commitment; deposit 1 never is.
            _ = try await l1.submit(L1Transaction(sender: proposer, call: .deposit(l2Recipient: chain.keys[3].address, amount: 40),
                                                  nonce: 77))
            _ = try await l1.produceBlock()
        }
        return Setup(store: store, l1: l1, finality: finality, defense: defense, validator: validator, chain: chain)
    }

    /// Rounds of validator step, finality step, one block, until `done` or 300 rounds.
    private func run(_ s: Setup, until done: () async throws -> Bool) async throws {
        for _ in 0 ..< 300 {
            if try await done() { return }
            try await s.validator.step()
            try await s.finality.step()
            try await s.l1.produceBlock()
        }
        XCTFail("not done after 300 blocks")
    }

    /// The proposer's log of game 0 (`challenges`, the report's source): status, winner, the
    /// challenger, moves seen, a resolution time.
    private func assertChallengeRow(_ s: Setup, status: String, winner: String,
                                    file: StaticString = #filePath, line: UInt = #line) async throws {
        let conn = try await PostgresConnection.connect(url)
        let rows = try await conn.query("""
            SELECT status, winner, encode(challenger, 'hex'), moves, resolved_at IS NOT NULL, commitment_id FROM challenges
            """)
        await conn.close()
        XCTAssertEqual(rows.count, 1, file: file, line: line)
        guard let row = rows.first else { return }
        XCTAssertEqual(try row.string(0), status, file: file, line: line)
        XCTAssertEqual(try row.string(1), winner, file: file, line: line)
        XCTAssertEqual(try row.string(2), String(repeating: "cc", count: 20), file: file, line: line)
        XCTAssertGreaterThanOrEqual(try row.int(3), 2, "moves seen", file: file, line: line)
        XCTAssertTrue(try row.bool(4), "resolved_at set", file: file, line: line)
        XCTAssertEqual(try row.int(5), 0, file: file, line: line)
    }

    /// Asserts game 0 was resolved for `winner` and that the loser forfeited its bond (`bond`)
    /// plus every move bond it attached, half paid to the winner: both players pay the growing
    /// move-bond schedule (this suite's arbiter asks 3 wei for the first move, 50% more each move).
    private func assertResolved(_ s: Setup, _ all: [L1Event], winner: Address, loser: Address, bond: UInt256,
                                file: StaticString = #filePath, line: UInt = #line) async throws {
        let game = try await s.l1.game(id: 0)
        let record = try XCTUnwrap(game, file: file, line: line)
        XCTAssertFalse(record.proposerMoveBonds.isZero, "the proposer paid move bonds", file: file, line: line)
        XCTAssertFalse(record.challengerMoveBonds.isZero, "the validator paid move bonds", file: file, line: line)
        let forfeited = bond + record.moveBonds(of: record.party(of: loser)!)
        XCTAssertTrue(all.contains(.gameResolved(game: 0, winner: winner, loser: loser, slashed: forfeited,
                                                 toWinner: L1Arbiter.percent(50, of: forfeited))), "\(all)", file: file, line: line)
    }

    /// Every event of the canonical chain so far.
    private func events(_ s: Setup) async throws -> [L1Event] {
        let head = try await s.l1.head()
        return try await s.l1.receipts(fromBlock: 0, toBlock: head.number).flatMap(\.events)
    }

    func testAValidatorDetectsAWrongRootWinsTheGameAndTheCommitmentIsReverted() async throws {
        let s = try await setUp(wrongRoot: true, falseChallenge: false)
        let someId = try await s.store.acceptedTransactionIds(from: 1, to: 3).first!.id
        try await run(s) { try await s.store.transaction(someId)?.status == .reverted }

        let all = try await events(s)
        XCTAssertTrue(all.contains(.challengeOpened(game: 0, commitment: 0, challenger: validatorAddress, proposer: proposer)))
        XCTAssertTrue(all.contains(.moved(game: 0, by: proposer)), "the proposer answered")
        try await assertResolved(s, all, winner: validatorAddress, loser: proposer, bond: 5)
        XCTAssertTrue(all.contains(.commitmentsReverted(fromIndex: 0)))
        let game = try await s.l1.game(id: 0)
        XCTAssertEqual(game?.game.result?.by, .oneStepProof)
        try await assertChallengeRow(s, status: "resolved", winner: "challenger")
        let held = try await s.l1.commitments(fromIndex: 0)
        XCTAssertTrue(held.isEmpty, "the reverted commitment is gone")
        let outcomes = await s.validator.outcomes
        XCTAssertEqual(outcomes, [0: .won])
        let validatorRoot = await s.validator.root
        XCTAssertEqual(validatorRoot, s.chain.genesisRoot, "the validator stays at the last valid root")
        let halted = await s.validator.halted
        XCTAssertNil(halted)

        // Nothing breaks afterwards, and with no reverter (this finality engine has none; the
        // engine's rollback is `ChainRollbackTests`) nothing more is posted: its transactions stay REVERTED.
        for _ in 0 ..< 5 {
            try await s.validator.step()
            try await s.finality.step()
            try await s.l1.produceBlock()
        }
        let latest = try await s.store.latestCommitment()
        XCTAssertNil(latest)
        let after = try await s.store.transaction(someId)?.status
        XCTAssertEqual(after, .reverted)
        let stillHeld = try await s.l1.commitments(fromIndex: 0)
        XCTAssertTrue(stillHeld.isEmpty)
    }

    func testADishonestChallengerLosesAndTheCommitmentFinalizes() async throws {
        let s = try await setUp(wrongRoot: false, falseChallenge: true)
        let someId = try await s.store.acceptedTransactionIds(from: 1, to: 3).first!.id
        try await run(s) { try await s.store.transaction(someId)?.status == .finalized }

        let all = try await events(s)
        XCTAssertTrue(all.contains(.challengeOpened(game: 0, commitment: 0, challenger: validatorAddress, proposer: proposer)))
        try await assertResolved(s, all, winner: proposer, loser: validatorAddress, bond: 2)
        XCTAssertFalse(all.contains(.commitmentsReverted(fromIndex: 0)))
        let game = try await s.l1.game(id: 0)
        XCTAssertEqual(game?.game.result?.by, .oneStepProof)
        try await assertChallengeRow(s, status: "resolved", winner: "proposer")
        let outcomes = await s.validator.outcomes
        XCTAssertEqual(outcomes, [0: .lost])
        // Its own execution agrees with the commitment, so it follows on from it.
        let accepted = await s.validator.accepted
        XCTAssertEqual(accepted, [0])
        let validatorRoot = await s.validator.root
        XCTAssertEqual(validatorRoot, s.chain.state.root)
    }

    /// A false challenge: the proposer is right and must win. A block holding a proposer's move
    /// and one holding a validator's move are each dropped by a reorg (transactions gone): both
    /// sides notice the missing receipt and send the move again; without that the proposer
    /// would lose on time.
    func testMovesDroppedByAReorgAreSentAgainAndTheRightSideStillWins() async throws {
        let s = try await setUp(wrongRoot: false, falseChallenge: true, resendAfterBlocks: 2)
        var dropped: Set<L1Address> = []
        for _ in 0 ..< 300 {
            if let game = try await s.l1.game(id: 0), !game.isOpen { break }
            try await s.validator.step()
            try await s.finality.step()
            let block = try await s.l1.produceBlock()
            let events = try await s.l1.receipts(fromBlock: block.number, toBlock: block.number).flatMap(\.events)
            let movers = Set([validatorAddress, proposer].filter { events.contains(.moved(game: 0, by: $0)) })
            if !movers.isEmpty && !movers.isSubset(of: dropped) {
                try await s.l1.reorg(depth: 1, dropTransactions: true)
                dropped.formUnion(movers)
            }
        }
        XCTAssertEqual(dropped, [validatorAddress, proposer], "a move of each side was dropped")
        let all = try await events(s)
        try await assertResolved(s, all, winner: proposer, loser: validatorAddress, bond: 2)
        let resentByValidator = await s.validator.resentMoves
        let resentByProposer = await s.defense.resentMoves
        XCTAssertGreaterThanOrEqual(resentByValidator, 1)
        XCTAssertGreaterThanOrEqual(resentByProposer, 1)
    }

    /// A validator restarted mid-game (a new `ValidatorNode`, which knows nothing) finds its open
    /// game on L1 and plays it to the end instead of challenging again.
    func testARestartedValidatorResumesItsOpenGameAndWins() async throws {
        let s = try await setUp(wrongRoot: true, falseChallenge: false)
        var moves = 0
        for _ in 0 ..< 300 where moves < 2 {
            try await s.validator.step()
            try await s.finality.step()
            let block = try await s.l1.produceBlock()
            let events = try await s.l1.receipts(fromBlock: block.number, toBlock: block.number).flatMap(\.events)
            moves += events.filter { $0 == .moved(game: 0, by: validatorAddress) }.count
        }
        XCTAssertEqual(moves, 2, "the first validator made two moves")
        var logger = Logger(label: "validator-restarted")
        logger.logLevel = .error
        let settings = await s.validator.settings
        let restarted = ValidatorNode(settings: settings, l1: s.l1, genesisDiff: s.chain.genesisDiff, logger: logger)
        for _ in 0 ..< 300 {
            if let game = try await s.l1.game(id: 0), !game.isOpen { break }
            try await restarted.step()
            try await s.finality.step()
            try await s.l1.produceBlock()
        }
        try await restarted.step()  // sees the game's end
        let all = try await events(s)
        XCTAssertEqual(all.filter { if case .challengeOpened = $0 { true } else { false } }.count, 1, "no second challenge")
        try await assertResolved(s, all, winner: validatorAddress, loser: proposer, bond: 5)
        let outcomes = await restarted.outcomes
        XCTAssertEqual(outcomes, [0: .won])
    }

    func testAProposerThatCreditsAnInventedDepositLosesTheGame() async throws {
        let s = try await setUp(wrongRoot: false, falseChallenge: false, inventedDeposit: true)
        let invented = L1Deposit.transaction(id: 1, recipient: s.chain.keys[4].address, amount: 5_000, domain: s.chain.domain)
        let accepted = try await s.store.acceptedTransactionIds(from: 2, to: 2).map(\.id)
        XCTAssertTrue(accepted.contains(invented.id), "the engine's batch credits it")
        try await run(s) { try await s.store.transaction(invented.id)?.status == .reverted }

        let all = try await events(s)
        XCTAssertTrue(all.contains(.challengeOpened(game: 0, commitment: 0, challenger: validatorAddress, proposer: proposer)))
        try await assertResolved(s, all, winner: validatorAddress, loser: proposer, bond: 5)
        XCTAssertTrue(all.contains(.commitmentsReverted(fromIndex: 0)))
        let game = try await s.l1.game(id: 0)
        XCTAssertEqual(game?.game.result?.by, .oneStepProof)
        let state = try await s.l1.arbiterState()
        let commitment = L1Commitment(index: 0, firstBatch: 1, lastBatch: 3, prevRoot: s.chain.genesisRoot,
                                      newRoot: s.chain.state.root, dataRoot: state.commitments[0].commitment.dataRoot)
        XCTAssertEqual(state.commitments[0].commitment, commitment, "the engine posted its true execution")
        let outcomes = await s.validator.outcomes
        XCTAssertEqual(outcomes, [0: .won])
    }

    /// The proposer credits deposit 1 before anybody made it, and
    /// the deposit is made right after the commitment (same block, later). Judged by the L1's
    /// record at the head, the credit would look valid and the honest validator would accept or
    /// lose; judged by the inbox the commitment consumed (deposits of earlier blocks), it is
    /// invalid: the validator challenges and wins by the one-step proof.
    func testADepositMadeAfterTheCommitmentDoesNotMakeItsCreditValid() async throws {
        let s = try await setUp(wrongRoot: false, falseChallenge: false, inventedDeposit: true)
        try await s.finality.step()  // posts commitment 0, crediting deposit 1 that does not exist
        _ = try await s.l1.submit(L1Transaction(sender: proposer, call: .deposit(l2Recipient: s.chain.keys[4].address, amount: 5_000),
                                                nonce: 78))
        _ = try await s.l1.produceBlock()
        let before = try await s.l1.arbiterState()
        XCTAssertEqual(before.deposits.count, 2, "deposit 1 now exists on L1")
        XCTAssertEqual(before.commitments.first?.inboxDeposits, 1, "the commitment consumed deposit 0 only")
        let invented = L1Deposit.transaction(id: 1, recipient: s.chain.keys[4].address, amount: 5_000, domain: s.chain.domain)
        try await run(s) { try await s.store.transaction(invented.id)?.status == .reverted }
        let all = try await events(s)
        try await assertResolved(s, all, winner: validatorAddress, loser: proposer, bond: 5)
        let game = try await s.l1.game(id: 0)
        XCTAssertEqual(game?.game.result?.by, .oneStepProof)
        let outcomes = await s.validator.outcomes
        XCTAssertEqual(outcomes, [0: .won])
    }
}

extension StoreTestChain {
    /// Executes `deposits` as the next batch, as the engine's deposit path does (no validation:
    /// whether the L1 holds them is not the engine's executor's question).
    mutating func sealDeposits(_ deposits: [L1Deposit]) -> SealedBatch {
        let state = self.state
        let result = executor.execute(deposits.map { ValidatedTransfer(deposit: $0, domain: domain) },
                                      lookup: { state.account($0) })
        let prev = state.root
        let root = state.apply(diff: result.diff)
        defer { nextNumber += 1 }
        return SealedBatch(number: nextNumber, prevRoot: prev, newRoot: root,
                           createdAtMs: UInt64(Date().timeIntervalSince1970 * 1000), transactions: result.transactions,
                           diff: result.diff, term: term, accountCount: state.accountCount)
    }
}
