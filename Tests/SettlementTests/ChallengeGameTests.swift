import XCTest
@testable import Settlement

/// The bisection game driven by traces: honest against lying parties on both sides, timeouts,
/// refused moves, and the stored encoding.
final class ChallengeGameTests: XCTestCase {
    typealias Strategy = (ChallengeGame.Location) -> Digest32
    let window: UInt64 = 10_000

    /// A party that answers from the honest trace until global step `from`, then lies.
    func corrupted(_ world: CommitmentWorld, from step: Int) -> Strategy {
        { location in
            let root = world.honest.root(at: location)
            return world.step(location) >= step ? CommitmentWorld.lie(root) : root
        }
    }

    /// Opens a game (the challenger claiming `challenger`'s final root) and plays it to the end:
    /// each side posts its strategy's midpoint roots one second apart; at the one-step phase the
    /// honest proof is sent (by either side: the verifier decides, not the sender).
    func play(_ world: CommitmentWorld, proposer: Strategy, challenger: Strategy,
              file: StaticString = #filePath, line: UInt = #line) throws -> ChallengeGame {
        let counts = world.honest.transactionCounts
        let end = ChallengeGame.Location.afterBatches(counts.count)
        var game = try ChallengeGame(prevRoot: world.honest.prevRoot, proposerRoot: proposer(end), challengerRoot: challenger(end),
                                     transactionCounts: counts, clockMs: window, openedAtMs: 1_000_000)
        var now = game.lastMoveAtMs
        var moves = 0
        while game.result == nil {
            now += 1000
            moves += 1
            XCTAssertLessThan(moves, 100, "the game does not end", file: file, line: line)
            let before = game
            XCTAssertEqual(try ChallengeGame(serialized: game.serialized), game, file: file, line: line)
            if let location = game.midpoint {
                let party = game.turn!
                try game.bisect(by: party, midpointRoot: party == .proposer ? proposer(location) : challenger(location), atMs: now)
                if before.pendingMidpointRoot != nil && game.phase == before.phase {
                    XCTAssertLessThan(game.hi - game.lo, before.hi - before.lo, "a round narrows the range", file: file, line: line)
                }
            } else if let (batch, index) = game.disputedTransaction {
                let proof = world.honestProof(batch: batch, index: index)
                XCTAssertEqual(proof.preRoot, game.agreedRoot, "the agreed root is the true one", file: file, line: line)
                try game.resolve(with: proof, disputedTransaction: world.batches[batch][index], rules: world.fixture.rules, atMs: now)
            }
        }
        XCTAssertEqual(try ChallengeGame(serialized: game.serialized), game, file: file, line: line)
        return game
    }

    func testLyingProposerLosesAtItsFirstWrongTransaction() throws {
        let world = CommitmentWorld(fixture: FraudProofFixture(seed: 41), sizes: [3, 0, 5, 1, 4], seed: 42)
        let total = world.honest.transactionCounts.reduce(0, +)
        for step in 1 ... total {
            let game = try play(world, proposer: corrupted(world, from: step), challenger: world.honest.root(at:))
            XCTAssertEqual(game.result?.winner, .challenger, "lie from step \(step)")
            XCTAssertEqual(game.result?.by, .oneStepProof)
            // The game ended on the first transaction whose post-root was wrong.
            guard case .resolved = game.phase else { return XCTFail() }
            XCTAssertEqual(world.firstStep(ofBatch: game.batch) + game.lo, step - 1, "lie from step \(step)")
        }
    }

    func testLyingChallengerLosesAgainstAnHonestProposer() throws {
        let world = CommitmentWorld(fixture: FraudProofFixture(seed: 43), sizes: [2, 6, 0, 3], seed: 44)
        let total = world.honest.transactionCounts.reduce(0, +)
        for step in 1 ... total {
            let game = try play(world, proposer: world.honest.root(at:), challenger: corrupted(world, from: step))
            XCTAssertEqual(game.result?.winner, .proposer, "lie from step \(step)")
            XCTAssertEqual(game.result?.by, .oneStepProof)
        }
    }

