/// Everything the arbiter remembers: a pure value, so a chain follower can keep a copy per block
/// and go back to one after a reorg.
public struct L1ArbiterState: Sendable, Hashable {
    /// A commitment as posted, with who posted it, its bond, its data and the block that included it.
    public struct PostedCommitment: Sendable, Hashable {
        public let commitment: L1Commitment
        /// The sender of the posting transaction (the proposer side of games against it).
        public let proposer: L1Address
        /// Locked with the commitment (what a lost challenge game slashes).
        public let bond: UInt256
        /// The compressed batch data (`BatchData`), kept as an L1 keeps calldata: games read the
        /// per-batch transaction counts and the disputed transaction from it.
        public let data: [UInt8]
        /// The block that included it (its timestamp starts the challenge period).
        public let block: L1BlockHeader
        /// Set when a challenger won a game against it or an earlier commitment.
        public internal(set) var reverted: Bool
    }

    /// A registered validator's stake.
    public struct Validator: Sendable, Hashable {
        /// Active stake (what opening a challenge requires; a lost challenge may slash part of it).
        public internal(set) var stake: UInt256
        /// Requested for withdrawal, locked until `unlockAtMs`.
        public internal(set) var unstaking: UInt256
        /// L1 time from which `unstaking` can be withdrawn (0 when nothing is unstaking).
        public internal(set) var unlockAtMs: UInt64
    }

    /// Every commitment ever posted, by index (reverted ones keep their place and index).
    public internal(set) var commitments: [PostedCommitment]
    /// Registered validators (removed once nothing is staked or unstaking).
    public internal(set) var validators: [L1Address: Validator]
    /// Every deposit, by id (index == id): what a bridge transfer on L2 must match
    /// (`DepositLedger`), and what the engine's `DepositWatcher` credits.
    public internal(set) var deposits: [L1Deposit]
    /// The sum of all deposits still locked on L1 (withdrawal claims release it).
    public internal(set) var lockedDeposits: UInt256
    /// Every challenge game ever opened; a game's id is its index.
    public internal(set) var games: [L1Game]
    /// The sum of every slashed amount not paid to a winner.
    public internal(set) var burned: UInt256
    /// Per L1 recipient, the total withdrawn so far (claims pay the exit balance minus this).
    public internal(set) var withdrawn: [L1Address: UInt256]

    /// Before the first transaction.
    public static let initial = L1ArbiterState(commitments: [], validators: [:], deposits: [],
                                               lockedDeposits: .zero, games: [], burned: .zero, withdrawn: [:])

    /// The newest commitment not reverted: the one the next must chain to.
    public var latestValidCommitment: PostedCommitment? { commitments.last { !$0.reverted } }

    /// The id the next deposit gets (0, 1, 2, ...).
    public var nextDepositID: UInt64 { UInt64(deposits.count) }

    /// The deposits as the one-step verifier consults them.
    public var depositLedger: DepositLedger { DepositLedger(deposits) }

    /// The id the next game gets.
    public var nextGameID: UInt64 { UInt64(games.count) }

    /// The game with id `id`, if opened.
    public func game(_ id: UInt64) -> L1Game? { id < UInt64(games.count) ? games[Int(id)] : nil }

    /// Games against commitment `index` still being played.
    public func openGames(against index: UInt64) -> [L1Game] {
        games.filter { $0.commitmentIndex == index && $0.isOpen }
    }

    /// True when commitment `index` is final at L1 time `nowMs`: posted, not reverted, its
    /// challenge period over (`nowMs ≥ block time + period`, when no new challenge is accepted)
    /// and no game against it open. What withdrawal claims check.
    public func isFinal(_ index: UInt64, atMs nowMs: UInt64, challengePeriodMs: UInt64) -> Bool {
        guard index < UInt64(commitments.count) else { return false }
        let posted = commitments[Int(index)]
        let (end, overflow) = posted.block.timestampMs.addingReportingOverflow(challengePeriodMs)
        return !posted.reverted && !overflow && nowMs >= end && openGames(against: index).isEmpty
    }
}
