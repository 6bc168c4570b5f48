/// The bisection game between a commitment's proposer and a challenger, as a pure, deterministic
/// state machine: the arbiter stores it (`serialized`) and feeds it the L1 calls with their block
/// time. See `FraudProof` for the protocol as a whole.
///
/// ## State
///
/// A range `[lo, hi]` of *steps* with `agreedRoot` the root both accept at `lo`, and two different
/// roots claimed at `hi`. Steps are batches of the commitment first (step k = after the first k
/// batches), then, once the range is one batch wide, the transactions of that batch (step k =
/// after its first k transactions): the batch's pre-root is the agreed root, its post-root the
/// disputed one, so the claims carry over unchanged. A batch with no transaction must leave the
/// root unchanged: the game ends at once, won by the side whose claim is the agreed root
/// (`Resolution.emptyBatch`; the proposer loses if neither is).
///
/// ## Moves
///
/// Rounds of two `bisect` moves over the midpoint `lo + (hi - lo) / 2`: the proposer posts its
/// root there, then the challenger posts its own. Equal roots: both agree at the midpoint, the
/// range becomes `[mid, hi]`; different: they disagree there, it becomes `[lo, mid]` with the two
/// midpoint roots as the new claims. Moves therefore alternate, challenger (opening) → proposer →
/// challenger → ..., and the honest side's roots are always the true ones.
///
/// When one transaction is left, the game waits for a `OneStepProof` of it (either side may send
/// it; the verifier decides, not the sender): the proposer wins iff the verified post-root is its
/// claim. The deadline of this phase is the proposer's: it defends the commitment.
///
/// ## Chess clock
///
/// Each side has a total time budget, `clockMs` (`fraud_proof_window`), for all its moves: while it
/// is a side's turn, its clock runs (L1 block time, supplied by the caller). Once a side's clock
/// is used up on its turn it has lost and the other may `claimTimeout`. A game therefore ends at
/// most `2 · clockMs` after it was opened, however many moves it takes and however slowly either
/// side plays (a fresh window per move would let a dishonest side stretch a deep game to
/// weeks). In the one-step phase the proposer's clock runs, whoever sends the proof.
public struct ChallengeGame: Sendable, Hashable {
    /// A side of the game.
    public enum Party: UInt8, Sendable, Hashable {
        case proposer = 1
        case challenger = 2

        /// The other side.
        public var opponent: Party { self == .proposer ? .challenger : .proposer }
    }

    /// A point of the commitment at which a root is claimed.
    public enum Location: Sendable, Hashable {
        /// After the first `count` batches of the commitment (0: its previous root).
        case afterBatches(Int)
        /// After the first `count` transactions of batch `batch` (0-based within the commitment).
        case afterTransactions(batch: Int, count: Int)
    }

    /// How a game ended.
    public enum Resolution: UInt8, Sendable, Hashable {
        /// A verified one-step proof decided it.
        case oneStepProof = 1
        /// The side whose turn it was let its window pass.
        case timeout = 2
        /// The disputed batch has no transaction, so its post-root is its pre-root.
        case emptyBatch = 3
        /// The commitment's data does not decode as its batches: a transition with no effect, so
        /// its post-root is its pre-root (decided at the opening).
        case undecodableData = 4
    }

    /// Where the game stands.
    public enum Phase: Sendable, Hashable {
        /// Bisecting over the commitment's batches.
        case batches
        /// Bisecting over the transactions of `batch`.
        case transactions(batch: Int)
        /// Waiting for the one-step proof of transaction `transaction` of batch `batch`.
        case oneStep(batch: Int, transaction: Int)
        /// Over.
        case resolved(winner: Party, by: Resolution)
    }

    enum Stage: UInt8 { case batches = 0, transactions = 1, oneStep = 2, resolved = 3 }

    /// Each side's total time budget for all its moves, in milliseconds.
    public let clockMs: UInt64
    /// Time the proposer's clock has run so far.
    public internal(set) var proposerUsedMs: UInt64
    /// Time the challenger's clock has run so far (its turns after the opening).
    public internal(set) var challengerUsedMs: UInt64
    /// Transactions in each batch of the commitment (from its data).
    public let transactionCounts: [Int]
    var stage: Stage
    /// The disputed batch (stages after `batches`).
    var batch: Int
    /// Start of the range of steps (batches, or transactions of `batch`): the agreed end.
    public internal(set) var lo: Int
    /// End of the range of steps: the disputed end.
    public internal(set) var hi: Int
    /// The root both sides accept at `lo`.
    public internal(set) var agreedRoot: Digest32
    /// The proposer's root at `hi`.
    public internal(set) var proposerRoot: Digest32
    /// The challenger's root at `hi` (never equal to `proposerRoot` while the game runs).
    public internal(set) var challengerRoot: Digest32
    /// The proposer's midpoint root of the current round, waiting for the challenger's.
    public internal(set) var pendingMidpointRoot: Digest32?
    /// L1 time of the last move (the opening counts as one): the side to move's clock runs from it.
    public internal(set) var lastMoveAtMs: UInt64
    var winner: Party?
    var resolution: Resolution?

