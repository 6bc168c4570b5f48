import Logging
import XCTest
@testable import Settlement

/// The proposer's defence plays each game on its own and the nearest deadline
/// first. Adversary: challengers who open several games at once, one of which the proposer cannot
/// handle (its state cannot be rebuilt), hoping the others go unanswered and are lost on time.
final class ProposerDefenseTests: XCTestCase {
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let challengerA = Address(bytes: [UInt8](repeating: 0xc1, count: 20))!
    let challengerB = Address(bytes: [UInt8](repeating: 0xc2, count: 20))!
    let window: UInt64 = 10_000

    /// L2 batches 1...6: segment 0 = batch 1, segment 1 = batches 2...4, segment 2 = batches 5...6.
    let world: CommitmentWorld = {
        let fixture = FraudProofFixture(seed: 181)
        return CommitmentWorld(fixture: fixture, batches: fixture.committedBatches([2, 3, 2, 4, 2, 2], seed: 182))
    }()

    var segments: [CommittedSegment] {
        [CommittedSegment(world: world, first: 0, count: 1), CommittedSegment(world: world, first: 1, count: 3),
         CommittedSegment(world: world, first: 4, count: 2)]
    }

    struct Unavailable: Error {}

    /// Commitments 0...2 posted honestly, both challengers staked.
    private func l1() async -> ScriptedL1 {
        let l1 = ScriptedL1(config: L1ArbiterConfig(
            genesisRoot: world.fixture.tree.root, proposer: proposer, minimumCommitmentBond: 100, minimumStake: 50,
            unstakeDelayMs: 0, challengePeriodMs: 1_000_000, clockMs: window, minimumChallengeBond: 10,
            slashRewardPercent: 40, challengerStakeSlashPercent: 20, rules: world.fixture.rules))
        for (i, segment) in segments.enumerated() {
            let c = segment.commitment(index: UInt64(i))
            await l1.send(.postCommitment(c, data: segment.data, bond: 100), by: proposer)
        }
        await l1.send(.registerValidator(stake: 60), by: challengerA)
        await l1.send(.registerValidator(stake: 60), by: challengerB)
        return l1
    }

    /// A defence whose state loader fails for the batches in `failing`.
    private func defense(_ l1: ScriptedL1, failing: Set<UInt64> = []) -> ProposerDefense {
        var logger = Logger(label: "defense-test")
        logger.logLevel = .critical
        let trees = world.treesBeforeBatch
        return ProposerDefense(l1: l1, proposer: proposer, rules: world.fixture.rules, stateAfterBatch: { batch in
            if failing.contains(batch) { throw Unavailable() }
            return RollupState(accounts: trees[Int(batch)])
        }, logger: logger)
    }

    private func open(_ l1: ScriptedL1, by challenger: Address, commitment: UInt64) async -> UInt64? {
        let events = await l1.send(.openChallenge(commitment: commitment, claimedRoot: CommitmentWorld.lie(.zero), bond: 10),
                                   by: challenger)
        guard case .challengeOpened(let game, _, _, _)? = events.first else {
            XCTFail("\(events)")
            return nil
        }
        return game
    }

    /// Games the proposer moved in, in order.
    private func proposerMoves(_ l1: ScriptedL1) async -> [UInt64] {
        await l1.log.flatMap(\.events).compactMap { event in
            if case .moved(let game, let by) = event, by == proposer { game } else { nil }
        }
    }

    func testAGameWhoseHandlingFailsDoesNotBlockTheDefenceOfAnother() async throws {
        let l1 = await l1()
        let brokenID = await open(l1, by: challengerA, commitment: 0)
        let healthyID = await open(l1, by: challengerB, commitment: 1)
        let broken = try XCTUnwrap(brokenID), healthy = try XCTUnwrap(healthyID)
        // The state before commitment 0 (after batch 0) cannot be rebuilt; commitment 1's can.
        let defense = defense(l1, failing: [0])
        try await defense.step(head: try await l1.head())
        let moves = await proposerMoves(l1)
        XCTAssertEqual(moves, [healthy], "the healthy game was answered")
        let failures = await defense.failures
        XCTAssertEqual(failures, [broken: 1])
        let open = await defense.openGames
        XCTAssertEqual(open, [broken, healthy], "the failing game is kept and retried")
        try await defense.step(head: try await l1.head())
        let again = await defense.failures
        XCTAssertEqual(again, [broken: 2])
        let byCommitment = await defense.games(against: 1)
        XCTAssertEqual(byCommitment, [healthy])
    }

    func testTheNearestDeadlineIsPlayedFirst() async throws {
        let l1 = await l1()
        let defense = defense(l1)
        // Game 0 opens first and the proposer answers it (1 s of its clock); game 1 opens; 5 s later
        // the challenger answers game 0: the proposer's deadline in game 1 (its whole clock from the
        // opening) is now nearer than in game 0 (what is left of its clock from 5 s later).
        let firstID = await open(l1, by: challengerA, commitment: 1)
        let first = try XCTUnwrap(firstID)
        try await defense.step(head: try await l1.head())
        let secondID = await open(l1, by: challengerB, commitment: 2)
        let second = try XCTUnwrap(secondID)
        let record = try await l1.game(id: first)
        let midpoint = try XCTUnwrap(record?.game.midpoint, "game \(first) is in bisection, the challenger to move")
        XCTAssertEqual(record?.game.turn, .challenger)
        let answered = await l1.send(.bisect(game: first, midpointRoot: CommitmentWorld.lie(segments[1].trace.root(at: midpoint))),
                                     by: challengerA, advanceMs: 5_000)
        XCTAssertEqual(answered.first, .moved(game: first, by: challengerA))
        let firstRecord = try await l1.game(id: first), secondRecord = try await l1.game(id: second)
        let d0 = try XCTUnwrap(firstRecord?.game.deadlineMs), d1 = try XCTUnwrap(secondRecord?.game.deadlineMs)
        XCTAssertLessThan(d1, d0)

        let before = await proposerMoves(l1).count
        try await defense.step(head: try await l1.head())
        let moves = await proposerMoves(l1)
        XCTAssertEqual(Array(moves.dropFirst(before)), [second, first], "nearest deadline first")
    }
}
