/// Everything the arbiter remembers: a pure value, so a chain follower can keep a copy per block
/// and go back to one after a reorg.
public struct L1ArbiterState: Sendable, Hashable {
    /// A commitment as posted, with who posted it, its bond and the block that included it.
    public struct PostedCommitment: Sendable, Hashable {
        public let commitment: L1Commitment
        /// The sender of the posting transaction.
        public let proposer: L1Address
        /// Locked with the commitment (what a lost challenge would slash).
        public let bond: UInt256
        /// The block that included it.
        public let block: L1BlockHeader
        /// Set when a lost challenge game reverted it (and every later one). Not yet reachable:
        /// the games are not wired.
        public internal(set) var reverted: Bool
    }

    /// A registered validator's stake.
    public struct Validator: Sendable, Hashable {
        /// Active stake (what a lost challenge would slash).
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
    /// The id the next deposit gets (0, 1, 2, ...).
    public internal(set) var nextDepositID: UInt64
    /// The sum of all deposits (locked on L1; withdrawal claims, not implemented yet, release it).
    public internal(set) var lockedDeposits: UInt256

    /// Before the first transaction.
    public static let initial = L1ArbiterState(commitments: [], validators: [:], nextDepositID: 0,
                                               lockedDeposits: .zero)

    /// The newest commitment not reverted: the one the next must chain to.
    public var latestValidCommitment: PostedCommitment? { commitments.last { !$0.reverted } }
}