    /// Liars answering each midpoint truthfully or not at random never beat the honest side.
    func testRandomLiarsNeverWin() throws {
        let world = CommitmentWorld(fixture: FraudProofFixture(seed: 45), sizes: [4, 0, 7, 1, 0, 3], seed: 46)
        var resolutions: Set<ChallengeGame.Resolution> = []
        for round in 0 ..< 40 {
            var rng = SeededGenerator(seed: 1000 + UInt64(round))
            let end = ChallengeGame.Location.afterBatches(world.batches.count)
            let liar: Strategy = { location in
                // The final claim is always a lie (else there is no dispute); midpoints at random.
                let truth = world.honest.root(at: location)
                return location == end || Bool.random(using: &rng) ? CommitmentWorld.lie(truth, salt: rng.next()) : truth
            }
            let liarIsProposer = round % 2 == 0
            let game = try play(world, proposer: liarIsProposer ? liar : world.honest.root(at:),
                                challenger: liarIsProposer ? world.honest.root(at:) : liar)
            XCTAssertEqual(game.result?.winner, liarIsProposer ? .challenger : .proposer, "round \(round)")
            resolutions.insert(game.result!.by)
        }
        XCTAssertEqual(resolutions, [.oneStepProof, .emptyBatch])
    }

    /// A proposer claiming that an empty batch changed the root loses without a one-step proof.
    func testEmptyBatchDecidesAtOnce() throws {
        let world = CommitmentWorld(fixture: FraudProofFixture(seed: 47), sizes: [2, 0, 2], seed: 48)
        let liar: Strategy = { location in
            let root = world.honest.root(at: location)
            switch location {
            case .afterBatches(let k) where k >= 2: return CommitmentWorld.lie(root)
            case .afterTransactions(let b, _) where b >= 2: return CommitmentWorld.lie(root)
            default: return root
            }
        }
        let game = try play(world, proposer: liar, challenger: world.honest.root(at:))
        XCTAssertEqual(game.result?.winner, .challenger)
        XCTAssertEqual(game.result?.by, .emptyBatch)
        // One-batch commitments: decided or at the one-step phase from the opening.
        let prev = world.honest.prevRoot
        let empty = try ChallengeGame(prevRoot: prev, proposerRoot: CommitmentWorld.lie(prev), challengerRoot: prev,
                                      transactionCounts: [0], clockMs: window, openedAtMs: 0)
        XCTAssertEqual(empty.result?.winner, .challenger)
        let single = try ChallengeGame(prevRoot: prev, proposerRoot: prev, challengerRoot: CommitmentWorld.lie(prev),
                                       transactionCounts: [1], clockMs: window, openedAtMs: 0)
        XCTAssertEqual(single.phase, .oneStep(batch: 0, transaction: 0))
        XCTAssertEqual(single.turn, .proposer)
    }

    func opened(_ counts: [Int] = [5, 3, 8], at t: UInt64 = 500) throws -> ChallengeGame {
        try ChallengeGame(prevRoot: .zero, proposerRoot: CommitmentWorld.lie(.zero, salt: 1),
                          challengerRoot: CommitmentWorld.lie(.zero, salt: 2), transactionCounts: counts,
                          clockMs: window, openedAtMs: t)
    }

    func assertRefused(_ game: inout ChallengeGame, _ expected: FraudProofError? = nil, line: UInt = #line,
                       _ move: (inout ChallengeGame) throws -> Void) {
        let before = game
        do {
            try move(&game)
            XCTFail("move accepted", line: line)
        } catch {
            XCTAssertNotNil(error as? FraudProofError, line: line)
            if let expected { XCTAssertEqual(error as? FraudProofError, expected, line: line) }
        }
        XCTAssertEqual(game, before, "a refused move changed the game", line: line)
    }

    func testTimeouts() throws {
        let root = Digest32(w0: 7, w1: 0, w2: 0, w3: 0)
        // The proposer does not answer the opening.
        var g = try opened()
        XCTAssertEqual(g.turn, .proposer)
        XCTAssertEqual(g.deadlineMs, 500 + window)
        assertRefused(&g) { try $0.claimTimeout(by: .challenger, atMs: 500 + window) }          // not yet
        assertRefused(&g) { try $0.claimTimeout(by: .proposer, atMs: 600 + window) }           // it is its own turn
        assertRefused(&g, .moveTooLate(deadlineMs: 500 + window, atMs: 501 + window)) {
            try $0.bisect(by: .proposer, midpointRoot: root, atMs: 501 + window)
        }
        XCTAssertEqual(try g.claimTimeout(by: .challenger, atMs: 501 + window), .challenger)
        XCTAssertEqual(g.result?.by, .timeout)
        assertRefused(&g) { try $0.claimTimeout(by: .challenger, atMs: 900 + window) }
        assertRefused(&g) { try $0.bisect(by: .proposer, midpointRoot: root, atMs: 900 + window) }

        // The challenger does not answer the proposer's midpoint (posted at the last moment).
        g = try opened()
        try g.bisect(by: .proposer, midpointRoot: root, atMs: 500 + window)
        XCTAssertEqual(g.turn, .challenger)
        assertRefused(&g) { try $0.claimTimeout(by: .proposer, atMs: 500 + 2 * window) }
        XCTAssertEqual(try g.claimTimeout(by: .proposer, atMs: 501 + 2 * window), .proposer)

        // Nobody sends the one-step proof: the proposer, defending, loses.
        g = try opened([1])
        XCTAssertEqual(g.disputedTransaction?.batch, 0)
        assertRefused(&g) { try $0.claimTimeout(by: .proposer, atMs: 501 + window) }
        XCTAssertEqual(try g.claimTimeout(by: .challenger, atMs: 501 + window), .challenger)
    }

