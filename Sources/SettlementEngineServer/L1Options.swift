import ArgumentParser
import Foundation
import Logging
import Persistence
import Settlement
import SimulatedL1

/// The L1 this engine settles on. Today that is always the embedded **L1 simulator** (a
/// simulated chain in the same PostgreSQL, shared by the replicas); a JSON-RPC client for a real
/// Ethereum node would be chosen here later.
struct L1Options: ParsableArguments {
    @Option(help: "Simulated L1 block interval, ms (default 12000). Env: SETTLEMENT_L1_BLOCK_TIME_MS.")
    var l1BlockTimeMs: Int?

    @Option(help: "Seed of the simulated L1's block hashes (default 1). Env: SETTLEMENT_L1_SEED.")
    var l1Seed: UInt64?

    @Option(help: "L1 address that posts commitments (default 0x…c0ffee). Env: SETTLEMENT_L1_PROPOSER.")
    var l1Proposer: String?

    @Option(help: "Least validator stake, locked per open game, wei (default 10^18). Env: SETTLEMENT_L1_MINIMUM_STAKE.")
    var l1MinimumStake: String?

    @Option(help: "Bond each commitment carries (the arbiter's minimum), wei (default 10^18). Env: SETTLEMENT_L1_COMMITMENT_BOND.")
    var l1CommitmentBond: String?

    @Option(help: "Least bond of a challenge, wei (default 5·10^17). Env: SETTLEMENT_L1_CHALLENGE_BOND.")
    var l1ChallengeBond: String?

    @Option(help: "L2 genesis supply the bridge holds on L1, withdrawable besides deposits, wei (default 0: genesis balances are not backed). Env: SETTLEMENT_L1_GENESIS_BACKING.")
    var l1GenesisBacking: String?

    @Option(help: "L1 blocks (including its own) before a deposit is credited on L2 (default 64). Env: SETTLEMENT_L1_DEPOSIT_SAFE_DEPTH.")
    var l1DepositSafeDepth: Int?

    @Option(help: "Least bond of a game's first bisection move, wei (default 5·10^15; 0: moves are free). Env: SETTLEMENT_L1_MOVE_BOND.")
    var l1MoveBond: String?

    @Option(help: "Percent each bisection move's bond grows over the previous move's, 0-100 (default 5). Env: SETTLEMENT_L1_MOVE_BOND_GROWTH_PERCENT.")
    var l1MoveBondGrowthPercent: Int?

    @Option(help: "Seconds (L1 time) within which a deposit or forced inbox transfer must be consumed by a commitment; the arbiter refuses later commitments that skip it (default 43200: 12 hours). Env: SETTLEMENT_L1_INCLUSION_DELAY.")
    var l1InclusionDelay: Int?

    @Option(help: "Seconds (L1 time) without a standing commitment after which any staked validator may post one (default 604800: 7 days). Env: SETTLEMENT_L1_PERMISSIONLESS_AFTER.")
    var l1PermissionlessAfter: Int?

    struct Resolved {
        let blockTimeMs: UInt64
        let seed: UInt64
        let proposer: Address
        let minimumStake: UInt256
        let commitmentBond: UInt256
        let challengeBond: UInt256
        let genesisBacking: UInt256
        let depositSafeDepth: Int
        let moveBond: UInt256
        let moveBondGrowthPercent: UInt8
        let inclusionDelayMs: UInt64
        let permissionlessAfterMs: UInt64
        /// The shielded lane's aggregation keys (`ShieldedOptions.resolveAggregation`): the
        /// arbiter's verifier side, the poster's prover side. nil without a lane.
        var laneAggregation: LaneProverKeys? = nil
    }

    /// A wei amount; zero refused unless `allowZero` (the losing side always forfeits something).
    private func amount(_ source: SettingSource, _ key: SettingKey, _ flag: String?, default value: UInt256,
                        allowZero: Bool = false) throws -> UInt256 {
        let v = try source.value(key, flag: flag.map { try UInt256.parseSetting($0, key: key) }, default: value)
        guard allowZero || !v.isZero else {
            throw SettingProblem(description: "\(key.name) must not be zero: the losing side always forfeits something")
        }
        return v
    }

