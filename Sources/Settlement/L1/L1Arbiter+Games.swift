/// The challenge-game calls of the arbiter: opening a game against a commitment, the bisection
/// moves, the one-step proof, the timeout claim, and what a resolution does (slashing, reverting
/// commitments, voiding the games they end). Every check happens before any mutation, and every
/// `FraudProofError` of the game becomes the call's revert reason with the game unchanged.
extension L1Arbiter {
    // MARK: - Calls

    /// A staked validator challenges commitment `index`, claiming `claimedRoot` as its new root.
    mutating func openChallenge(_ index: UInt64, claimedRoot: Digest32, bond: UInt256, by sender: L1Address,
                                at now: UInt64) -> Result<[L1Event], Revert> {
        guard let validator = state.validators[sender] else { return .failure(Revert("\(sender) is not a validator")) }
        // Each open game locks `minimumStake`: one stake cannot open unlimited games.
        let locked = lockedStake(of: sender)
        guard let free = validator.stake.checkedSub(locked), free >= config.minimumStake else {
            return .failure(Revert("active stake \(validator.stake) less the \(locked) locked by open games is below the minimum \(config.minimumStake) a game locks"))
        }
        guard bond >= config.minimumChallengeBond else {
            return .failure(Revert("challenge bond \(bond) below the minimum \(config.minimumChallengeBond)"))
        }
        guard index < UInt64(state.commitments.count) else { return .failure(Revert("no commitment \(index)")) }
        let posted = state.commitments[Int(index)]
        guard !posted.reverted else { return .failure(Revert("commitment \(index) is reverted")) }
        guard posted.proposer != sender else { return .failure(Revert("a proposer cannot challenge its own commitment")) }
        let (end, overflow) = posted.block.timestampMs.addingReportingOverflow(config.challengePeriodMs)
        guard overflow || now < end else {
            return .failure(Revert("commitment \(index)'s challenge period ended at \(end) (L1 time), now \(now)"))
        }
        guard claimedRoot != posted.commitment.newRoot else {
            return .failure(Revert("the claimed root is the committed root"))
        }
        let played = state.games.reduce(0) { $0 + ($1.commitmentIndex == index && $1.challenger == sender && !$1.voided ? 1 : 0) }
        guard played < Int(config.maxGamesPerChallenger) else {
            return .failure(Revert("\(sender) already played \(played) game(s) against commitment \(index), the most allowed"))
        }
        let game: ChallengeGame
        do {
            if let counts = transactionCounts(of: posted) {
                game = try FraudProof.openGame(against: posted.commitment, challengerRoot: claimedRoot, transactionCounts: counts,
                                               clockMs: config.clockMs, atMs: now)
            } else {
                // Data that does not read as the commitment's batches is a transition with no
                // effect (posting refuses it; this is defence in depth): decided at once.
                game = try ChallengeGame.undecodableData(prevRoot: posted.commitment.prevRoot, proposerRoot: posted.commitment.newRoot,
                                                         challengerRoot: claimedRoot, clockMs: config.clockMs, openedAtMs: now)
            }
        } catch {
            return .failure(Revert(error.description))
        }
        let record = L1Game(id: state.nextGameID, commitmentIndex: index, challenger: sender, proposer: posted.proposer,
                            challengerBond: bond, game: game, voided: false, nextMoveBond: config.moveBond(afterMoves: 0))
        state.games.append(record)
        // A single empty batch is decided at once (its post-root must be its pre-root).
        return .success([.challengeOpened(game: record.id, commitment: index, challenger: sender, proposer: posted.proposer)]
                        + settleIfResolved(record.id))
    }

