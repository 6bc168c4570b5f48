/// One side of a challenge game, as a pure decision: given the game as the arbiter holds it and the
/// L1 time, the move to send next, if any. The validator (as challenger) and the engine's
/// `ProposerDefense` (as proposer) both play with it; neither needs any other game logic.
///
/// The player answers from its own `trace` of the disputed commitment (the roots it claims at
/// every location) and proves from `preState`, the state at the commitment's previous root, and
/// the commitment's transactions. An honest player's trace is the re-execution of those
/// transactions on `preState`; a trace that lies (tests, a dishonest challenger) makes it post its
/// lies, while the one-step proof it could build is always the honest one — so it only sends a
/// proof that wins for its side, and otherwise waits for the other side's proof or timeout.
///
/// Decisions, in order:
/// - game over: nothing;
/// - the side to move let its deadline pass: `claimTimeout` if that side is the opponent,
///   nothing if it is us (we lost on time);
/// - bisection and our turn: `bisect` with our root at the midpoint;
/// - one-step phase: the proof of the disputed transaction if it starts at the agreed root and its
///   post-root decides for our side (the proposer wins iff it equals the proposer's claim).
public struct GamePlayer: Sendable {
    /// A move, before it is addressed to a game (`call(game:)`).
    public enum Move: Sendable, Hashable {
        case bisect(Digest32)
        case proveOneStep(OneStepProof)
        case claimTimeout

        /// The L1 call that makes this move in game `id`; a bisection carries `moveBond`.
        public func call(game id: UInt64, moveBond: UInt256 = .zero) -> L1Transaction.Call {
            switch self {
            case .bisect(let root): .bisect(game: id, midpointRoot: root, bond: moveBond)
            case .proveOneStep(let proof): .proveOneStep(game: id, proof: proof.serialized)
            case .claimTimeout: .claimTimeout(game: id)
            }
        }
    }

    /// The side we play.
    public let party: ChallengeGame.Party
    /// The roots we claim (honest or not).
    public let trace: CommitmentTrace
    /// The commitment's batches (each its transfers, then its shielded lane).
    public let batches: [BatchData.Batch]
    /// The state at the commitment's previous root.
    public let preState: RollupState
    /// The chain's transition rules (the arbiter's).
    public let rules: TransitionRules
    /// The L1's deposits the commitment's deposit transactions refer to (as the arbiter holds them).
    public let deposits: DepositLedger

    /// A player of a transfer-only commitment over the accounts alone (an empty pool).
    public init(party: ChallengeGame.Party, trace: CommitmentTrace, batches: [[SignedTransfer]], preState: SparseMerkleTree,
                rules: TransitionRules, deposits: DepositLedger = .none) {
        self.init(party: party, trace: trace, batches: batches.map { BatchData.Batch(number: 0, transfers: $0) },
                  preState: RollupState(accounts: preState, windowCapacity: rules.shieldedRootWindow), rules: rules,
                  deposits: deposits)
    }

    /// The honest player of a transfer-only commitment over the accounts alone.
    public init(party: ChallengeGame.Party, batches: [[SignedTransfer]], preState: SparseMerkleTree, rules: TransitionRules,
                deposits: DepositLedger = .none) {
        self.init(party: party, batches: batches.map { BatchData.Batch(number: 0, transfers: $0) },
                  preState: RollupState(accounts: preState, windowCapacity: rules.shieldedRootWindow), rules: rules,
                  deposits: deposits)
    }

    /// A player claiming `trace`'s roots (which may lie) and proving from `preState`.
    public init(party: ChallengeGame.Party, trace: CommitmentTrace, batches: [BatchData.Batch], preState: RollupState,
                rules: TransitionRules, deposits: DepositLedger = .none) {
        precondition(trace.batches.count == batches.count, "a trace and its batches must have as many batches")
        self.party = party
        self.trace = trace
        self.batches = batches
        self.preState = preState
        self.rules = rules
        self.deposits = deposits
    }

    /// The honest player: its trace is `batches` re-executed on `preState`.
    public init(party: ChallengeGame.Party, batches: [BatchData.Batch], preState: RollupState, rules: TransitionRules,
                deposits: DepositLedger = .none) {
        var state = preState
        let trace = CommitmentTrace.execute(batches, on: &state, rules: rules, deposits: deposits)
        self.init(party: party, trace: trace, batches: batches, preState: preState, rules: rules, deposits: deposits)
    }

    /// The move to send in `game` at L1 time `nowMs` (the head's timestamp), nil when there is
    /// nothing to do (the other side's turn, the game over, or a proof that would not help us).
    public func nextMove(in game: ChallengeGame, atMs nowMs: UInt64) -> Move? {
        guard let turn = game.turn else { return nil }
        if nowMs > game.deadlineMs { return turn == party.opponent ? .claimTimeout : nil }
        switch game.phase {
        case .batches, .transactions:
            guard turn == party, let location = game.midpoint else { return nil }
            return .bisect(trace.root(at: location))
        case .oneStep(let batch, let index):
            guard let proof = proof(batch: batch, index: index), proof.preRoot == game.agreedRoot else { return nil }
            let proposerWins = proof.claimedPostRoot == game.proposerRoot
            return (party == .proposer) == proposerWins ? .proveOneStep(proof) : nil
        case .resolved:
            return nil
        }
    }

    /// The L1 call to send for game `record` at L1 time `nowMs`, nil when none (see `nextMove`).
    public func nextCall(for record: L1Game, atMs nowMs: UInt64) -> L1Transaction.Call? {
        guard record.isOpen else { return nil }
        return nextMove(in: record.game, atMs: nowMs)?.call(game: record.id, moveBond: record.nextMoveBond)
    }

    /// The honest one-step proof of transaction `index` of batch `batch` (0-based in the
    /// commitment), from the state before that batch, with its inclusion proof in the
    /// commitment's data tree; nil if there is no such transaction, or it is a shielded one (its
    /// one-step proof does not exist yet: such a game is decided by the clocks).
    func proof(batch: Int, index: Int) -> OneStepProof? {
        guard batches.indices.contains(batch), batches[batch].transfers.indices.contains(index) else { return nil }
        var state = preState
        for earlier in batches[..<batch] { _ = BatchTrace.execute(earlier, on: &state, rules: rules, deposits: deposits) }
        // Positions count every earlier batch's lane: the data tree over the whole batches.
        let inclusion = BatchDataTree(batches).inclusionProof(batch: batch, index: index)
        return BatchTrace.oneStepProof(of: batches[batch], index: index, from: state, rules: rules, deposits: deposits,
                                       inclusion: inclusion)
    }
}
