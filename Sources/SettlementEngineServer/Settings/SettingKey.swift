/// One setting of the engine: the single name it has in every source. The flag is
/// `--name-with-dashes`, the environment variable `SETTLEMENT_NAME_IN_CAPITALS`, the `--config`
/// file's key `name`. `SettingKey.all` is the one list of them; the config file refuses any key
/// not in it, and a test walks it against the flags.
struct SettingKey: Hashable, Sendable, CustomStringConvertible {
    /// The file key, in snake case (`batch_size`).
    let name: String
    /// A secret (a password or token): never logged, and refused on the command line under
    /// `--production` (other users see a process's arguments in `ps`).
    let isSecret: Bool

    init(_ name: String, secret: Bool = false) {
        self.name = name
        self.isSecret = secret
    }

    var flag: String { "--" + name.replacingOccurrences(of: "_", with: "-") }
    var environmentName: String { "SETTLEMENT_" + name.uppercased() }
    var description: String { name }
}

extension SettingKey {
    // Server and process.
    static let listen = SettingKey("listen")
    static let tlsCert = SettingKey("tls_cert")
    static let tlsKey = SettingKey("tls_key")
    static let eventLoops = SettingKey("event_loops")
    static let maxConnections = SettingKey("max_connections")
    static let maxConcurrentStreams = SettingKey("max_concurrent_streams")
    static let maxMessageSize = SettingKey("max_message_size")
    static let idleTimeout = SettingKey("idle_timeout")
    static let shutdownGrace = SettingKey("shutdown_grace")
    static let logLevel = SettingKey("log_level")
    static let databaseURL = SettingKey("database_url", secret: true)
    static let databaseURLFile = SettingKey("database_url_file")
    static let dataDir = SettingKey("data_dir")

    // Transport limits against hostile clients.
    static let prefaceTimeout = SettingKey("preface_timeout")
    static let firstRequestTimeout = SettingKey("first_request_timeout")
    static let streamIdleTimeout = SettingKey("stream_idle_timeout")
    static let writeStallTimeout = SettingKey("write_stall_timeout")
    static let maxConnectionsPerAddress = SettingKey("max_connections_per_address")
    static let reservedConnections = SettingKey("reserved_connections")
    static let maxStreamsPerAddress = SettingKey("max_streams_per_address")
    static let maxBufferedRequestBytesPerConnection = SettingKey("max_buffered_request_bytes_per_connection")
    static let maxBufferedRequestBytes = SettingKey("max_buffered_request_bytes")
    static let maxQueuedResponseBytesPerConnection = SettingKey("max_queued_response_bytes_per_connection")
    static let maxQueuedResponseBytes = SettingKey("max_queued_response_bytes")
    static let maxControlFramesPerSecond = SettingKey("max_control_frames_per_second")

    // Settlement (the product's `SettlementConfig`).
    static let config = SettingKey("config")
    static let genesis = SettingKey("genesis")
    static let chainId = SettingKey("chain_id")
    static let batchSize = SettingKey("batch_size")
    static let batchTimeoutMs = SettingKey("batch_timeout_ms")
    static let maxPendingTransactions = SettingKey("max_pending_transactions")
    static let maxConcurrentBatches = SettingKey("max_concurrent_batches")
    static let maxPendingPerSender = SettingKey("max_pending_per_sender")
    static let statusSubscriberBuffer = SettingKey("status_subscriber_buffer")
    static let maxPendingPerConnection = SettingKey("max_pending_per_connection")
    static let maxSubscriptionsPerConnection = SettingKey("max_subscriptions_per_connection")
    static let targetTps = SettingKey("target_tps")
    static let l1SettlementInterval = SettingKey("l1_settlement_interval")
    static let challengePeriod = SettingKey("challenge_period")
    static let fraudProofWindow = SettingKey("fraud_proof_window")
    static let l1ConfirmationDepth = SettingKey("l1_confirmation_depth")
    static let production = SettingKey("production")
    static let faultInjectWrongRootAt = SettingKey("fault_inject_wrong_root_at")
    static let l1ReorgInjection = SettingKey("l1_reorg_injection")
    static let zkProofTimeout = SettingKey("zk_proof_timeout")
    static let feeAccount = SettingKey("fee_account")
    static let retainedBatches = SettingKey("retained_batches")

