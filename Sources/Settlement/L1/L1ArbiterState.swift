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
        /// The compressed batch data (`BatchData`), kept as an L1 keeps the calldata of its history:
        /// validators read it. The arbiter's rules never read it after posting: a game works from
        /// `commitment.dataRoot` and `transactionCounts`, and a one-step proof brings the disputed
        /// transaction with its inclusion proof.
        public let data: [UInt8]
        /// Transactions per batch, read from the data at posting (what a game bisects over and
        /// what fixes the data tree's layout). nil only for data that does not read as the
        /// commitment's batches, which posting refuses: a game against such a commitment is
        /// decided at opening (`ChallengeGame.undecodableData`).
        public let transactionCounts: [Int]?
        /// Shielded lane transactions per batch, read from the data at posting (they follow each
        /// batch's transfers in the data tree, so they fix the later transfers' positions and,
        /// when any is non-zero, the data root's form). nil exactly when `transactionCounts` is.
        public let shieldedCounts: [Int]?
        /// The block that included it (its timestamp starts the challenge period): its L1 origin.
        public let block: L1BlockHeader
        /// The L1 inbox it consumed: the deposits included in blocks before `block` (ids
        /// `0 ..< inboxDeposits`). Its bridge transfers are judged against these only, so a deposit
        /// made after posting can never make a credit in it valid (`depositLedger(for:)`).
        public let inboxDeposits: UInt64
        /// Likewise the inbox items included in blocks before `block` (ids `0 ..< inboxItems`):
        /// what its inbox markers are judged against.
        public let inboxItems: UInt64
        /// Deposits consumed by the end of this commitment (ids `0 ..< depositsConsumed`), as the
        /// arbiter read them from its data at posting (`L1Arbiter+Inbox`): the bridge nonce its
        /// honest post-state holds. The inclusion deadline is checked against it.
        public let depositsConsumed: UInt64
        /// Inbox items consumed by the end of this commitment, read likewise: the inbox nonce of
        /// its honest post-state.
        public let inboxConsumed: UInt64
        /// Set when a challenger won a game against it or an earlier commitment.
        public internal(set) var reverted: Bool

        /// `shieldedCounts` nil (the default) reads them from `data` (the same strict parser as at
        /// posting, count-only) when `transactionCounts` is set.
        init(commitment: L1Commitment, proposer: L1Address, bond: UInt256, data: [UInt8], transactionCounts: [Int]?,
             shieldedCounts: [Int]? = nil, block: L1BlockHeader,
             inboxDeposits: UInt64, inboxItems: UInt64 = 0, depositsConsumed: UInt64 = 0, inboxConsumed: UInt64 = 0,
             reverted: Bool) {
            self.commitment = commitment
            self.proposer = proposer
            self.bond = bond
            self.data = data
            self.transactionCounts = transactionCounts
            self.shieldedCounts = transactionCounts == nil ? nil
                : shieldedCounts ?? (try? BatchData.outline(data))?.batches.map(\.shielded) ?? transactionCounts?.map { _ in 0 }
            self.block = block
            self.inboxDeposits = inboxDeposits
            self.inboxItems = inboxItems
            self.depositsConsumed = depositsConsumed
            self.inboxConsumed = inboxConsumed
            self.reverted = reverted
        }
    }

    /// A registered validator's stake.
    public struct Validator: Sendable, Hashable {
        /// Active stake (what opening a challenge requires; a lost challenge may slash part of it;
        /// `minimumStake` of it is locked per open game, see `L1Arbiter.lockedStake(of:)`).
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
    /// The sum of every deposit ever made.
    public internal(set) var totalDeposited: UInt256
    /// The sum of every withdrawal paid. Never above `totalDeposited` + the genesis backing.
    public internal(set) var totalWithdrawn: UInt256
    /// Per L1 address, what the arbiter paid out of games: bonds returned (a won or voided game)
    /// and the winner's share of the loser's bond.
    public internal(set) var paid: [L1Address: UInt256]
    /// Every challenge game ever opened; a game's id is its index.
    public internal(set) var games: [L1Game]
    /// The sum of every slashed amount not paid to a winner.
    public internal(set) var burned: UInt256
    /// Per L1 recipient, the total withdrawn so far (claims pay the exit balance minus this).
    public internal(set) var withdrawn: [L1Address: UInt256]
    /// L1 time of each deposit's block, by deposit id (the inclusion deadline runs from it).
    public internal(set) var depositTimesMs: [UInt64] = []
    /// Every forced transfer submitted to the inbox, by id (index == id).
    public internal(set) var inbox: [L1InboxItem] = []
    /// L1 time of the first transaction the arbiter accepted (its deployment, for the simulator):
    /// with no commitment yet, the permissionless-proposing timeout runs from it.
    public internal(set) var firstActivityMs: UInt64?

    /// Before the first transaction.
    public static let initial = L1ArbiterState(commitments: [], validators: [:], deposits: [],
                                               totalDeposited: .zero, totalWithdrawn: .zero, paid: [:], games: [],
                                               burned: .zero, withdrawn: [:])

    /// What the bridge holds for withdrawals: every deposit plus `genesisBacking`, less what was
    /// withdrawn.
    public func bridgeBalance(genesisBacking: UInt256) -> UInt256 {
        let held = totalDeposited.checkedAdd(genesisBacking) ?? .max
        return held.checkedSub(totalWithdrawn) ?? .zero
    }

    /// The newest commitment not reverted: the one the next must chain to.
    public var latestValidCommitment: PostedCommitment? { commitments.last { !$0.reverted } }

    /// The id the next deposit gets (0, 1, 2, ...).
    public var nextDepositID: UInt64 { UInt64(deposits.count) }

    /// Every deposit and inbox item held (at the head).
    public var depositLedger: DepositLedger { DepositLedger(deposits, inbox: inbox) }

    /// The id the next inbox item gets (0, 1, 2, ...).
    public var nextInboxID: UInt64 { UInt64(inbox.count) }

    /// The deposits commitment `index` consumed (its inbox at posting): what its one-step proofs
    /// are judged against.
    public func depositLedger(for index: UInt64) -> DepositLedger {
        guard index < UInt64(commitments.count) else { return .none }
        let posted = commitments[Int(index)]
        return DepositLedger(deposits.prefix(Int(posted.inboxDeposits)), inbox: inbox.prefix(Int(posted.inboxItems)))
    }

    /// The id the next game gets.
    public var nextGameID: UInt64 { UInt64(games.count) }

    /// The game with id `id`, if opened.
    public func game(_ id: UInt64) -> L1Game? { id < UInt64(games.count) ? games[Int(id)] : nil }

    /// Games against commitment `index` still being played.
    public func openGames(against index: UInt64) -> [L1Game] {
        games.filter { $0.commitmentIndex == index && $0.isOpen }
    }

    /// Open games by `challenger` (each locks `minimumStake` of its stake).
    public func openGameCount(of challenger: L1Address) -> Int {
        games.reduce(0) { $0 + ($1.isOpen && $1.challenger == challenger ? 1 : 0) }
    }

    /// True when commitment `index` is final at L1 time `nowMs`: posted, not reverted, and for it
    /// and **every earlier commitment not reverted**, the challenge period over (`nowMs ≥ block
    /// time + period`, when no new challenge is accepted) and no game open. Prefix-closed: a
    /// commitment built on a disputed one is not final while the dispute runs (a lost game would
    /// revert it too). What withdrawal claims check, and what the engine reports as FINALIZED.
    public func isFinal(_ index: UInt64, atMs nowMs: UInt64, challengePeriodMs: UInt64) -> Bool {
        guard index < UInt64(commitments.count), !commitments[Int(index)].reverted else { return false }
        var disputed = Set<UInt64>()
        for g in games where g.isOpen && g.commitmentIndex <= index { disputed.insert(g.commitmentIndex) }
        guard disputed.isEmpty else { return false }
        for posted in commitments[...Int(index)] where !posted.reverted {
            let (end, overflow) = posted.block.timestampMs.addingReportingOverflow(challengePeriodMs)
            if overflow || nowMs < end { return false }
        }
        return true
    }

    /// The newest final commitment at L1 time `nowMs`, nil when none is. Finality is
    /// prefix-closed, so every earlier commitment that is not reverted is final too.
    public func newestFinal(atMs nowMs: UInt64, challengePeriodMs: UInt64) -> UInt64? {
        for index in commitments.indices.reversed() where !commitments[index].reverted {
            if isFinal(UInt64(index), atMs: nowMs, challengePeriodMs: challengePeriodMs) { return UInt64(index) }
        }
        return nil
    }
}