    /// A bisection move by the party whose turn it is, with its move bond (at least the game's
    /// `nextMoveBond`; the schedule grows with the game's depth).
    mutating func bisect(_ id: UInt64, midpointRoot: Digest32, bond: UInt256, by sender: L1Address,
                         at now: UInt64) -> Result<[L1Event], Revert> {
        let config = config
        return move(id, by: sender) { (record: inout L1Game, party: ChallengeGame.Party) throws(FraudProofError) in
            guard bond >= record.nextMoveBond else {
                throw .invalidMove("move bond \(bond) below the \(record.nextMoveBond) required after \(record.moves) move(s)")
            }
            try record.game.bisect(by: party, midpointRoot: midpointRoot, atMs: now)
            switch party {
            case .proposer: record.proposerMoveBonds = record.proposerMoveBonds.checkedAdd(bond) ?? .max
            case .challenger: record.challengerMoveBonds = record.challengerMoveBonds.checkedAdd(bond) ?? .max
            }
            record.moves += 1
            record.nextMoveBond = config.moveBond(afterMoves: record.moves)
        }
    }

    /// The one-step proof of the disputed transaction, by either party (the verifier decides, not
    /// the sender). The proof carries the transaction with its inclusion proof, checked against
    /// the commitment's data root (`disputedTransaction(of:batch:index:in:chainId:)`); the
    /// arbiter does not read the data.
    mutating func proveOneStep(_ id: UInt64, proof bytes: [UInt8], by sender: L1Address, at now: UInt64) -> Result<[L1Event], Revert> {
        let rules = config.rules
        let commitments = state.commitments
        // A deposit transaction is judged against the inbox the commitment consumed at posting,
        // never the deposits made since.
        let state = state
        return move(id, by: sender) { (record: inout L1Game, _: ChallengeGame.Party) throws(FraudProofError) in
            let posted = commitments[Int(record.commitmentIndex)]
            let deposits = state.depositLedger(for: record.commitmentIndex)
            guard let (batch, index) = record.game.disputedTransaction else {
                throw .invalidMove("no one-step proof expected in this phase")
            }
            let proof = try OneStepProof(serialized: bytes)
            let transaction = try Self.disputedTransaction(of: proof, batch: batch, index: index, in: posted, domain: rules.domain)
            try record.game.resolve(with: proof, disputedTransaction: transaction, rules: rules, deposits: deposits, atMs: now)
        }
    }

    /// The side not to move claims the game once the side to move let its deadline pass.
    mutating func claimTimeout(_ id: UInt64, by sender: L1Address, at now: UInt64) -> Result<[L1Event], Revert> {
        move(id, by: sender, emitsMove: false) { (record: inout L1Game, party: ChallengeGame.Party) throws(FraudProofError) in
            try record.game.claimTimeout(by: party, atMs: now)
        }
    }

    /// Applies `body` to a copy of open game `id` as `sender`'s side; stores it only if `body`
    /// succeeds (a `FraudProofError` is the revert reason), then settles a resolution.
    private mutating func move(_ id: UInt64, by sender: L1Address, emitsMove: Bool = true,
                               _ body: (inout L1Game, ChallengeGame.Party) throws(FraudProofError) -> Void)
        -> Result<[L1Event], Revert> {
        guard var record = state.game(id) else { return .failure(Revert("no game \(id)")) }
        guard !record.voided else { return .failure(Revert("game \(id) was voided")) }
        guard record.isOpen else { return .failure(Revert("game \(id) is over")) }
        guard let party = record.party(of: sender) else { return .failure(Revert("\(sender) is not a party of game \(id)")) }
        do { try body(&record, party) } catch { return .failure(Revert(error.description)) }
        state.games[Int(id)] = record
        return .success((emitsMove ? [.moved(game: id, by: sender)] : []) + settleIfResolved(id))
    }

    /// The steps of each of `posted`'s batches (recorded at posting): its transfers, then its
    /// shielded lane, as the parties' traces execute them; nil when its data does not read as
    /// exactly its batches for this chain (posting refuses such data).
    private func transactionCounts(of posted: L1ArbiterState.PostedCommitment) -> [Int]? {
        guard let counts = posted.transactionCounts,
              UInt64(counts.count) == posted.commitment.lastBatch - posted.commitment.firstBatch + 1 else { return nil }
        let lanes = posted.shieldedCounts ?? []
        return counts.enumerated().map { $0.element + (lanes.indices.contains($0.offset) ? lanes[$0.offset] : 0) }
    }

    // MARK: - Resolution