    // The shielded lane.
    static let shieldedVerifyingKey = SettingKey("shielded_verifying_key")
    static let shieldedRootWindow = SettingKey("shielded_root_window")
    static let shieldedMinimumFee = SettingKey("shielded_minimum_fee")
    static let shieldedMaxPerBatch = SettingKey("shielded_max_per_batch")
    static let shieldedAggregationSrs = SettingKey("shielded_aggregation_srs")

    // Replicas.
    static let replicaId = SettingKey("replica_id")
    static let advertise = SettingKey("advertise")
    static let clusterSecret = SettingKey("cluster_secret", secret: true)
    static let clusterSecretFile = SettingKey("cluster_secret_file")
    static let leaseTtlMs = SettingKey("lease_ttl_ms")
    static let snapshotIntervalBatches = SettingKey("snapshot_interval_batches")

    // L1 (simulator).
    static let l1BlockTimeMs = SettingKey("l1_block_time_ms")
    static let l1Seed = SettingKey("l1_seed")
    static let l1Proposer = SettingKey("l1_proposer")
    static let l1MinimumStake = SettingKey("l1_minimum_stake")
    static let l1CommitmentBond = SettingKey("l1_commitment_bond")
    static let l1ChallengeBond = SettingKey("l1_challenge_bond")
    static let l1GenesisBacking = SettingKey("l1_genesis_backing")
    static let l1MoveBond = SettingKey("l1_move_bond")
    static let l1MoveBondGrowthPercent = SettingKey("l1_move_bond_growth_percent")
    static let l1DepositSafeDepth = SettingKey("l1_deposit_safe_depth")
    static let l1InclusionDelay = SettingKey("l1_inclusion_delay")
    static let l1PermissionlessAfter = SettingKey("l1_permissionless_after")

    // Admin listener.
    static let adminListen = SettingKey("admin_listen")
    static let adminAllowRemote = SettingKey("admin_allow_remote")

    // Validator mode.
    static let validator = SettingKey("validator")
    static let validatorAddress = SettingKey("validator_address")
    static let validatorStake = SettingKey("validator_stake")
    static let validatorBond = SettingKey("validator_bond")

    /// Every setting, in the order `--help` shows them.
    static let all: [SettingKey] = [
        listen, tlsCert, tlsKey, eventLoops, maxConnections, maxConcurrentStreams, maxMessageSize, idleTimeout,
        shutdownGrace, logLevel, databaseURL, databaseURLFile, dataDir,
        prefaceTimeout, firstRequestTimeout, streamIdleTimeout, writeStallTimeout, maxConnectionsPerAddress,
        reservedConnections, maxStreamsPerAddress, maxBufferedRequestBytesPerConnection, maxBufferedRequestBytes,
        maxQueuedResponseBytesPerConnection, maxQueuedResponseBytes, maxControlFramesPerSecond,
        config, genesis, chainId, batchSize, batchTimeoutMs, maxPendingTransactions, maxPendingPerSender,
        statusSubscriberBuffer, maxPendingPerConnection, maxSubscriptionsPerConnection, maxConcurrentBatches, targetTps,
        l1SettlementInterval, challengePeriod, fraudProofWindow, l1ConfirmationDepth, production, faultInjectWrongRootAt,
        l1ReorgInjection, zkProofTimeout, feeAccount, retainedBatches,
        shieldedVerifyingKey, shieldedRootWindow, shieldedMinimumFee, shieldedMaxPerBatch, shieldedAggregationSrs,
        replicaId, advertise, clusterSecret, clusterSecretFile, leaseTtlMs, snapshotIntervalBatches,
        l1BlockTimeMs, l1Seed, l1Proposer, l1MinimumStake, l1CommitmentBond, l1ChallengeBond, l1GenesisBacking,
        l1DepositSafeDepth, l1MoveBond, l1MoveBondGrowthPercent, l1InclusionDelay, l1PermissionlessAfter,
        adminListen, adminAllowRemote,
        validator, validatorAddress, validatorStake, validatorBond,
    ]

    /// Keys a `--config` file may hold: all but `config` itself.
    static var fileKeys: Set<String> { Set(all.lazy.filter { $0 != .config }.map(\.name)) }
}