    /// Opens a game against a commitment from `prevRoot` to `proposerRoot` over batches with
    /// `transactionCounts` transactions, the challenger claiming `challengerRoot` instead.
    public init(prevRoot: Digest32, proposerRoot: Digest32, challengerRoot: Digest32, transactionCounts: [Int],
                clockMs: UInt64, openedAtMs: UInt64) throws(FraudProofError) {
        guard !transactionCounts.isEmpty else { throw .invalidMove("a commitment has at least one batch") }
        guard transactionCounts.allSatisfy({ $0 >= 0 && $0 <= Int(UInt32.max) }) else {
            throw .invalidMove("transaction counts must fit in 32 bits")
        }
        guard transactionCounts.count <= Int(UInt32.max) else { throw .invalidMove("too many batches") }
        guard proposerRoot != challengerRoot else { throw .invalidMove("the challenger claims the committed root") }
        self.clockMs = clockMs
        proposerUsedMs = 0
        challengerUsedMs = 0
        self.transactionCounts = transactionCounts
        stage = .batches
        batch = 0
        lo = 0
        hi = transactionCounts.count
        agreedRoot = prevRoot
        self.proposerRoot = proposerRoot
        self.challengerRoot = challengerRoot
        pendingMidpointRoot = nil
        lastMoveAtMs = openedAtMs
        advance()
    }

    /// Where the game stands.
    public var phase: Phase {
        switch stage {
        case .batches: .batches
        case .transactions: .transactions(batch: batch)
        case .oneStep: .oneStep(batch: batch, transaction: lo)
        case .resolved: .resolved(winner: winner!, by: resolution!)
        }
    }

    /// The winner, once resolved.
    public var result: (winner: Party, by: Resolution)? {
        if case .resolved(let w, let r) = phase { (w, r) } else { nil }
    }

    /// Whose move it is (whose deadline runs); nil when resolved. In the one-step phase either side
    /// may send the proof, but the deadline is the proposer's.
    public var turn: Party? {
        switch stage {
        case .batches, .transactions: pendingMidpointRoot == nil ? .proposer : .challenger
        case .oneStep: .proposer
        case .resolved: nil
        }
    }

    /// The game against a commitment whose data does not decode: such data is a transition with
    /// no effect, so the game is decided at once, as for an empty batch: the proposer wins iff its
    /// root is `prevRoot`. No posted commitment is unchallengeable whatever its data.
    public static func undecodableData(prevRoot: Digest32, proposerRoot: Digest32, challengerRoot: Digest32,
                                       clockMs: UInt64, openedAtMs: UInt64) throws(FraudProofError) -> ChallengeGame {
        var game = try ChallengeGame(prevRoot: prevRoot, proposerRoot: proposerRoot, challengerRoot: challengerRoot,
                                     transactionCounts: [0], clockMs: clockMs, openedAtMs: openedAtMs)
        game.resolution = .undecodableData
        return game
    }

    /// Time left on `party`'s clock.
    public func remainingMs(of party: Party) -> UInt64 {
        let used = party == .proposer ? proposerUsedMs : challengerUsedMs
        return clockMs > used ? clockMs - used : 0
    }

    /// Last L1 time at which the side to move may still move: when its clock runs out.
    public var deadlineMs: UInt64 {
        guard let turn else { return lastMoveAtMs }
        let (sum, overflow) = lastMoveAtMs.addingReportingOverflow(remainingMs(of: turn))
        return overflow ? .max : sum
    }

    /// Stops the clock of the side to move at `atMs` (charging it the time since the last move).
    private mutating func chargeClock(_ atMs: UInt64) {
        guard let turn else { return }
        // Capped at the clock: past it the side has lost (only `claimTimeout` gets there).
        let elapsed = min(atMs - lastMoveAtMs, clockMs)
        switch turn {
        case .proposer: proposerUsedMs = min(clockMs, proposerUsedMs + elapsed)
        case .challenger: challengerUsedMs = min(clockMs, challengerUsedMs + elapsed)
        }
        lastMoveAtMs = atMs
    }

