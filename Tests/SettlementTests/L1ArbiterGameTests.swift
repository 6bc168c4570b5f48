import XCTest
@testable import Settlement

/// Challenge games through the arbiter, with real commitment data: a lying challenger and a lying
/// proposer each lose to the honest side and are slashed, a lost commitment reverts with every
/// later one, silence loses on time, refused moves change nothing, and a replay is identical.
final class L1ArbiterGameTests: XCTestCase {
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let challenger = Address(bytes: [UInt8](repeating: 0xcc, count: 20))!
    let outsider = Address(bytes: [UInt8](repeating: 0xee, count: 20))!
    let window: UInt64 = 10_000

    /// World batches (L2 batches 1...6): commitment 0 = batch 1, commitment 1 = batches 2...4,
    /// commitment 2 = batches 5...6.
    let world: CommitmentWorld = {
        let fixture = FraudProofFixture(seed: 71)
        return CommitmentWorld(fixture: fixture, batches: fixture.committedBatches([2, 3, 0, 6, 1, 2], seed: 72))
    }()

    func config() -> L1ArbiterConfig {
        L1ArbiterConfig(genesisRoot: world.fixture.tree.root, proposer: proposer, minimumCommitmentBond: 100, minimumStake: 50,
                        unstakeDelayMs: 0, challengePeriodMs: 1_000_000, clockMs: window, minimumChallengeBond: 10, slashRewardPercent: 40,
                        challengerStakeSlashPercent: 20, rules: world.fixture.rules)
    }

    var segments: [CommittedSegment] {
        [CommittedSegment(world: world, first: 0, count: 1), CommittedSegment(world: world, first: 1, count: 3),
         CommittedSegment(world: world, first: 4, count: 2)]
    }

    /// A chain with a staked challenger and commitments 0...`upTo`, segment `lyingIndex` claiming
    /// a wrong root (its trace lies from transaction `lieFrom` on) and the later ones chaining to it.
    func chain(upTo: Int = 2, lyingIndex: Int? = nil, lieFrom: Int = 2) -> ArbiterChain {
        var chain = ArbiterChain(config: config())
        XCTAssertEqual(chain.send(.registerValidator(stake: 60), by: challenger), [.validatorStaked(challenger, total: 60)])
        var prev = world.fixture.tree.root
        for (i, segment) in segments.prefix(upTo + 1).enumerated() {
            let claimed = i == lyingIndex
                ? segment.strategy(lyingFrom: lieFrom)(.afterBatches(segment.count)) : segment.trace.newRoot
            let honest = segment.commitment(index: UInt64(i))
            let c = L1Commitment(index: honest.index, firstBatch: honest.firstBatch, lastBatch: honest.lastBatch,
                                 prevRoot: prev, newRoot: prev == segment.trace.prevRoot ? claimed : CommitmentWorld.lie(claimed, salt: 9),
                                 dataRoot: honest.dataRoot)
            XCTAssertEqual(chain.send(.postCommitment(c, data: segment.data, bond: 100), by: proposer),
                           [.commitmentPosted(c, proposer: proposer)])
            prev = c.newRoot
        }
        return chain
    }

    /// Plays game `id` to its end: each side answers its strategy one block after the other; the
    /// one-step proof (always the honest one) is sent by `prover`. Returns the events of the last move.
    @discardableResult
    func play(_ chain: inout ArbiterChain, game id: UInt64, on segment: CommittedSegment, prover: Address,
              proposerLiesFrom: Int? = nil, challengerLiesFrom: Int? = nil) -> [L1Event] {
        let roots = [ChallengeGame.Party.proposer: segment.strategy(lyingFrom: proposerLiesFrom),
                     .challenger: segment.strategy(lyingFrom: challengerLiesFrom)]
        var last: [L1Event] = []
        for _ in 0 ..< 100 {
            guard let record = chain.state.game(id), record.isOpen else { return last }
            if let location = record.game.midpoint, let turn = record.game.turn {
                last = chain.send(.bisect(game: id, midpointRoot: roots[turn]!(location)), by: record.address(of: turn))
            } else if let (batch, index) = record.game.disputedTransaction {
                last = chain.send(.proveOneStep(game: id, proof: segment.proof(batch: batch, index: index)), by: prover)
            }
            XCTAssertNil(ArbiterChain.revertReason(last), "\(last)")
            XCTAssertEqual(last.first, .moved(game: id, by: chain.log.last!.transaction.sender))
        }
        XCTFail("game \(id) does not end")
        return last
    }

