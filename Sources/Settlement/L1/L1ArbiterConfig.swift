/// The rules of the arbiter (the part of the rollup an L1 contract would enforce): constructor
/// arguments of the contract, fixed for the chain's life. Every party replaying the same L1 chain
/// must use the same configuration; `fingerprint` lets a shared simulator refuse a replica
/// configured differently.
public struct L1ArbiterConfig: Sendable, Hashable {
    /// The L2 genesis state root: the first commitment's `prevRoot` must equal it. nil accepts
    /// any first `prevRoot` (the first commitment is then trusted as the starting point).
    public var genesisRoot: Digest32?
    /// The first commitment's `firstBatch` (batch 0 is the genesis batch, never committed).
    public var firstBatch: UInt64
    /// The only account allowed to post commitments; nil lets anyone post (tests, demos).
    public var proposer: L1Address?
    /// The least bond a commitment must carry (what a lost challenge game slashes).
    public var minimumCommitmentBond: UInt256
    /// The least stake a validator registers with, and the least active stake it needs to open a
    /// challenge.
    public var minimumStake: UInt256
    /// How long (L1 time) requested unstakes stay locked before `withdrawStake`.
    public var unstakeDelayMs: UInt64
    /// How long (L1 time) after its block's timestamp a commitment can be challenged
    /// (`challenge_period`): `openChallenge` is accepted while `now < block time + period`.
    public var challengePeriodMs: UInt64
    /// The longest L1 time between two moves of a challenge game (`fraud_proof_window`); the side
    /// that lets it pass loses on `claimTimeout`.
    public var moveWindowMs: UInt64
    /// The least bond a challenger attaches to `openChallenge`.
    public var minimumChallengeBond: UInt256
    /// Percent (0...100) of a slashed amount paid to the game's winner; the rest is burned.
    public var slashRewardPercent: UInt8
    /// Percent (0...100) of a losing challenger's stake (active, then unstaking) slashed on top of
    /// its bond. 0 slashes the bond only.
    public var challengerStakeSlashPercent: UInt8
    /// The L2 state-transition constants (chain id, fee account, max fee) the one-step verifier
    /// judges by; they must be the engine's (`SettlementConfig.chainId`, `feeAccount`, `maxFee`).
    /// Commitment data must be encoded for `rules.chainId`.
    public var rules: TransitionRules

    /// Seven days in milliseconds (the design card's default challenge period and unstake delay).
    public static let sevenDaysMs: UInt64 = 7 * 24 * 3_600 * 1_000
    /// One day in milliseconds (the design card's default `fraud_proof_window`).
    public static let oneDayMs: UInt64 = 24 * 3_600 * 1_000
    /// The transition rules of a default `SettlementConfig` (chain 1337, its fee account, max fee
    /// 2^64 − 1), for tests and demos that run the engine with its defaults.
    public static let defaultRules: TransitionRules = {
        let engine = SettlementConfig()
        return TransitionRules(chainId: engine.chainId, feeAccount: engine.feeAccount, maxFee: engine.maxFee)
    }()

    public init(genesisRoot: Digest32? = nil, firstBatch: UInt64 = 1, proposer: L1Address? = nil,
                minimumCommitmentBond: UInt256 = .zero, minimumStake: UInt256 = .one,
                unstakeDelayMs: UInt64 = sevenDaysMs, challengePeriodMs: UInt64 = sevenDaysMs,
                moveWindowMs: UInt64 = oneDayMs, minimumChallengeBond: UInt256 = .zero,
                slashRewardPercent: UInt8 = 50, challengerStakeSlashPercent: UInt8 = 0,
                rules: TransitionRules = defaultRules) {
        precondition(slashRewardPercent <= 100 && challengerStakeSlashPercent <= 100, "percentages are 0...100")
        self.genesisRoot = genesisRoot
        self.firstBatch = firstBatch
        self.proposer = proposer
        self.minimumCommitmentBond = minimumCommitmentBond
        self.minimumStake = minimumStake
        self.unstakeDelayMs = unstakeDelayMs
        self.challengePeriodMs = challengePeriodMs
        self.moveWindowMs = moveWindowMs
        self.minimumChallengeBond = minimumChallengeBond
        self.slashRewardPercent = slashRewardPercent
        self.challengerStakeSlashPercent = challengerStakeSlashPercent
        self.rules = rules
    }

    /// keccak256 over every field (fixed-width, absent values as a 0 flag byte; version byte 2).
    public var fingerprint: Digest32 {
        var w = L1ByteWriter()
        w.bytes([2])
        if let genesisRoot { w.bytes([1]); w.digest(genesisRoot) } else { w.bytes([0]) }
        w.u64(firstBatch)
        if let proposer { w.bytes([1]); w.bytes(proposer.bytes) } else { w.bytes([0]) }
        w.amount(minimumCommitmentBond)
        w.amount(minimumStake)
        w.u64(unstakeDelayMs)
        w.u64(challengePeriodMs)
        w.u64(moveWindowMs)
        w.amount(minimumChallengeBond)
        w.bytes([slashRewardPercent, challengerStakeSlashPercent])
        w.u64(rules.chainId)
        w.bytes(rules.feeAccount.bytes)
        w.amount(rules.maxFee)
        return Keccak256.hash(w.out)
    }
}