    func testInvalidMovesAreRefused() throws {
        let root = Digest32(w0: 7, w1: 0, w2: 0, w3: 0)
        XCTAssertThrowsError(try ChallengeGame(prevRoot: .zero, proposerRoot: root, challengerRoot: root,
                                               transactionCounts: [2], clockMs: window, openedAtMs: 0))
        XCTAssertThrowsError(try ChallengeGame(prevRoot: .zero, proposerRoot: root, challengerRoot: .zero,
                                               transactionCounts: [], clockMs: window, openedAtMs: 0))
        var g = try opened()
        assertRefused(&g) { try $0.bisect(by: .challenger, midpointRoot: root, atMs: 600) }     // not its turn
        assertRefused(&g, .clockWentBack(lastMoveAtMs: 500, atMs: 499)) { try $0.bisect(by: .proposer, midpointRoot: root, atMs: 499) }
        try g.bisect(by: .proposer, midpointRoot: root, atMs: 600)
        assertRefused(&g) { try $0.bisect(by: .proposer, midpointRoot: root, atMs: 700) }       // twice in a row

        // One-step phase: only a valid proof of the disputed transaction from the agreed root.
        let world = CommitmentWorld(fixture: FraudProofFixture(seed: 49), sizes: [3], seed: 50)
        let rules = world.fixture.rules
        var h = try ChallengeGame(prevRoot: world.honest.prevRoot, proposerRoot: world.honest.newRoot,
                                  challengerRoot: CommitmentWorld.lie(world.honest.newRoot), transactionCounts: [3],
                                  clockMs: window, openedAtMs: 0)
        // Bisect [0, 3] at 1: agree; then [1, 3] at 2: disagree → transaction 1.
        try h.bisect(by: .proposer, midpointRoot: world.honest.batches[0].roots[1], atMs: 1)
        assertRefused(&h) {
            try $0.resolve(with: world.honestProof(batch: 0, index: 0), disputedTransaction: world.batches[0][0], rules: rules, atMs: 2)
        }
        try h.bisect(by: .challenger, midpointRoot: world.honest.batches[0].roots[1], atMs: 2)
        try h.bisect(by: .proposer, midpointRoot: world.honest.batches[0].roots[2], atMs: 3)
        try h.bisect(by: .challenger, midpointRoot: CommitmentWorld.lie(world.honest.batches[0].roots[2]), atMs: 4)
        XCTAssertEqual(h.phase, .oneStep(batch: 0, transaction: 1))
        assertRefused(&h) { try $0.bisect(by: .proposer, midpointRoot: root, atMs: 5) }
        let proof = world.honestProof(batch: 0, index: 1)
        let other = world.honestProof(batch: 0, index: 0)
        assertRefused(&h, .wrongTransaction) {
            try $0.resolve(with: other, disputedTransaction: world.batches[0][1], rules: rules, atMs: 5)
        }
        assertRefused(&h, .preRootMismatch(expected: h.agreedRoot, actual: other.preRoot)) {
            try $0.resolve(with: other, disputedTransaction: world.batches[0][0], rules: rules, atMs: 5)
        }
        var forged = proof.witnesses
        XCTAssertFalse(forged.isEmpty, "the disputed transaction should read witnesses")
        if !forged.isEmpty {
            forged[0] = AccountWitness(account: Account(balance: UInt256.max), proof: forged[0].proof)
            let bad = OneStepProof(transaction: proof.transaction, preRoot: proof.preRoot,
                                   claimedPostRoot: proof.claimedPostRoot, witnesses: forged)
            assertRefused(&h) { try $0.resolve(with: bad, disputedTransaction: world.batches[0][1], rules: rules, atMs: 5) }
        }
        XCTAssertEqual(try h.resolve(with: proof, disputedTransaction: world.batches[0][1], rules: rules, atMs: 5), .proposer)
        assertRefused(&h) { try $0.resolve(with: proof, disputedTransaction: world.batches[0][1], rules: rules, atMs: 6) }
    }