    func testLyingChallengerLosesItsBondAndPartOfItsStake() {
        var chain = chain()
        let claimed = CommitmentWorld.lie(segments[1].trace.newRoot)
        let opened = chain.send(.openChallenge(commitment: 1, claimedRoot: claimed, bond: 10), by: challenger)
        XCTAssertEqual(opened, [.challengeOpened(game: 0, commitment: 1, challenger: challenger, proposer: proposer)])
        XCTAssertEqual(chain.state.openGames(against: 1).count, 1)
        _ = chain.send(.requestUnstake(10), by: challenger, advanceMs: 0)
        XCTAssertEqual(ArbiterChain.revertReason(chain.send(.withdrawStake, by: challenger, advanceMs: 0))?
            .contains("open game 0"), true, "a challenger's stake stays locked while its game runs")
        let end = play(&chain, game: 0, on: segments[1], prover: proposer, challengerLiesFrom: 5)
        // Bond 10 + 20% of stake 60 (50 active, 10 unstaking) = 22; 40% of it (8) to the proposer.
        XCTAssertEqual(end.last, .gameResolved(game: 0, winner: proposer, loser: challenger, slashed: 22, toWinner: 8))
        XCTAssertEqual(chain.state.game(0)?.game.result?.by, .oneStepProof)
        XCTAssertEqual(chain.state.validators[challenger]?.stake, 38)
        XCTAssertEqual(chain.state.validators[challenger]?.unstaking, 10)
        XCTAssertEqual(chain.state.burned, 14)
        XCTAssertTrue(chain.state.openGames(against: 1).isEmpty)
        XCTAssertFalse(chain.state.commitments.contains { $0.reverted })
        XCTAssertTrue(chain.state.isFinal(1, atMs: chain.state.commitments[1].block.timestampMs + 1_000_000, challengePeriodMs: 1_000_000))
    }

    func testLyingProposerIsSlashedAndItsCommitmentAndTheNextAreReverted() {
        var chain = chain(lyingIndex: 1, lieFrom: 4)
        let valid = chain.state.commitments[0].commitment
        // A second challenger's game against the later commitment is voided by the revert.
        let other = Address(bytes: [UInt8](repeating: 0xcd, count: 20))!
        chain.send(.registerValidator(stake: 50), by: other)
        chain.send(.openChallenge(commitment: 2, claimedRoot: segments[2].trace.newRoot, bond: 10), by: other)
        chain.send(.openChallenge(commitment: 1, claimedRoot: segments[1].trace.newRoot, bond: 10), by: challenger)
        let end = play(&chain, game: 1, on: segments[1], prover: challenger, proposerLiesFrom: 4)
        XCTAssertEqual(Array(end.dropFirst()), [
            .gameResolved(game: 1, winner: challenger, loser: proposer, slashed: 100, toWinner: 40),
            .commitmentsReverted(fromIndex: 1), .gameVoided(game: 0, commitment: 2),
        ])
        XCTAssertEqual(chain.state.commitments.map(\.reverted), [false, true, true])
        XCTAssertEqual(chain.state.latestValidCommitment?.commitment, valid)
        XCTAssertEqual(chain.state.burned, 60)
        XCTAssertEqual(chain.state.validators[challenger]?.stake, 60, "the winner's stake is untouched")
        XCTAssertTrue(chain.state.openGames(against: 2).isEmpty)
        XCTAssertNotNil(ArbiterChain.revertReason(chain.send(.bisect(game: 0, midpointRoot: valid.newRoot), by: proposer)))
        XCTAssertEqual(ArbiterChain.revertReason(chain.send(.openChallenge(commitment: 1, claimedRoot: valid.newRoot, bond: 10),
                                                            by: challenger))?.contains("reverted"), true)

        // The next commitment (index 3) redoes batches 2...4 from commitment 0's root.
        let redo = segments[1].commitment(index: 3)
        let stale = L1Commitment(index: 3, firstBatch: 5, lastBatch: 6, prevRoot: chain.state.commitments[2].commitment.newRoot,
                                 newRoot: segments[2].trace.newRoot, dataRoot: committedRoot(segments[2].data))
        XCTAssertEqual(ArbiterChain.revertReason(chain.send(.postCommitment(stale, data: segments[2].data, bond: 100), by: proposer))?
            .contains("does not chain"), true)
        XCTAssertEqual(redo.prevRoot, valid.newRoot)
        XCTAssertEqual(chain.send(.postCommitment(redo, data: segments[1].data, bond: 100), by: proposer),
                       [.commitmentPosted(redo, proposer: proposer)])
    }

