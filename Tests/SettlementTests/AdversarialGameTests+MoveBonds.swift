import XCTest
@testable import Settlement

/// Bisection moves carry bonds that grow with the game's depth: a move below the schedule is
/// refused, the loser forfeits every move bond it put up (shared like its other bonds), the winner
/// gets its own back, and a voided game returns both sides' move bonds. The games are the
/// adversarial suite's, played with a move bond of 10 growing 50% a move.
extension AdversarialGameTests {
    var moveBond: UInt256 { 10 }
    var growth: UInt8 { 50 }

    func testTheMoveBondScheduleGrowsWithDepthAndSaturates() {
        let c = config(moveBond: moveBond, growthPercent: growth)
        XCTAssertEqual((0 ..< 6).map { c.moveBond(afterMoves: $0) }, [10, 15, 22, 33, 49, 73])
        XCTAssertEqual(config().moveBond(afterMoves: 40), .zero, "no move bond configured: moves are free")
        XCTAssertEqual(config(moveBond: .max, growthPercent: 100).moveBond(afterMoves: 3), .max, "saturates, never wraps")
        XCTAssertNotEqual(config(moveBond: moveBond, growthPercent: growth).fingerprint, config().fingerprint,
                          "the schedule is part of the arbiter's rules")
    }

    func testAMoveBelowTheScheduleIsRefusedAndChangesNothing() throws {
        var chain = posted(lying: true, moveBond: moveBond, growthPercent: growth)
        chain.send(.registerValidator(stake: stake), by: honest)
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.openChallenge(commitment: 0, claimedRoot: segment.trace.newRoot,
                                                                         bond: challengeBond), by: honest)))
        let record = try XCTUnwrap(chain.state.game(0))
        XCTAssertEqual(record.nextMoveBond, moveBond)
        let location = try XCTUnwrap(record.game.midpoint)
        let root = segment.strategy(lyingFrom: 3)(location)
        let cheap = chain.send(.bisect(game: 0, midpointRoot: root, bond: moveBond - 1), by: proposer)
        XCTAssertTrue(ArbiterChain.revertReason(cheap)?.contains("move bond 9 below the 10 required") == true, "\(cheap)")
        XCTAssertEqual(chain.state.game(0), record, "a refused move changes nothing")
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.bisect(game: 0, midpointRoot: root, bond: moveBond), by: proposer)))
        XCTAssertEqual(chain.state.game(0)?.moves, 1)
        XCTAssertEqual(chain.state.game(0)?.proposerMoveBonds, moveBond)
        XCTAssertEqual(chain.state.game(0)?.nextMoveBond, 15, "the next move costs more")
    }

    /// A lying proposer played to the end: it forfeits its commitment bond and every move bond; the
    /// honest validator gets its bond and its move bonds back plus half of the forfeit.
    func testADishonestProposerForfeitsItsMoveBonds() throws {
        var chain = posted(lying: true, moveBond: moveBond, growthPercent: growth)
        chain.send(.registerValidator(stake: stake), by: honest)
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.openChallenge(commitment: 0, claimedRoot: segment.trace.newRoot,
                                                                         bond: challengeBond), by: honest)))
        playAll(&chain) { who in who == self.proposer ? self.segment.strategy(lyingFrom: 3) : self.segment.strategy(lyingFrom: nil) }
        let game = try XCTUnwrap(chain.state.game(0))
        XCTAssertEqual(game.game.result?.winner, .challenger)
        XCTAssertGreaterThanOrEqual(game.moves, 4, "a deep enough game to show the schedule")
        // What the sides paid in moves is the schedule, move by move.
        let schedule = (0 ..< game.moves).map { config(moveBond: moveBond, growthPercent: growth).moveBond(afterMoves: $0) }
        XCTAssertEqual(game.proposerMoveBonds + game.challengerMoveBonds, schedule.reduce(.zero, +))
        XCTAssertFalse(game.proposerMoveBonds.isZero)
        let forfeited = bond + game.proposerMoveBonds
        let toWinner = L1Arbiter.percent(50, of: forfeited)
        XCTAssertEqual(chain.state.paid[honest], challengeBond + game.challengerMoveBonds + toWinner)
        XCTAssertEqual(chain.state.burned, forfeited - toWinner)
        XCTAssertNil(chain.state.paid[proposer], "the losing proposer gets nothing back")
    }

    /// A lying challenger played to the end forfeits its bond, a fifth of its stake and its move
    /// bonds; the honest proposer is paid back its move bonds and half the forfeit.
    func testADishonestChallengerForfeitsItsMoveBonds() throws {
        var chain = posted(lying: false, moveBond: moveBond, growthPercent: growth)
        chain.send(.registerValidator(stake: stake), by: Self.sybil(0))
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.openChallenge(commitment: 0, claimedRoot: CommitmentWorld.lie(segment.trace.newRoot),
                                                                         bond: challengeBond), by: Self.sybil(0))))
        playAll(&chain) { who in who == self.proposer ? self.segment.strategy(lyingFrom: nil) : self.segment.strategy(lyingFrom: 5) }
        let game = try XCTUnwrap(chain.state.game(0))
        XCTAssertEqual(game.game.result?.winner, .proposer)
        XCTAssertFalse(game.challengerMoveBonds.isZero)
        let forfeited = challengeBond + 100 + game.challengerMoveBonds
        let toWinner = L1Arbiter.percent(50, of: forfeited)
        XCTAssertEqual(chain.state.paid[proposer], game.proposerMoveBonds + toWinner)
        XCTAssertEqual(chain.state.burned, forfeited - toWinner)
        XCTAssertNil(chain.state.paid[Self.sybil(0)])
    }

    /// A game voided because another game reverted its commitment returns the move bonds both sides
    /// put up in it: nobody won it, so nobody forfeits.
    func testAVoidedGameReturnsBothSidesMoveBonds() throws {
        var chain = posted(lying: true, moveBond: moveBond, growthPercent: growth)
        let other = Self.sybil(7)
        chain.send(.registerValidator(stake: stake), by: other)
        chain.send(.registerValidator(stake: stake), by: honest)
        // `other` opens first with a junk root and plays two rounds, then stalls; the honest game wins.
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.openChallenge(commitment: 0, claimedRoot: CommitmentWorld.lie(segment.trace.newRoot, salt: 3),
                                                                         bond: challengeBond), by: other)))
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.openChallenge(commitment: 0, claimedRoot: segment.trace.newRoot,
                                                                         bond: challengeBond), by: honest)))
        for _ in 0 ..< 4 {
            let record = try XCTUnwrap(chain.state.game(0))
            let turn = try XCTUnwrap(record.game.turn)
            let location = try XCTUnwrap(record.game.midpoint)
            let root = turn == .proposer ? segment.strategy(lyingFrom: 3)(location) : CommitmentWorld.lie(.zero, salt: UInt64(record.moves))
            XCTAssertNil(ArbiterChain.revertReason(chain.send(.bisect(game: 0, midpointRoot: root, bond: record.nextMoveBond),
                                                              by: record.address(of: turn))))
        }
        let before = try XCTUnwrap(chain.state.game(0))
        XCTAssertFalse(before.proposerMoveBonds.isZero)
        XCTAssertFalse(before.challengerMoveBonds.isZero)
        // `other` stalls from here on (inside its clock); the honest game is played to the end.
        playAll(&chain) { who in
            if who == self.proposer { return self.segment.strategy(lyingFrom: 3) }
            return who == self.honest ? self.segment.strategy(lyingFrom: nil) : nil
        }
        XCTAssertEqual(chain.state.game(1)?.game.result?.winner, .challenger)
        let voided = try XCTUnwrap(chain.state.game(0))
        if voided.voided {
            // (The proposer went on answering in game 0 until the void; `other` stalled.)
            XCTAssertEqual(voided.challengerMoveBonds, before.challengerMoveBonds)
            XCTAssertGreaterThanOrEqual(voided.proposerMoveBonds, before.proposerMoveBonds)
            XCTAssertEqual(chain.state.paid[other], challengeBond + voided.challengerMoveBonds, "bond and move bonds back")
            XCTAssertEqual(chain.state.paid[proposer], voided.proposerMoveBonds, "the proposer's move bonds in the voided game come back")
        } else {
            XCTFail("game 0 was not voided but \(String(describing: voided.game.result)): the scenario needs the honest game to end first")
        }
    }
}
