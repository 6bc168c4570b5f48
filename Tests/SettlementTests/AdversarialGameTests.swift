import XCTest
@testable import Settlement

/// The adversarial game suite: a dishonest proposer against one honest validator and
/// against 50 sybil challengers, a dishonest challenger against an honest proposer, and a side that
/// stalls. Each checks who wins, what each side paid, and the bound on the time to finality
/// (challenge period + 2 · clock from the commitment's block).
final class AdversarialGameTests: XCTestCase {
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let honest = Address(bytes: [UInt8](repeating: 0xcc, count: 20))!
    let clockMs: UInt64 = 10_000
    let periodMs: UInt64 = 100_000
    let bond: UInt256 = 1_000
    let challengeBond: UInt256 = 400
    let stake: UInt256 = 500

    let world: CommitmentWorld = {
        let fixture = FraudProofFixture(seed: 91)
        return CommitmentWorld(fixture: fixture, batches: fixture.committedBatches([3, 5, 2, 4], seed: 92))
    }()

    var segment: CommittedSegment { CommittedSegment(world: world, first: 0, count: 4) }

    func config(moveBond: UInt256 = .zero, growthPercent: UInt8 = 0) -> L1ArbiterConfig {
        L1ArbiterConfig(genesisRoot: world.fixture.tree.root, proposer: proposer, minimumCommitmentBond: bond, minimumStake: stake,
                        unstakeDelayMs: 0, challengePeriodMs: periodMs, clockMs: clockMs, minimumChallengeBond: challengeBond,
                        baseMoveBond: moveBond, moveBondGrowthPercent: growthPercent,
                        slashRewardPercent: 50, challengerStakeSlashPercent: 20, rules: world.fixture.rules)
    }

    static func sybil(_ i: Int) -> Address { Address(bytes: [0x5b] + [UInt8](repeating: UInt8(i), count: 19))! }