    func testAPartyThatStopsAnsweringLosesOnTime() {
        // The proposer never answers: the challenger claims after the deadline, not at it.
        var silentProposer = chain(lyingIndex: 1)
        silentProposer.send(.openChallenge(commitment: 1, claimedRoot: segments[1].trace.newRoot, bond: 10), by: challenger)
        XCTAssertEqual(ArbiterChain.revertReason(silentProposer.send(.claimTimeout(game: 0), by: challenger, advanceMs: window))?
            .contains("has not passed"), true)
        XCTAssertEqual(ArbiterChain.revertReason(silentProposer.send(.claimTimeout(game: 0), by: proposer))?
            .contains("ran out of time"), true)
        XCTAssertEqual(silentProposer.send(.claimTimeout(game: 0), by: challenger, advanceMs: 0), [
            .gameResolved(game: 0, winner: challenger, loser: proposer, slashed: 100, toWinner: 40), .commitmentsReverted(fromIndex: 1),
        ])
        XCTAssertEqual(silentProposer.state.game(0)?.game.result?.by, .timeout)

        // The challenger opens, the proposer answers, then the challenger falls silent.
        var silentChallenger = chain()
        silentChallenger.send(.openChallenge(commitment: 1, claimedRoot: CommitmentWorld.lie(segments[1].trace.newRoot), bond: 10),
                              by: challenger)
        let mid = silentChallenger.state.game(0)!.game.midpoint!
        silentChallenger.send(.bisect(game: 0, midpointRoot: segments[1].trace.root(at: mid)), by: proposer)
        XCTAssertEqual(silentChallenger.send(.claimTimeout(game: 0), by: proposer, advanceMs: window + 1).last,
                       .gameResolved(game: 0, winner: proposer, loser: challenger, slashed: 22, toWinner: 8))
        XCTAssertFalse(silentChallenger.state.commitments[1].reverted)
    }

