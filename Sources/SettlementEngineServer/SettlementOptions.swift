import ArgumentParser
import Foundation
import GRPC
import Settlement
import SettlementAPI

/// The settlement settings (the product's `SettlementConfig`), each from a flag, else the
/// environment (`SETTLEMENT_<NAME>`), else the JSON config file (`--config`, keys in snake case:
/// `batch_size`, ...), else the default. `SettingKey.all` lists every key.
struct SettlementOptions: ParsableArguments {
    @Option(help: "JSON file of settings: any option of this command as a key in snake case (batch_size, listen, production, ...); flags and SETTLEMENT_* variables win over it. Env: SETTLEMENT_CONFIG.")
    var config: String?

    @Option(help: "Genesis file (Ethereum genesis shape: config.chainId and alloc). Env: SETTLEMENT_GENESIS. Default: Deploy/genesis.dev.json.")
    var genesis: String?

    @Option(help: "Chain id; must match the genesis. Env: SETTLEMENT_CHAIN_ID. Default: the genesis's.")
    var chainId: UInt64?

    @Option(help: "Transactions per batch (default 1000). Env: SETTLEMENT_BATCH_SIZE.")
    var batchSize: Int?

    @Option(help: "Longest a batch stays open, ms (default 100). Env: SETTLEMENT_BATCH_TIMEOUT_MS.")
    var batchTimeoutMs: Int?

    @Option(help: "Pool capacity (default 100000). Env: SETTLEMENT_MAX_PENDING_TRANSACTIONS.")
    var maxPendingTransactions: Int?

    @Option(help: "Most transactions one sender may have in the pool (default 1000). Env: SETTLEMENT_MAX_PENDING_PER_SENDER.")
    var maxPendingPerSender: Int?

    @Option(help: "Most transfers one client connection may have awaiting their receipts, across its calls (default: a quarter of max_pending_transactions). Env: SETTLEMENT_MAX_PENDING_PER_CONNECTION.")
    var maxPendingPerConnection: Int?

    @Option(help: "Most SubscribeStatus streams one client connection may hold open (default 32). Env: SETTLEMENT_MAX_SUBSCRIPTIONS_PER_CONNECTION.")
    var maxSubscriptionsPerConnection: Int?

    @Option(help: "Status events one SubscribeStatus subscriber may fall behind before it is dropped with RESOURCE_EXHAUSTED (default 1024). Env: SETTLEMENT_STATUS_SUBSCRIBER_BUFFER.")
    var statusSubscriberBuffer: Int?

    @Option(help: "Batches executed but not yet durable (default 20). Env: SETTLEMENT_MAX_CONCURRENT_BATCHES.")
    var maxConcurrentBatches: Int?

    @Option(help: "Throughput the deployment is sized for (default 50000). Env: SETTLEMENT_TARGET_TPS.")
    var targetTps: Int?

    @Option(help: "Seconds between L1 commitments (default 10). Env: SETTLEMENT_L1_SETTLEMENT_INTERVAL.")
    var l1SettlementInterval: Int?

    @Option(help: "Challenge period, seconds (default 604800). Env: SETTLEMENT_CHALLENGE_PERIOD.")
    var challengePeriod: Int?

    @Option(help: "Fraud-proof chess clock: each side's total time for all its moves in a game, seconds (default 302400 = 3.5 days). Env: SETTLEMENT_FRAUD_PROOF_WINDOW.")
    var fraudProofWindow: Int?

    @Option(help: "L1 blocks (including the commitment's) before it counts as L1_CONFIRMED (default 12). Env: SETTLEMENT_L1_CONFIRMATION_DEPTH.")
    var l1ConfirmationDepth: Int?

    @Flag(inversion: .prefixedNo, help: "A production deployment: test and demo switches (fault injection, reorg injection) and secrets on the command line are refused. Env: SETTLEMENT_PRODUCTION (true/false, 1/0, yes/no).")
    var production: Bool?

    @Option(help: "TEST AND DEMO ONLY: post the commitment with this index with a wrong root (validators should challenge it). Refused with --production. Env: SETTLEMENT_FAULT_INJECT_WRONG_ROOT_AT.")
    var faultInjectWrongRootAt: UInt64?

    @Flag(inversion: .prefixedNo, help: "TEST AND DEMO ONLY: serve InjectL1Reorg (settlement l1 reorg), which reorganises the simulated L1. Refused with --production. Env: SETTLEMENT_L1_REORG_INJECTION (true/false).")
    var l1ReorgInjection: Bool?

