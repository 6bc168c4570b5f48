import XCTest
@testable import Settlement

/// Whole games between two `GamePlayer`s through the pure arbiter, each side sending exactly what
/// its player says, one block apart: the honest side wins whichever side lies, by the one-step
/// proof; a player claims a silent opponent's game after the deadline and never before.
final class GamePlayerTests: XCTestCase {
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let challenger = Address(bytes: [UInt8](repeating: 0xcc, count: 20))!
    let outsider = Address(bytes: [UInt8](repeating: 0xee, count: 20))!
    let window: UInt64 = 10_000

    /// L2 batches 1...4 with 3, 0, 6 and 2 transactions, committed as one commitment.
    let world: CommitmentWorld = {
        let fixture = FraudProofFixture(seed: 81)
        return CommitmentWorld(fixture: fixture, batches: fixture.committedBatches([3, 0, 6, 2], seed: 82))
    }()

    var segment: CommittedSegment { CommittedSegment(world: world, first: 0, count: 4) }

    func player(_ party: ChallengeGame.Party, claiming newRoot: Digest32? = nil) -> GamePlayer {
        let honest = GamePlayer(party: party, batches: world.batches, preState: world.fixture.tree, rules: world.fixture.rules)
        guard let newRoot else { return honest }
        return GamePlayer(party: party, trace: honest.trace.claiming(newRoot: newRoot), batches: world.batches,
                          preState: world.fixture.tree, rules: world.fixture.rules)
    }

    /// A chain with a staked challenger, the commitment posted claiming `newRoot` (honest by
    /// default), and the challenger's game opened claiming `challengerRoot`.
    func openedGame(committing newRoot: Digest32? = nil, challengerClaims challengerRoot: Digest32) -> ArbiterChain {
        var chain = ArbiterChain(config: L1ArbiterConfig(
            genesisRoot: world.fixture.tree.root, proposer: proposer, minimumCommitmentBond: 100, minimumStake: 50,
            challengePeriodMs: 1_000_000, clockMs: window, minimumChallengeBond: 10, rules: world.fixture.rules))
        chain.send(.registerValidator(stake: 60), by: challenger)
        let c = segment.commitment(index: 0, newRoot: newRoot)
        XCTAssertEqual(chain.send(.postCommitment(c, data: segment.data, bond: 100), by: proposer), [.commitmentPosted(c, proposer: proposer)])
        XCTAssertEqual(chain.send(.openChallenge(commitment: 0, claimedRoot: challengerRoot, bond: 10), by: challenger),
                       [.challengeOpened(game: 0, commitment: 0, challenger: challenger, proposer: proposer)])
        return chain
    }

    /// Plays game 0 to its end: every block, each side (proposer first) sends its player's call
    /// at the time of the block that would include it; when neither has one, one move window
    /// passes. Returns the events of the resolving transaction.
    func play(_ chain: inout ArbiterChain, proposer p: GamePlayer?, challenger c: GamePlayer?) -> [L1Event] {
        for _ in 0 ..< 200 {
            guard let record = chain.state.game(0), record.isOpen else { return chain.log.last!.events }
            var moved = false
            for (player, sender) in [(p, proposer), (c, challenger)] {
                guard let player, let call = player.nextCall(for: chain.state.game(0)!, atMs: chain.nowMs + 1_000) else { continue }
                let events = chain.send(call, by: sender)
                XCTAssertNil(ArbiterChain.revertReason(events), "\(call): \(events)")
                moved = true
                if !chain.state.game(0)!.isOpen { break }
            }
            if !moved { chain.send(.claimTimeout(game: 0), by: outsider, advanceMs: window) }  // a clock tick (refused)
        }
        XCTFail("the game does not end")
        return []
    }

    func testHonestProposerBeatsALyingChallenger() {
        let lie = CommitmentWorld.lie(world.honest.newRoot)
        var chain = openedGame(challengerClaims: lie)
        let end = play(&chain, proposer: player(.proposer), challenger: player(.challenger, claiming: lie))
        XCTAssertEqual(end.last, .gameResolved(game: 0, winner: proposer, loser: challenger, slashed: 10, toWinner: 5))
        XCTAssertEqual(chain.state.game(0)?.game.result?.by, .oneStepProof)
        XCTAssertEqual(end.first, .moved(game: 0, by: proposer), "the honest proposer proves its claim")
        XCTAssertFalse(chain.state.commitments[0].reverted)
    }

    func testHonestChallengerBeatsALyingProposer() {
        // The proposer posted a wrong root but answers honestly (the engine's fault injection).
        let lie = CommitmentWorld.lie(world.honest.newRoot)
        var chain = openedGame(committing: lie, challengerClaims: world.honest.newRoot)
        let end = play(&chain, proposer: player(.proposer), challenger: player(.challenger))
        XCTAssertEqual(Array(end.dropFirst()), [
            .gameResolved(game: 0, winner: challenger, loser: proposer, slashed: 100, toWinner: 50), .commitmentsReverted(fromIndex: 0),
        ])
        XCTAssertEqual(end.first, .moved(game: 0, by: challenger), "the honest challenger proves the true root")
        XCTAssertEqual(chain.state.game(0)?.game.result?.by, .oneStepProof)
        XCTAssertTrue(chain.state.commitments[0].reverted)
    }

    func testAProposerThatLiesInItsMovesLosesToo() {
        let lie = CommitmentWorld.lie(world.honest.newRoot)
        var chain = openedGame(committing: lie, challengerClaims: world.honest.newRoot)
        let end = play(&chain, proposer: player(.proposer, claiming: lie), challenger: player(.challenger))
        XCTAssertEqual(end.dropFirst().first, .gameResolved(game: 0, winner: challenger, loser: proposer, slashed: 100, toWinner: 50))
    }

    func testASilentProposerLosesOnTimeAndIsClaimedOnlyAfterItsDeadline() {
        let lie = CommitmentWorld.lie(world.honest.newRoot)
        let chain = openedGame(committing: lie, challengerClaims: world.honest.newRoot)
        let challengerPlayer = player(.challenger)
        let record = chain.state.game(0)!
        XCTAssertNil(challengerPlayer.nextCall(for: record, atMs: record.game.deadlineMs), "the proposer's turn, in time")
        XCTAssertEqual(challengerPlayer.nextCall(for: record, atMs: record.game.deadlineMs + 1), .claimTimeout(game: 0))
        XCTAssertNil(player(.proposer).nextCall(for: record, atMs: record.game.deadlineMs + 1), "too late for its own move")
        var played = chain
        let end = play(&played, proposer: nil, challenger: challengerPlayer)
        XCTAssertEqual(end.first, .gameResolved(game: 0, winner: challenger, loser: proposer, slashed: 100, toWinner: 50))
        XCTAssertEqual(played.state.game(0)?.game.result?.by, .timeout)
    }
}