    func testRefusedCallsRevertAndChangeNothing() {
        var chain = chain()
        func refused(_ call: L1Transaction.Call, by sender: Address, advanceMs: UInt64 = 1_000, _ reason: String,
                     line: UInt = #line) {
            let before = chain.state
            let events = chain.send(call, by: sender, advanceMs: advanceMs)
            XCTAssertEqual(ArbiterChain.revertReason(events)?.contains(reason), true, "\(events)", line: line)
            XCTAssertEqual(chain.state, before, line: line)
        }
        let newRoot = segments[1].trace.newRoot
        let wrong = CommitmentWorld.lie(newRoot)
        refused(.openChallenge(commitment: 1, claimedRoot: wrong, bond: 10), by: outsider, "not a validator")
        refused(.openChallenge(commitment: 1, claimedRoot: wrong, bond: 9), by: challenger, "below the minimum")
        refused(.openChallenge(commitment: 7, claimedRoot: wrong, bond: 10), by: challenger, "no commitment 7")
        refused(.openChallenge(commitment: 1, claimedRoot: newRoot, bond: 10), by: challenger, "is the committed root")
        refused(.bisect(game: 0, midpointRoot: wrong), by: proposer, "no game 0")
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.openChallenge(commitment: 1, claimedRoot: wrong, bond: 10), by: challenger)))
        let mid = chain.state.game(0)!.game.midpoint!
        refused(.bisect(game: 0, midpointRoot: wrong), by: challenger, "proposer's move")
        refused(.bisect(game: 0, midpointRoot: wrong), by: outsider, "not a party")
        refused(.proveOneStep(game: 0, proof: [1, 2, 3]), by: proposer, "no one-step proof expected")
        refused(.claimTimeout(game: 0), by: challenger, "has not passed")
        var late = chain
        let lateEvents = late.send(.bisect(game: 0, midpointRoot: segments[1].trace.root(at: mid)), by: proposer, advanceMs: window)
        XCTAssertEqual(ArbiterChain.revertReason(lateEvents)?.contains("after its deadline"), true, "\(lateEvents)")
        XCTAssertEqual(late.state, chain.state)

        // Walk to the one-step phase honestly against a liar, then send bad proofs.
        var game = chain.state.game(0)!.game
        while game.disputedTransaction == nil {
            let turn = game.turn!
            let root = segments[1].strategy(lyingFrom: turn == .proposer ? nil : 6)(game.midpoint!)
            XCTAssertNil(ArbiterChain.revertReason(chain.send(.bisect(game: 0, midpointRoot: root), by: turn == .proposer ? proposer : challenger,
                                                              advanceMs: 0)))
            game = chain.state.game(0)!.game
        }
        let (batch, index) = game.disputedTransaction!
        let good = segments[1].proof(batch: batch, index: index)
        refused(.proveOneStep(game: 0, proof: Array(good.dropLast())), by: challenger, "malformed")
        let otherIndex = index == 0 ? 1 : index - 1
        refused(.proveOneStep(game: 0, proof: segments[1].proof(batch: batch, index: otherIndex)), by: challenger, "not the disputed one")
        refused(.proveOneStep(game: 0, proof: good), by: outsider, "not a party")
        XCTAssertEqual(chain.send(.proveOneStep(game: 0, proof: good), by: challenger).last,
                       .gameResolved(game: 0, winner: proposer, loser: challenger, slashed: 22, toWinner: 8))
        refused(.claimTimeout(game: 0), by: proposer, advanceMs: 2 * window, "is over")
        refused(.openChallenge(commitment: 2, claimedRoot: wrong, bond: 10), by: challenger, "active stake 48 less the 0 locked by open games is below the minimum 50")
        chain.send(.addStake(2), by: challenger)
        // After the challenge period no game opens.
        refused(.openChallenge(commitment: 2, claimedRoot: wrong, bond: 10), by: challenger, advanceMs: 1_000_000, "challenge period ended")
    }

    func testReplayingTheSameTransactionsGivesTheSameStateAndEvents() {
        var chain = chain(lyingIndex: 1, lieFrom: 1)
        chain.send(.openChallenge(commitment: 1, claimedRoot: segments[1].trace.newRoot, bond: 10), by: challenger)
        play(&chain, game: 0, on: segments[1], prover: proposer, proposerLiesFrom: 1)
        var replay = L1Arbiter(config: config())
        for (i, entry) in chain.log.enumerated() {
            XCTAssertEqual(replay.execute(entry.transaction, in: entry.block), entry.events, "transaction \(i)")
        }
        XCTAssertEqual(replay.state, chain.state)
        XCTAssertEqual(chain.state.commitments.map(\.reverted), [false, true, true])
    }
}
