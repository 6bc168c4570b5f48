import ArgumentParser
import Foundation
import Logging
import Persistence
import Settlement

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

    struct Resolved {
        let blockTimeMs: UInt64
        let seed: UInt64
        let proposer: Address
    }

    func resolve() throws -> Resolved {
        let blockTime = l1BlockTimeMs ?? Env.int("L1_BLOCK_TIME_MS") ?? 12_000
        guard (10...600_000).contains(blockTime) else {
            throw ValidationError("--l1-block-time-ms must be between 10 and 600000, got \(blockTime)")
        }
        let proposerText = l1Proposer ?? Env.string("L1_PROPOSER") ?? "0x0000000000000000000000000000000000c0ffee"
        guard let proposer = Address(hex: proposerText) else {
            throw ValidationError("--l1-proposer \"\(proposerText)\" is not a 20-byte hex address")
        }
        return Resolved(blockTimeMs: UInt64(blockTime), seed: l1Seed ?? Env.string("L1_SEED").flatMap { UInt64($0) } ?? 1,
                        proposer: proposer)
    }
}

extension L1Options.Resolved {
    /// The simulator's configuration for a chain of `settings` from `genesisRoot`: every process on
    /// one database (engine replicas, validators) must build the same one (`open()` checks).
    func simulatorConfig(settings: SettlementConfig, genesisRoot: Digest32, producerID: String) -> L1SimulatorConfig {
        L1SimulatorConfig(
            seed: seed, blockTimeMs: blockTimeMs,
            arbiter: L1ArbiterConfig(genesisRoot: genesisRoot, proposer: proposer,
                                     challengePeriodMs: UInt64(settings.challengePeriodSeconds) * 1_000,
                                     moveWindowMs: UInt64(settings.fraudProofWindowSeconds) * 1_000, rules: settings.transitionRules),
            producerID: producerID)
    }
}

extension SettlementConfig {
    /// The state-transition constants the arbiter and the game players judge by.
    var transitionRules: TransitionRules { TransitionRules(chainId: chainId, feeAccount: feeAccount, maxFee: maxFee) }
}

/// The L1 simulator, the finality engine and the deposit watcher, running beside the settlement
/// engine.
struct L1Settlement {
    let simulator: L1Simulator
    let finality: FinalityEngine
    let deposits: DepositWatcher
    let task: Task<Void, Never>
    let depositTask: Task<Void, Never>

    /// Opens (or joins) the simulated chain and starts its block timer, the finality engine and
    /// the deposit watcher, which act while `engine` leads.
    static func start(options: L1Options.Resolved, settings: SettlementConfig, engine: SettlementEngine,
                      store: PostgresSettlementStore, conninfo: String, replicaId: String,
                      logger: Logger) async throws -> L1Settlement {
        guard let genesisBatch = try await store.batch(0) else { throw ValidationError("the store has no genesis batch") }
        let challengeMs = UInt64(settings.challengePeriodSeconds) * 1_000
        let simulator = L1Simulator(conninfo: conninfo, config: options.simulatorConfig(settings: settings, genesisRoot: genesisBatch.newRoot,
                                                                                      producerID: replicaId),
                                    logger: Logger(label: "l1.simulator"))
        try await simulator.open()
        try await simulator.start()
        var finalitySettings = FinalityEngine.Settings(
            settlementInterval: .seconds(settings.l1SettlementIntervalSeconds), confirmationDepth: settings.l1ConfirmationDepth,
            challengePeriodMs: challengeMs, maxBatchesPerCommitment: settings.maxBatchesPerCommitment,
            proposer: options.proposer, bond: .one)
        finalitySettings.faultInjectWrongRootAt = settings.faultInjectWrongRootAt
        let defense = ProposerDefense(l1: simulator, proposer: options.proposer, rules: settings.transitionRules,
                                      stateAfterBatch: ProposerDefense.stateLoader(from: store),
                                      logger: Logger(label: "settlement.proposer-defense"), challengeLog: store)
        let finality = FinalityEngine(
            settings: finalitySettings,
            l1: simulator, store: store, chainId: settings.chainId, events: engine.events,
            durableHead: { engine.head.batch }, logger: Logger(label: "settlement.finality"), defense: defense,
            reverter: engine, recentBatches: engine.recentBatches, leaderTerm: { engine.leaderTerm })
        let task = Task { await finality.run(isActive: { engine.isLeader }) }
        let depositLogger = Logger(label: "settlement.deposits")
        let deposits = DepositWatcher(settings: DepositWatcher.Settings(confirmationDepth: settings.l1ConfirmationDepth),
                                      l1: simulator, engine: engine, logger: depositLogger) { lost in
            // Undo the lost credit: roll the chain back from the batch that credited it (done by
            // the finality engine's next step, before it posts anything).
            finality.requestRollback(fromBatch: lost.batch)
        }
        engine.onChainRevert { deposits.chainReverted(fromBatch: $0) }
        let depositTask = Task { await deposits.run(isActive: { engine.isLeader }) }
        logger.info("L1 simulator running", metadata: ["block_time_ms": "\(options.blockTimeMs)", "seed": "\(options.seed)",
                                                       "proposer": "\(options.proposer)"])
        return L1Settlement(simulator: simulator, finality: finality, deposits: deposits, task: task, depositTask: depositTask)
    }

    func stop() async {
        task.cancel()
        depositTask.cancel()
        await task.value
        await depositTask.value
        await simulator.stop()
        await simulator.close()
    }
}
