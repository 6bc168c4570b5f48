import ArgumentParser
import Foundation
import Settlement

/// The settlement settings (the seed's `SettlementConfig`), each from a flag, else the
/// environment (`SETTLEMENT_<NAME>`), else the JSON config file (`--config`, keys as in the seed:
/// `batch_size`, ...), else the default.
struct SettlementOptions: ParsableArguments {
    @Option(help: "JSON file with settlement settings (keys: target_tps, batch_size, batch_timeout_ms, max_pending_transactions, max_pending_per_sender, status_subscriber_buffer, l1_settlement_interval, challenge_period, fraud_proof_window, zk_proof_timeout, max_concurrent_batches, chain_id, fee_account, retained_batches). Env: SETTLEMENT_CONFIG.")
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

    @Option(help: "Fraud-proof move window, seconds (default 86400). Env: SETTLEMENT_FRAUD_PROOF_WINDOW.")
    var fraudProofWindow: Int?

    @Option(help: "L1 blocks (including the commitment's) before it counts as L1_CONFIRMED (default 12). Env: SETTLEMENT_L1_CONFIRMATION_DEPTH.")
    var l1ConfirmationDepth: Int?

    @Flag(help: "A production deployment: test and demo switches (fault injection) are refused. Env: SETTLEMENT_PRODUCTION=1.")
    var production = false

    @Option(help: "TEST AND DEMO ONLY: post the commitment with this index with a wrong root (validators should challenge it). Refused with --production. Env: SETTLEMENT_FAULT_INJECT_WRONG_ROOT_AT.")
    var faultInjectWrongRootAt: UInt64?

    @Flag(help: "TEST AND DEMO ONLY: serve InjectL1Reorg (settlement l1 reorg), which reorganises the simulated L1. Refused with --production. Env: SETTLEMENT_L1_REORG_INJECTION=1.")
    var l1ReorgInjection = false

    @Option(help: "Validity-proof timeout, seconds (default 30). Env: SETTLEMENT_ZK_PROOF_TIMEOUT.")
    var zkProofTimeout: Int?

    @Option(help: "Fee account address. Env: SETTLEMENT_FEE_ACCOUNT.")
    var feeAccount: String?

    @Option(help: "Recent batches kept for rollback and historical proofs (default 1000). Env: SETTLEMENT_RETAINED_BATCHES.")
    var retainedBatches: Int?

    /// A setting that cannot be used, naming its source.
    struct Problem: Error, CustomStringConvertible { let description: String }

    /// Resolves flags, environment, file and defaults into a validated config and the genesis.
    func resolve(environment env: [String: String] = ProcessInfo.processInfo.environment,
                 defaultGenesis: String) throws -> (SettlementConfig, Genesis) {
        var file: [String: Any] = [:]
        if let path = config ?? env["SETTLEMENT_CONFIG"] {
            guard let data = FileManager.default.contents(atPath: path) else { throw Problem(description: "cannot read config file \(path)") }
            guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw Problem(description: "config file \(path) is not a JSON object")
            }
            let known: Set<String> = ["target_tps", "batch_size", "batch_timeout_ms", "max_pending_transactions",
                                      "max_pending_per_sender", "status_subscriber_buffer",
                                      "l1_settlement_interval", "challenge_period", "fraud_proof_window", "zk_proof_timeout",
                                      "max_concurrent_batches", "chain_id", "fee_account", "retained_batches"]
            if let unknown = obj.keys.first(where: { !known.contains($0) }) {
                throw Problem(description: "config file \(path): unknown key \"\(unknown)\"")
            }
            file = obj
        }
        func int(_ flag: Int?, _ key: String) throws -> Int? {
            if let flag { return flag }
            if let e = env["SETTLEMENT_" + key.uppercased()] {
                guard let v = Int(e) else { throw Problem(description: "SETTLEMENT_\(key.uppercased())=\"\(e)\" is not an integer") }
                return v
            }
            if let v = file[key] {
                guard let n = v as? NSNumber, n.doubleValue == n.doubleValue.rounded() else {
                    throw Problem(description: "config key \(key) must be an integer")
                }
                return n.intValue
            }
            return nil
        }
        var c = SettlementConfig()
        if let v = try int(targetTps, "target_tps") { c.targetTPS = v }
        if let v = try int(batchSize, "batch_size") { c.batchSize = v }
        if let v = try int(batchTimeoutMs, "batch_timeout_ms") { c.batchTimeoutMs = v }
        if let v = try int(maxPendingTransactions, "max_pending_transactions") { c.maxPendingTransactions = v }
        if let v = try int(maxPendingPerSender, "max_pending_per_sender") { c.maxPendingPerSender = v }
        if let v = try int(statusSubscriberBuffer, "status_subscriber_buffer") { c.statusSubscriberBuffer = v }
        if let v = try int(l1SettlementInterval, "l1_settlement_interval") { c.l1SettlementIntervalSeconds = v }
        if let v = try int(challengePeriod, "challenge_period") { c.challengePeriodSeconds = v }
        if let v = try int(fraudProofWindow, "fraud_proof_window") { c.fraudProofWindowSeconds = v }
        if let v = try int(zkProofTimeout, "zk_proof_timeout") { c.zkProofTimeoutSeconds = v }
        if let v = try int(l1ConfirmationDepth, "l1_confirmation_depth") { c.l1ConfirmationDepth = v }
        c.production = production || env["SETTLEMENT_PRODUCTION"] == "1" || (file["production"] as? Bool) == true
        c.faultInjectWrongRootAt = faultInjectWrongRootAt ?? env["SETTLEMENT_FAULT_INJECT_WRONG_ROOT_AT"].flatMap { UInt64($0) }
        c.l1ReorgInjection = l1ReorgInjection || env["SETTLEMENT_L1_REORG_INJECTION"] == "1"
        if let v = try int(maxConcurrentBatches, "max_concurrent_batches") { c.maxConcurrentBatches = v }
        if let v = try int(retainedBatches, "retained_batches") { c.retainedBatches = v }
        if let fee = feeAccount ?? env["SETTLEMENT_FEE_ACCOUNT"] ?? (file["fee_account"] as? String) {
            guard let a = Address(hex: fee) else { throw Problem(description: "fee account \"\(fee)\" is not a 20-byte hex address") }
            c.feeAccount = a
        }
        let genesisPath = genesis ?? env["SETTLEMENT_GENESIS"] ?? defaultGenesis
        let g: Genesis
        do { g = try Genesis.load(path: genesisPath) } catch { throw Problem(description: "genesis \(genesisPath): \(error)") }
        let chain: Int? = try int(chainId.map { Int(clamping: $0) }, "chain_id")
        c.chainId = chain.map { UInt64(clamping: $0) } ?? g.chainId
        guard c.chainId == g.chainId else {
            throw Problem(description: "chain id \(c.chainId) does not match the genesis's config.chainId \(g.chainId)")
        }
        do { try c.validate() } catch { throw Problem(description: error.description) }
        return (c, g)
    }
}