    /// A chain with the commitment posted, claiming the honest root or (`lying`) a lie from step 3.
    func posted(lying: Bool, moveBond: UInt256 = .zero, growthPercent: UInt8 = 0) -> ArbiterChain {
        var chain = ArbiterChain(config: config(moveBond: moveBond, growthPercent: growthPercent))
        let honestCommitment = segment.commitment(index: 0)
        let c = lying ? segment.commitment(index: 0, newRoot: segment.strategy(lyingFrom: 3)(.afterBatches(4))) : honestCommitment
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.postCommitment(c, data: segment.data, bond: bond), by: proposer)))
        return chain
    }

    /// Plays every open game, round-robin, one transaction per block `stepMs` apart: the side to
    /// move answers by its strategy (`nil`: it stalls and never moves; then the other side claims
    /// the game once the staller's clock is out). One-step proofs are the honest ones. Every
    /// bisection carries the game's `nextMoveBond`.
    func playAll(_ chain: inout ArbiterChain, stepMs: UInt64 = 10,
                 strategy: (L1Address) -> ((ChallengeGame.Location) -> Digest32)?) {
        for _ in 0 ..< 10_000 {
            let open = chain.state.games.filter(\.isOpen)
            guard !open.isEmpty else { return }
            var moved = false
            for record in open {
                guard let current = chain.state.game(record.id), current.isOpen, let turn = current.game.turn else { continue }
                let mover = current.address(of: turn)
                if let play = strategy(mover) {
                    moved = true
                    if let location = current.game.midpoint {
                        let events = chain.send(.bisect(game: record.id, midpointRoot: play(location), bond: current.nextMoveBond),
                                                by: mover, advanceMs: stepMs)
                        XCTAssertNil(ArbiterChain.revertReason(events), "\(events)")
                    } else if let (batch, index) = current.game.disputedTransaction {
                        let events = chain.send(.proveOneStep(game: record.id, proof: segment.proof(batch: batch, index: index)),
                                                by: mover, advanceMs: stepMs)
                        XCTAssertNil(ArbiterChain.revertReason(events), "\(events)")
                    }
                } else if chain.nowMs + stepMs > current.game.deadlineMs {
                    moved = true
                    let events = chain.send(.claimTimeout(game: record.id), by: current.address(of: turn.opponent), advanceMs: stepMs)
                    XCTAssertNil(ArbiterChain.revertReason(events), "\(events)")
                }
            }
            if !moved {
                // Everyone left stalls: time passes to the first deadline (a refused call fills the block).
                let next = chain.state.games.filter(\.isOpen).map(\.game.deadlineMs).min()!
                chain.send(.addStake(1), by: Self.sybil(250), advanceMs: max(1, next + 1 - chain.nowMs))
            }
        }
        XCTFail("games do not end")
    }

    /// The latest L1 time at which commitment 0 may become final.
    func finalityBound(_ chain: ArbiterChain) -> UInt64 { chain.state.commitments[0].block.timestampMs + periodMs + 2 * clockMs }

    // MARK: Dishonest proposer

    func testADishonestProposerLosesToOneHonestValidator() {
        var chain = posted(lying: true)
        chain.send(.registerValidator(stake: stake), by: honest)
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.openChallenge(commitment: 0, claimedRoot: segment.trace.newRoot,
                                                                         bond: challengeBond), by: honest)))
        playAll(&chain) { who in who == self.proposer ? self.segment.strategy(lyingFrom: 3) : self.segment.strategy(lyingFrom: nil) }
        XCTAssertEqual(chain.state.game(0)?.game.result?.winner, .challenger)
        XCTAssertTrue(chain.state.commitments[0].reverted, "the wrong root is reverted")
        // The proposer forfeits its bond (1,000): half to the validator, half burned. The validator
        // gets its bond back and keeps its stake.
        XCTAssertEqual(chain.state.paid[honest], challengeBond + 500)
        XCTAssertEqual(chain.state.burned, 500)
        XCTAssertNil(chain.state.paid[proposer])
        XCTAssertEqual(chain.state.validators[honest]?.stake, stake)
        XCTAssertLessThanOrEqual(chain.nowMs, finalityBound(chain), "the game outlasted period + 2 · clock")
    }

    /// The proposer's 50 sybils challenge its own wrong commitment with junk roots and stall, to
    /// bury the honest validator's game or run the clock: they cannot. The honest game is played
    /// and won; the sybil games are voided by the revert (their bonds back, nothing gained), and
    /// every sybil had to lock a full stake and bond to play.
    func testADishonestProposerWithFiftySybilsStillLosesToOneHonestValidator() {
        var chain = posted(lying: true)
        for i in 0 ..< 50 {
            chain.send(.registerValidator(stake: stake), by: Self.sybil(i), advanceMs: 10)
            let junk = CommitmentWorld.lie(segment.trace.newRoot, salt: UInt64(i) + 1)
            XCTAssertNil(ArbiterChain.revertReason(chain.send(.openChallenge(commitment: 0, claimedRoot: junk, bond: challengeBond),
                                                              by: Self.sybil(i), advanceMs: 10)))
            // One stake, one game: a second identity is needed for each further game.
            let again = chain.send(.openChallenge(commitment: 0, claimedRoot: CommitmentWorld.lie(junk), bond: challengeBond),
                                   by: Self.sybil(i), advanceMs: 10)
            XCTAssertNotNil(ArbiterChain.revertReason(again))
        }
        chain.send(.registerValidator(stake: stake), by: honest)
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.openChallenge(commitment: 0, claimedRoot: segment.trace.newRoot,
                                                                         bond: challengeBond), by: honest)))
        // The proposer plays its lie everywhere; the sybils stall; the validator plays honestly.
        playAll(&chain) { who in
            if who == self.proposer { return self.segment.strategy(lyingFrom: 3) }
            return who == self.honest ? self.segment.strategy(lyingFrom: nil) : nil
        }
        let honestGame = chain.state.games.first { $0.challenger == honest }!
        XCTAssertEqual(honestGame.game.result?.winner, .challenger)
        XCTAssertTrue(chain.state.commitments[0].reverted)
        XCTAssertEqual(chain.state.paid[honest], challengeBond + 500, "the honest validator is paid from the proposer's bond")
        // Sybil games either lost on time before the honest game ended, or were voided by it.
        let sybilGames = chain.state.games.filter { $0.challenger != honest }
        XCTAssertEqual(sybilGames.count, 50)
        for g in sybilGames { XCTAssertFalse(g.isOpen) }
        XCTAssertLessThanOrEqual(chain.nowMs, finalityBound(chain))
    }

    // MARK: Dishonest challengers

    func testADishonestChallengerLosesToAnHonestProposerAndPays() {
        var chain = posted(lying: false)
        chain.send(.registerValidator(stake: stake), by: Self.sybil(0))
        let wrong = CommitmentWorld.lie(segment.trace.newRoot)
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.openChallenge(commitment: 0, claimedRoot: wrong, bond: challengeBond),
                                                          by: Self.sybil(0))))
        playAll(&chain) { who in who == self.proposer ? self.segment.strategy(lyingFrom: nil) : self.segment.strategy(lyingFrom: 5) }
        XCTAssertEqual(chain.state.game(0)?.game.result?.winner, .proposer)
        XCTAssertFalse(chain.state.commitments[0].reverted)
        // The challenger forfeits its bond (400) and 20% of its stake (100): 500, half to the proposer.
        XCTAssertEqual(chain.state.paid[proposer], 250)
        XCTAssertEqual(chain.state.burned, 250)
        XCTAssertEqual(chain.state.validators[Self.sybil(0)]?.stake, stake - 100)
        XCTAssertNil(chain.state.paid[Self.sybil(0)])
        let bound = finalityBound(chain)
        XCTAssertTrue(chain.state.isFinal(0, atMs: max(chain.nowMs, chain.state.commitments[0].block.timestampMs + periodMs),
                                          challengePeriodMs: periodMs))
        XCTAssertLessThanOrEqual(chain.nowMs, bound)
    }

    /// 50 sybil challengers grief an honest commitment, opening their games as late as possible and
    /// stalling with their whole clock. Each loses and pays bond + stake share; the commitment is
    /// final by period + 2 · clock after its block, no later.
    func testFiftyStallingSybilsDelayAnHonestCommitmentByAtMostTwoClocks() {
        var chain = posted(lying: false)
        for i in 0 ..< 50 { chain.send(.registerValidator(stake: stake), by: Self.sybil(i), advanceMs: 10) }
        let lastChance = chain.state.commitments[0].block.timestampMs + periodMs - 1
        let first = lastChance - 50 * 10 - chain.nowMs
        for i in 0 ..< 50 {
            let junk = CommitmentWorld.lie(segment.trace.newRoot, salt: UInt64(i) + 7)
            XCTAssertNil(ArbiterChain.revertReason(chain.send(.openChallenge(commitment: 0, claimedRoot: junk, bond: challengeBond),
                                                              by: Self.sybil(i), advanceMs: i == 0 ? first : 10)))
        }
        // The sybils never answer: each uses its whole clock before it loses on time.
        playAll(&chain, stepMs: 10) { who in who == self.proposer ? self.segment.strategy(lyingFrom: nil) : nil }
        XCTAssertTrue(chain.state.games.allSatisfy { $0.game.result?.winner == .proposer })
        XCTAssertEqual(chain.state.paid[proposer], UInt256(50 * 250), "the proposer is paid half of each sybil's forfeit")
        for i in 0 ..< 50 { XCTAssertEqual(chain.state.validators[Self.sybil(i)]?.stake, stake - 100) }
        let bound = finalityBound(chain)
        XCTAssertLessThanOrEqual(chain.nowMs, bound, "the griefing outlasted period + 2 · clock")
        XCTAssertTrue(chain.state.isFinal(0, atMs: bound, challengePeriodMs: periodMs))
    }

    /// A side that answers every move at the last moment of a fresh window would stretch a deep game
    /// to moves × window; under the chess clock it runs out of time after `clockMs` in total.
    func testAStallingSideCannotStretchAGamePastTwoClocks() throws {
        var game = try ChallengeGame(prevRoot: .zero, proposerRoot: CommitmentWorld.lie(.zero), challengerRoot: CommitmentWorld.lie(.zero, salt: 1),
                                     transactionCounts: [Int](repeating: 1_000, count: 1_000), clockMs: clockMs, openedAtMs: 0)
        var now: UInt64 = 0
        var moves = 0
        // Both sides move as late as they are allowed to, every time.
        while game.result == nil, let turn = game.turn {
            if game.midpoint == nil {
                now = game.deadlineMs + 1
                try game.claimTimeout(by: turn.opponent, atMs: now)
                break
            }
            now = game.deadlineMs
            try game.bisect(by: turn, midpointRoot: turn == .proposer ? CommitmentWorld.lie(.zero, salt: now) : .zero, atMs: now)
            moves += 1
        }
        XCTAssertGreaterThan(moves, 10, "a deep game: a window per move would have allowed \(moves) × clockMs")
        XCTAssertNotNil(game.result)
        XCTAssertLessThanOrEqual(now, 2 * clockMs + 1, "a game outlasted two clocks")
        XCTAssertLessThanOrEqual(game.proposerUsedMs, clockMs)
        XCTAssertLessThanOrEqual(game.challengerUsedMs, clockMs)
    }
}