    /// Where the next `bisect` root is claimed; nil outside bisection.
    public var midpoint: Location? {
        let mid = lo + (hi - lo) / 2
        switch stage {
        case .batches: return .afterBatches(mid)
        case .transactions: return .afterTransactions(batch: batch, count: mid)
        case .oneStep, .resolved: return nil
        }
    }

    /// The transaction a one-step proof must prove (batch within the commitment, index within the
    /// batch); nil outside the one-step phase.
    public var disputedTransaction: (batch: Int, index: Int)? {
        stage == .oneStep ? (batch, lo) : nil
    }

    /// `party` posts its root at `midpoint`. Refused when it is not `party`'s turn, outside
    /// bisection, or late (then `party` has lost on time: see `claimTimeout`).
    public mutating func bisect(by party: Party, midpointRoot root: Digest32, atMs: UInt64) throws(FraudProofError) {
        guard stage == .batches || stage == .transactions else { throw .invalidMove("no bisection in this phase") }
        try checkTime(atMs)
        guard party == turn else { throw .invalidMove("it is the \(turn!)'s move") }
        chargeClock(atMs)
        guard let proposed = pendingMidpointRoot else {
            pendingMidpointRoot = root
            return
        }
        pendingMidpointRoot = nil
        let mid = lo + (hi - lo) / 2
        if proposed == root {
            lo = mid
            agreedRoot = root
        } else {
            hi = mid
            proposerRoot = proposed
            challengerRoot = root
        }
        advance()
    }

    /// Ends the game with `proof` of the disputed transaction. The arbiter supplies
    /// `disputedTransaction`: the transaction at `self.disputedTransaction` in the committed data
    /// (the arbiter's check of the proof's inclusion path against the data root).
    /// Checks that the proof is about that transaction, starts at the agreed root and verifies
    /// (`OneStepVerifier` with `rules`); then the proposer wins iff the computed post-root is its
    /// claim. Returns the winner. Any failure throws and leaves the game unchanged.
    @discardableResult
    public mutating func resolve(with proof: OneStepProof, disputedTransaction: SignedTransfer,
                                 rules: TransitionRules, deposits: DepositLedger = .none,
                                 atMs: UInt64) throws(FraudProofError) -> Party {
        guard stage == .oneStep else { throw .invalidMove("no one-step proof expected in this phase") }
        try checkTime(atMs)
        guard proof.transaction == disputedTransaction else { throw .wrongTransaction }
        guard proof.preRoot == agreedRoot else { throw .preRootMismatch(expected: agreedRoot, actual: proof.preRoot) }
        let result = try OneStepVerifier(rules: rules, deposits: deposits).verify(proof)
        chargeClock(atMs)
        return finish(result.postRoot == proposerRoot ? .proposer : .challenger, by: .oneStepProof)
    }

    /// `party` claims the game because the side to move let its deadline pass (`atMs` >
    /// `deadlineMs`). Returns the winner, `party`.
    @discardableResult
    public mutating func claimTimeout(by party: Party, atMs: UInt64) throws(FraudProofError) -> Party {
        guard let turn else { throw .invalidMove("the game is over") }
        guard atMs >= lastMoveAtMs else { throw .clockWentBack(lastMoveAtMs: lastMoveAtMs, atMs: atMs) }
        guard atMs > deadlineMs else { throw .invalidMove("the \(turn)'s deadline \(deadlineMs) ms has not passed") }
        guard party == turn.opponent else { throw .invalidMove("the \(party) is the side that ran out of time") }
        chargeClock(atMs)
        return finish(party, by: .timeout)
    }

    private func checkTime(_ atMs: UInt64) throws(FraudProofError) {
        guard atMs >= lastMoveAtMs else { throw .clockWentBack(lastMoveAtMs: lastMoveAtMs, atMs: atMs) }
        guard atMs <= deadlineMs else { throw .moveTooLate(deadlineMs: deadlineMs, atMs: atMs) }
    }

    private mutating func finish(_ party: Party, by how: Resolution) -> Party {
        stage = .resolved
        winner = party
        resolution = how
        pendingMidpointRoot = nil
        return party
    }

    /// Moves past steps that need no move: a one-batch range opens the batch's transactions, a
    /// one-transaction range waits for the one-step proof, an empty batch is decided at once.
    private mutating func advance() {
        if stage == .batches && hi - lo == 1 {
            stage = .transactions
            batch = lo
            lo = 0
            hi = transactionCounts[batch]
        }
        if stage == .transactions {
            if hi == lo {
                _ = finish(proposerRoot == agreedRoot ? .proposer : .challenger, by: .emptyBatch)
            } else if hi - lo == 1 {
                stage = .oneStep
            }
        }
    }
}
