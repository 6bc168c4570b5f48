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
    /// The least bond a commitment must carry (what a lost challenge game slashes). Never zero: a
    /// losing proposer always forfeits something.
    public var minimumCommitmentBond: UInt256
    /// The least stake a validator registers with, and the stake each open game of a challenger
    /// locks: opening a game needs `minimumStake` of active stake not locked by its other open
    /// games, so one stake cannot open unlimited games. Never zero.
    public var minimumStake: UInt256
    /// How long (L1 time) requested unstakes stay locked before `withdrawStake`.
    public var unstakeDelayMs: UInt64
    /// How long (L1 time) after its block's timestamp a commitment can be challenged
    /// (`challenge_period`): `openChallenge` is accepted while `now < block time + period`.
    public var challengePeriodMs: UInt64
    /// Each side's chess clock in a challenge game (`fraud_proof_window`): its total L1 time for
    /// all its moves. A side whose clock runs out on its turn loses on `claimTimeout`; a game
    /// ends at most `2 · clockMs` after its opening.
    public var clockMs: UInt64
    /// The least bond a challenger attaches to `openChallenge`. Never zero: a losing challenger
    /// always forfeits something.
    public var minimumChallengeBond: UInt256
    /// The least bond of a game's first bisection move. Each later move needs
    /// `moveBondGrowthPercent` more than the one before (`moveBond(afterMoves:)`), so that a deep
    /// game costs the side that forces it more at every level, as the opponent's answers do. The
    /// loser forfeits its move bonds (shared like the other bonds); the winner's are returned.
    /// Zero: moves are free (tests); the opening bonds still make every game cost the loser.
    public var baseMoveBond: UInt256
    /// Percent by which each bisection move's bond exceeds the previous one's.
    public var moveBondGrowthPercent: UInt8
    /// Most games one challenger may open against one commitment (resolved ones count, voided
    /// ones do not): with the stake lock, what bounds the games a party can force on a proposer.
    public var maxGamesPerChallenger: UInt32
    /// The L2 genesis supply the bridge holds on L1 (put up when the contract is created, like
    /// `msg.value` of its constructor): withdrawals may pay out at most the deposits plus this.
    /// Zero: genesis balances are not withdrawable beyond what others deposited — and a claim
    /// beyond what the bridge holds is refused.
    public var genesisBacking: UInt256
    /// Percent (0...100) of a slashed amount paid to the game's winner; the rest is burned.
    public var slashRewardPercent: UInt8
    /// Percent (0...100) of a losing challenger's stake (active, then unstaking) slashed on top of
    /// its bond. 0 slashes the bond only.
    public var challengerStakeSlashPercent: UInt8
    /// The L2 state-transition constants (signing domain, fee account, max fee) the one-step
    /// verifier judges by; they must be the engine's (`SettlementEngine.domain`, `feeAccount`,
    /// `maxFee`). Commitment data must be encoded for `rules.domain`, and exit addresses are
    /// derived in it.
    public var rules: TransitionRules
    /// How long (L1 time) after its block a deposit or forced inbox transfer may stay unconsumed:
    /// a commitment posted later that leaves it unconsumed is refused (`--l1-inclusion-delay`,
    /// 12 hours by default). See docs/protocol-security.md, "Censorship resistance".
    public var inclusionDelayMs: UInt64
    /// How long (L1 time) without a standing commitment after which any validator with free stake
    /// may post one, not only `proposer` (`--l1-permissionless-after`, 7 days by default).
    public var permissionlessAfterMs: UInt64
    /// The shielded lane's keys (the spend circuit's verifying key and the aggregation SRS's
    /// verifier keys): a commitment whose data holds lane transactions must carry their
    /// aggregate, which the arbiter verifies (`LaneAggregate`). nil: data with a lane is refused.
    public var shieldedLane: LaneVerifierKeys?

    /// Seven days in milliseconds (the design card's default challenge period and unstake delay).
    public static let sevenDaysMs: UInt64 = 7 * 24 * 3_600 * 1_000
    /// One day in milliseconds.
    public static let oneDayMs: UInt64 = 24 * 3_600 * 1_000
    /// Twelve hours in milliseconds: the default inclusion delay of deposits and forced transfers.
    public static let twelveHoursMs: UInt64 = 12 * 3_600 * 1_000
    /// 3.5 days in milliseconds: the default chess clock per side (`fraud_proof_window`), as OP's
    /// fault-dispute game.
    public static let threeAndAHalfDaysMs: UInt64 = 84 * 3_600 * 1_000

    /// One ether in wei.
    public static let ether = UInt256(1_000_000_000_000_000_000 as UInt64)
    /// The shipped bond schedule (see docs/protocol-security.md). The largest game has at most
    /// 2·(⌈log₂ 1024 batches⌉ + ⌈log₂ 2^20 transactions⌉) = 60 bisection moves (~60,000 gas each)
    /// and one one-step proof (~1.5M gas with three 256-deep witnesses): about 5M gas, 0.25 ETH at
    /// 50 gwei. Each bond is at least that, so forcing an opponent through a whole game costs the
    /// forcer more than the answer costs the opponent.
    public static let defaultChallengeBond = UInt256(500_000_000_000_000_000 as UInt64)
    /// See `defaultChallengeBond`; the proposer's bond also pays the winner of a game against it.
    public static let defaultCommitmentBond: UInt256 = ether
    /// The stake a validator registers with and that each of its open games locks.
    public static let defaultStake: UInt256 = ether
    /// The shipped bond of a game's first bisection move: 0.005 ETH, the gas of about two moves
    /// at 50 gwei. With `defaultMoveBondGrowthPercent` the 60th move needs about 0.09 ETH and a
    /// whole 60-move game about 1.9 ETH, half from each side.
    public static let defaultMoveBond = UInt256(5_000_000_000_000_000 as UInt64)
    /// The shipped growth of the move bond per move.
    public static let defaultMoveBondGrowthPercent: UInt8 = 5
    /// Percent of a losing challenger's stake slashed on top of its bond, as shipped.
    public static let defaultChallengerStakeSlashPercent: UInt8 = 10
    /// The transition rules of a default `SettlementConfig` (chain 1337, its fee account, max fee
    /// 2^64 − 1) with the domain of an empty genesis on chain 1337, for tests that need no engine.
    public static let defaultRules: TransitionRules = {
        let engine = SettlementConfig()
        return engine.transitionRules(SigningDomain(genesis: Genesis(chainId: engine.chainId, allocations: [])))
    }()

    /// The rules; the amounts default to 1 wei (tests), `L1Options` ships the `default…` schedule.
    public init(genesisRoot: Digest32? = nil, firstBatch: UInt64 = 1, proposer: L1Address? = nil,
                minimumCommitmentBond: UInt256 = .one, minimumStake: UInt256 = .one,
                unstakeDelayMs: UInt64 = sevenDaysMs, challengePeriodMs: UInt64 = sevenDaysMs,
                clockMs: UInt64 = threeAndAHalfDaysMs, minimumChallengeBond: UInt256 = .one,
                maxGamesPerChallenger: UInt32 = 1, baseMoveBond: UInt256 = .zero, moveBondGrowthPercent: UInt8 = 0,
                genesisBacking: UInt256 = .zero,
                slashRewardPercent: UInt8 = 50, challengerStakeSlashPercent: UInt8 = 0,
                rules: TransitionRules = defaultRules, inclusionDelayMs: UInt64 = twelveHoursMs,
                permissionlessAfterMs: UInt64 = sevenDaysMs, shieldedLane: LaneVerifierKeys? = nil) {
        precondition(slashRewardPercent <= 100 && challengerStakeSlashPercent <= 100, "percentages are 0...100")
        precondition(!minimumCommitmentBond.isZero && !minimumChallengeBond.isZero && !minimumStake.isZero,
                     "bonds and stake are never zero: the losing side always forfeits something")
        precondition(maxGamesPerChallenger >= 1, "a challenger may open at least one game per commitment")
        self.genesisRoot = genesisRoot
        self.firstBatch = firstBatch
        self.proposer = proposer
        self.minimumCommitmentBond = minimumCommitmentBond
        self.minimumStake = minimumStake
        self.unstakeDelayMs = unstakeDelayMs
        self.challengePeriodMs = challengePeriodMs
        self.clockMs = clockMs
        self.minimumChallengeBond = minimumChallengeBond
        self.maxGamesPerChallenger = maxGamesPerChallenger
        self.baseMoveBond = baseMoveBond
        self.moveBondGrowthPercent = moveBondGrowthPercent
        self.genesisBacking = genesisBacking
        self.slashRewardPercent = slashRewardPercent
        self.challengerStakeSlashPercent = challengerStakeSlashPercent
        self.rules = rules
        self.inclusionDelayMs = inclusionDelayMs
        self.permissionlessAfterMs = permissionlessAfterMs
        self.shieldedLane = shieldedLane
    }

    /// The least bond of a bisection move made after `moves` earlier ones:
    /// ⌊…⌊baseMoveBond · (100 + g)/100⌋ …⌋ applied `moves` times (g = `moveBondGrowthPercent`),
    /// saturating at 2^256 − 1.
    public func moveBond(afterMoves moves: UInt32) -> UInt256 {
        var bond = baseMoveBond
        guard moveBondGrowthPercent > 0 else { return bond }
        for _ in 0 ..< moves {
            let grown = bond.checkedAdd(L1Arbiter.percent(moveBondGrowthPercent, of: bond)) ?? .max
            if grown == bond { break }  // zero, or saturated
            bond = grown
        }
        return bond
    }

    /// keccak256 over every field (fixed-width, absent values as a 0 flag byte; version byte 4).
    /// `shieldedLane`'s fingerprint is appended only when set, so a configuration without a lane
    /// keeps the fingerprint it had before the lane existed (simulator chains already stored).
    public var fingerprint: Digest32 {
        var w = L1ByteWriter()
        w.bytes([4])
        if let genesisRoot { w.bytes([1]); w.digest(genesisRoot) } else { w.bytes([0]) }
        w.u64(firstBatch)
        if let proposer { w.bytes([1]); w.bytes(proposer.bytes) } else { w.bytes([0]) }
        w.amount(minimumCommitmentBond)
        w.amount(minimumStake)
        w.u64(unstakeDelayMs)
        w.u64(challengePeriodMs)
        w.u64(clockMs)
        w.amount(minimumChallengeBond)
        w.u64(UInt64(maxGamesPerChallenger))
        w.amount(baseMoveBond)
        w.bytes([moveBondGrowthPercent])
        w.amount(genesisBacking)
        w.bytes([slashRewardPercent, challengerStakeSlashPercent])
        w.u64(rules.chainId)
        w.digest(rules.domain.salt)
        w.bytes(rules.feeAccount.bytes)
        w.amount(rules.maxFee)
        w.u64(inclusionDelayMs)
        w.u64(permissionlessAfterMs)
        if let shieldedLane { w.digest(shieldedLane.fingerprint) }
        return Keccak256.hash(w.out)
    }
}