    @Option(help: "Validity-proof timeout, seconds (default 30). Env: SETTLEMENT_ZK_PROOF_TIMEOUT.")
    var zkProofTimeout: Int?

    @Option(help: "Fee account address. Env: SETTLEMENT_FEE_ACCOUNT.")
    var feeAccount: String?

    @Option(help: "Recent batches kept for rollback and historical proofs (default 1000). Env: SETTLEMENT_RETAINED_BATCHES.")
    var retainedBatches: Int?

    @OptionGroup(title: "Shielded pool")
    var shielded: ShieldedOptions

    /// The settlement service's per-connection shares (checked: positive).
    func resolveService(source: SettingSource) throws -> SettlementService.Configuration {
        var s = SettlementService.Configuration()
        if let v = try source.value(.maxPendingPerConnection, flag: maxPendingPerConnection) {
            guard v > 0 else { throw SettingProblem(description: "max_pending_per_connection must be positive, got \(v)") }
            s.maxPendingPerConnection = v
        }
        let subscriptions = try source.value(.maxSubscriptionsPerConnection, flag: maxSubscriptionsPerConnection,
                                             default: s.maxSubscriptionsPerConnection)
        guard subscriptions > 0 else {
            throw SettingProblem(description: "max_subscriptions_per_connection must be positive, got \(subscriptions)")
        }
        s.maxSubscriptionsPerConnection = subscriptions
        return s
    }

    /// Resolves flags, environment, file and defaults into a validated config and the genesis.
    func resolve(source: SettingSource, defaultGenesis: String) throws -> (SettlementConfig, Genesis) {
        var c = SettlementConfig()
        func int(_ key: SettingKey, _ flag: Int?, _ apply: (Int) -> Void) throws {
            if let v = try source.value(key, flag: flag) { apply(v) }
        }
        try int(.targetTps, targetTps) { c.targetTPS = $0 }
        try int(.batchSize, batchSize) { c.batchSize = $0 }
        try int(.batchTimeoutMs, batchTimeoutMs) { c.batchTimeoutMs = $0 }
        try int(.maxPendingTransactions, maxPendingTransactions) { c.maxPendingTransactions = $0 }
        try int(.maxPendingPerSender, maxPendingPerSender) { c.maxPendingPerSender = $0 }
        try int(.statusSubscriberBuffer, statusSubscriberBuffer) { c.statusSubscriberBuffer = $0 }
        try int(.l1SettlementInterval, l1SettlementInterval) { c.l1SettlementIntervalSeconds = $0 }
        try int(.challengePeriod, challengePeriod) { c.challengePeriodSeconds = $0 }
        try int(.fraudProofWindow, fraudProofWindow) { c.fraudProofWindowSeconds = $0 }
        try int(.zkProofTimeout, zkProofTimeout) { c.zkProofTimeoutSeconds = $0 }
        try int(.l1ConfirmationDepth, l1ConfirmationDepth) { c.l1ConfirmationDepth = $0 }
        try int(.maxConcurrentBatches, maxConcurrentBatches) { c.maxConcurrentBatches = $0 }
        try int(.retainedBatches, retainedBatches) { c.retainedBatches = $0 }
        c.production = try source.value(.production, flag: production, default: false)
        c.faultInjectWrongRootAt = try source.value(.faultInjectWrongRootAt, flag: faultInjectWrongRootAt)
        c.l1ReorgInjection = try source.value(.l1ReorgInjection, flag: l1ReorgInjection, default: false)
        if let fee = try source.value(.feeAccount, flag: feeAccount) {
            guard let a = Address(hex: fee) else { throw SettingProblem(description: "fee account \"\(fee)\" is not a 20-byte hex address") }
            c.feeAccount = a
        }
        c.shielded = try shielded.resolve(source: source)
        let genesisPath = try source.value(.genesis, flag: genesis, default: defaultGenesis)
        let g: Genesis
        do { g = try Genesis.load(path: genesisPath) } catch { throw SettingProblem(description: "genesis \(genesisPath): \(error)") }
        c.chainId = try source.value(.chainId, flag: chainId) ?? g.chainId
        guard c.chainId == g.chainId else {
            throw SettingProblem(description: "chain id \(c.chainId) does not match the genesis's config.chainId \(g.chainId)")
        }
        do { try c.validate() } catch { throw SettingProblem(description: error.description) }
        return (c, g)
    }
}