    func testStrictEncoding() throws {
        var g = try opened([5, 3, 8])
        try g.bisect(by: .proposer, midpointRoot: .zero, atMs: 600)
        let bytes = g.serialized
        XCTAssertEqual(try ChallengeGame(serialized: bytes), g)
        for n in 0 ..< bytes.count { XCTAssertThrowsError(try ChallengeGame(serialized: Array(bytes[..<n])), "length \(n)") }
        XCTAssertThrowsError(try ChallengeGame(serialized: bytes + [0]))
        let stageAt = 37 + 4 * 3  // version, clock, two clocks used, last move, batch count
        func mutated(_ offset: Int, _ value: UInt8) -> [UInt8] {
            var m = bytes
            m[offset] = value
            return m
        }
        XCTAssertThrowsError(try ChallengeGame(serialized: mutated(0, 1)))                  // version (1: before the chess clock)
        XCTAssertThrowsError(try ChallengeGame(serialized: mutated(33, 0xFF)))              // batch count ≫ bytes
        XCTAssertThrowsError(try ChallengeGame(serialized: mutated(stageAt, 9)))            // unknown stage
        XCTAssertThrowsError(try ChallengeGame(serialized: mutated(stageAt, 2)))            // one step over a wide range
        XCTAssertThrowsError(try ChallengeGame(serialized: mutated(stageAt, 3)))            // resolved without a winner
        XCTAssertThrowsError(try ChallengeGame(serialized: mutated(stageAt + 4, 1)))        // a batch while bisecting batches
        XCTAssertThrowsError(try ChallengeGame(serialized: mutated(stageAt + 12, 9)))       // hi beyond the batches
        XCTAssertThrowsError(try ChallengeGame(serialized: mutated(stageAt + 13 + 96, 2)))  // pending flag
        XCTAssertThrowsError(try ChallengeGame(serialized: mutated(bytes.count - 2, 1)))    // a winner while live
        var sameClaims = bytes
        sameClaims.replaceSubrange(stageAt + 13 + 64 ..< stageAt + 13 + 96, with: g.proposerRoot.bytes)
        XCTAssertThrowsError(try ChallengeGame(serialized: sameClaims))
    }

    func testOpenGameAgainstACommitment() throws {
        let c = L1Commitment(index: 4, firstBatch: 10, lastBatch: 12, prevRoot: .zero, newRoot: CommitmentWorld.lie(.zero),
                             dataRoot: .zero)
        XCTAssertThrowsError(try FraudProof.openGame(against: c, challengerRoot: .zero, transactionCounts: [1, 1],
                                                     clockMs: window, atMs: 0))
        var g = try FraudProof.openGame(against: c, challengerRoot: CommitmentWorld.lie(.zero, salt: 5),
                                        transactionCounts: [4, 1, 6], clockMs: window, atMs: 0)
        XCTAssertNil(FraudProof.disputedTransaction(of: g, in: c))
        // They disagree after batch 1 (mid of [0, 3]) → batch offset 0 (L2 batch 10), transactions [0, 4].
        try g.bisect(by: .proposer, midpointRoot: .zero, atMs: 1)
        try g.bisect(by: .challenger, midpointRoot: CommitmentWorld.lie(.zero, salt: 9), atMs: 2)
        XCTAssertEqual(g.phase, .transactions(batch: 0))
        try g.bisect(by: .proposer, midpointRoot: .zero, atMs: 3)
        try g.bisect(by: .challenger, midpointRoot: .zero, atMs: 4)
        try g.bisect(by: .proposer, midpointRoot: .zero, atMs: 5)
        try g.bisect(by: .challenger, midpointRoot: .zero, atMs: 6)
        XCTAssertEqual(g.phase, .oneStep(batch: 0, transaction: 3))
        XCTAssertEqual(FraudProof.disputedTransaction(of: g, in: c)?.batch, 10)
        XCTAssertEqual(FraudProof.disputedTransaction(of: g, in: c)?.index, 3)
    }
}