    func resolve(source: SettingSource) throws -> Resolved {
        let blockTime = try source.value(.l1BlockTimeMs, flag: l1BlockTimeMs, default: 12_000)
        guard (10...600_000).contains(blockTime) else {
            throw SettingProblem(description: "l1_block_time_ms must be between 10 and 600000, got \(blockTime)")
        }
        let proposerText = try source.value(.l1Proposer, flag: l1Proposer, default: "0x0000000000000000000000000000000000c0ffee")
        guard let proposer = Address(hex: proposerText) else {
            throw SettingProblem(description: "l1_proposer \"\(proposerText)\" is not a 20-byte hex address")
        }
        let safeDepth = try source.value(.l1DepositSafeDepth, flag: l1DepositSafeDepth, default: 64)
        guard (1...10_000).contains(safeDepth) else {
            throw SettingProblem(description: "l1_deposit_safe_depth must be between 1 and 10000, got \(safeDepth)")
        }
        let growth = try source.value(.l1MoveBondGrowthPercent, flag: l1MoveBondGrowthPercent,
                                      default: Int(L1ArbiterConfig.defaultMoveBondGrowthPercent))
        guard (0...100).contains(growth) else {
            throw SettingProblem(description: "l1_move_bond_growth_percent must be between 0 and 100, got \(growth)")
        }
        let inclusionDelay = try source.value(.l1InclusionDelay, flag: l1InclusionDelay, default: 43_200)
        guard inclusionDelay >= 1 else {
            throw SettingProblem(description: "l1_inclusion_delay must be at least 1 second, got \(inclusionDelay)")
        }
        let permissionlessAfter = try source.value(.l1PermissionlessAfter, flag: l1PermissionlessAfter, default: 604_800)
        guard permissionlessAfter >= 1 else {
            throw SettingProblem(description: "l1_permissionless_after must be at least 1 second, got \(permissionlessAfter)")
        }
        return Resolved(blockTimeMs: UInt64(blockTime), seed: try source.value(.l1Seed, flag: l1Seed, default: 1),
                        proposer: proposer,
                        minimumStake: try amount(source, .l1MinimumStake, l1MinimumStake, default: L1ArbiterConfig.defaultStake),
                        commitmentBond: try amount(source, .l1CommitmentBond, l1CommitmentBond,
                                                   default: L1ArbiterConfig.defaultCommitmentBond),
                        challengeBond: try amount(source, .l1ChallengeBond, l1ChallengeBond,
                                                  default: L1ArbiterConfig.defaultChallengeBond),
                        genesisBacking: try amount(source, .l1GenesisBacking, l1GenesisBacking, default: .zero, allowZero: true),
                        depositSafeDepth: safeDepth,
                        moveBond: try amount(source, .l1MoveBond, l1MoveBond, default: L1ArbiterConfig.defaultMoveBond, allowZero: true),
                        moveBondGrowthPercent: UInt8(growth), inclusionDelayMs: UInt64(inclusionDelay) * 1_000,
                        permissionlessAfterMs: UInt64(permissionlessAfter) * 1_000)
    }
}

extension L1Options.Resolved {
    /// The simulator's configuration for a chain of `settings` from `genesisRoot`, signing in
    /// `domain`: every process on one database (engine replicas, validators) must build the same
    /// one (`open()` checks).
    func simulatorConfig(settings: SettlementConfig, domain: SigningDomain, genesisRoot: Digest32,
                         producerID: String) -> L1SimulatorConfig {
        L1SimulatorConfig(
            seed: seed, blockTimeMs: blockTimeMs,
            arbiter: L1ArbiterConfig(genesisRoot: genesisRoot, proposer: proposer, minimumCommitmentBond: commitmentBond,
                                     minimumStake: minimumStake,
                                     challengePeriodMs: UInt64(settings.challengePeriodSeconds) * 1_000,
                                     clockMs: UInt64(settings.fraudProofWindowSeconds) * 1_000, minimumChallengeBond: challengeBond,
                                     baseMoveBond: moveBond, moveBondGrowthPercent: moveBondGrowthPercent,
                                     genesisBacking: genesisBacking,
                                     challengerStakeSlashPercent: L1ArbiterConfig.defaultChallengerStakeSlashPercent,
                                     rules: settings.transitionRules(domain), inclusionDelayMs: inclusionDelayMs,
                                     permissionlessAfterMs: permissionlessAfterMs, shieldedLane: laneAggregation?.verifier),
            producerID: producerID)
    }
}

extension L1Options.Resolved {
    /// The finality engine's settings for a chain of `settings`, posting as this L1's proposer.
    func finalitySettings(_ settings: SettlementConfig) -> FinalityEngine.Settings {
        var f = FinalityEngine.Settings(
            settlementInterval: .seconds(settings.l1SettlementIntervalSeconds), confirmationDepth: settings.l1ConfirmationDepth,
            challengePeriodMs: UInt64(settings.challengePeriodSeconds) * 1_000, maxBatchesPerCommitment: settings.maxBatchesPerCommitment,
            proposer: proposer, bond: commitmentBond)
        f.faultInjectWrongRootAt = settings.faultInjectWrongRootAt
        f.laneAggregation = laneAggregation
        return f
    }
}