    /// If game `id` has a winner: the loser always forfeits (a challenger its bond and
    /// `challengerStakeSlashPercent` of its stake, a proposer its commitment's bond; either its
    /// move bonds), the winner is paid `slashRewardPercent` of that (the rest burned, so colluding
    /// sides cannot recycle it) and gets its own move bonds back, and its bond if it is the
    /// challenger. When the proposer lost, its
    /// commitment and every later one are reverted and the games against them voided. Returns
    /// the events; none while the game runs.
    private mutating func settleIfResolved(_ id: UInt64) -> [L1Event] {
        let record = state.games[Int(id)]
        guard let (winner, _) = record.game.result else { return [] }
        let slashed: UInt256
        switch winner.opponent {
        case .challenger:
            let fromStake = slashStake(of: record.challenger)
            slashed = record.challengerBond.checkedAdd(fromStake) ?? .max
        case .proposer:
            slashed = state.commitments[Int(record.commitmentIndex)].bond
        }
        let forfeited = slashed.checkedAdd(record.moveBonds(of: winner.opponent)) ?? .max
        let toWinner = Self.percent(config.slashRewardPercent, of: forfeited)
        state.burned = state.burned.checkedAdd(forfeited - toWinner) ?? .max
        pay(record.address(of: winner), toWinner)
        pay(record.address(of: winner), record.moveBonds(of: winner))
        if winner == .challenger { pay(record.challenger, record.challengerBond) }
        var events: [L1Event] = [.gameResolved(game: id, winner: record.address(of: winner),
                                               loser: record.address(of: winner.opponent), slashed: forfeited, toWinner: toWinner)]
        if winner == .challenger { events += revertCommitments(from: record.commitmentIndex) }
        return events
    }

    /// Takes `challengerStakeSlashPercent` of `who`'s stake (active and unstaking), active first;
    /// returns the amount taken.
    private mutating func slashStake(of who: L1Address) -> UInt256 {
        guard config.challengerStakeSlashPercent > 0, var v = state.validators[who] else { return .zero }
        let total = v.stake.checkedAdd(v.unstaking) ?? .max
        let amount = Self.percent(config.challengerStakeSlashPercent, of: total)
        let fromActive = min(amount, v.stake)
        v.stake = v.stake - fromActive
        v.unstaking = v.unstaking - min(amount - fromActive, v.unstaking)
        if v.unstaking.isZero { v.unlockAtMs = 0 }
        state.validators[who] = v.stake.isZero && v.unstaking.isZero ? nil : v
        return amount
    }

    /// Records `amount` paid to `who` out of the arbiter (a returned bond, a winner's share).
    private mutating func pay(_ who: L1Address, _ amount: UInt256) {
        guard !amount.isZero else { return }
        state.paid[who] = (state.paid[who] ?? .zero).checkedAdd(amount) ?? .max
    }

    /// Marks commitment `index` and every later one reverted and voids the open games against
    /// them (their challengers get their bonds back, both sides their move bonds; stake is
    /// unlocked).
    private mutating func revertCommitments(from index: UInt64) -> [L1Event] {
        for i in Int(index) ..< state.commitments.count { state.commitments[i].reverted = true }
        var events: [L1Event] = [.commitmentsReverted(fromIndex: index)]
        for i in state.games.indices where state.games[i].isOpen && state.games[i].commitmentIndex >= index {
            state.games[i].voided = true
            pay(state.games[i].challenger, state.games[i].challengerBond)
            pay(state.games[i].challenger, state.games[i].challengerMoveBonds)
            pay(state.games[i].proposer, state.games[i].proposerMoveBonds)
            events.append(.gameVoided(game: state.games[i].id, commitment: state.games[i].commitmentIndex))
        }
        return events
    }

    /// ⌊amount · p / 100⌋ without overflow: how every share of a forfeit is computed.
    public static func percent(_ p: UInt8, of amount: UInt256) -> UInt256 {
        let (q, r) = amount.quotientAndRemainder(dividingBy: 100)
        return (q.checkedMul(UInt64(p)) ?? .max) + UInt256(r * UInt64(p) / 100)
    }
}
