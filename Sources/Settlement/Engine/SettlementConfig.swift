/// The engine's settings: the product's `SettlementConfig` fields with their defaults, plus what an operator
/// needs to run it. Built from a config file, the environment and flags by the executable;
/// `validate()` rejects nonsense at start-up with messages that name the setting.
public struct SettlementConfig: Sendable, Equatable {
    /// Throughput the deployment is sized for (informational; used for capacity warnings).
    public var targetTPS = 50_000
    /// A batch closes when it holds this many transactions (or as many as one commitment's data
    /// can carry, `BatchData.maxBatchTransfersBytes`: about 1,000 to 1,700 transfers)...
    public var batchSize = 1_000
    /// ...or when its oldest transaction has waited this long (at the latest: when no earlier
    /// batch is waiting for the database, the sequencer closes a partial batch at once — group
    /// commit — so light load is not slowed down to the timeout).
    public var batchTimeoutMs = 100
    /// Pool capacity (validated and not yet sequenced); past it submissions get RESOURCE_EXHAUSTED.
    public var maxPendingTransactions = 100_000
    /// Most transactions one sender may have in the pool (ready and held); past it its
    /// submissions get RESOURCE_EXHAUSTED, so one sender cannot fill the pool (docs/admission.md).
    public var maxPendingPerSender = 1_000
    /// Status events a `SubscribeStatus` subscriber may have undelivered; past it the subscriber
    /// is dropped with RESOURCE_EXHAUSTED "subscriber too slow" (its buffer is freed at once).
    public var statusSubscriberBuffer = 1_024
    /// How often the sequencer posts a commitment to L1 (seconds).
    public var l1SettlementIntervalSeconds = 10
    /// L1 blocks on top of (and including) the one holding a commitment before it counts as
    /// `L1_CONFIRMED`; a reorg deeper than this is detected and handled, but un-confirms.
    public var l1ConfirmationDepth = 12
    /// Most batches in one commitment, so one L1 transaction stays a few MB (about 80 bytes per
    /// transfer: 50 full batches of 1,000 are ~4 MB); when more are waiting, several
    /// commitments go out together.
    public var maxBatchesPerCommitment = 50
    /// Challenge period of a commitment (seconds; 7 days).
    public var challengePeriodSeconds = 7 * 24 * 60 * 60
    /// Each party's chess clock in a fraud-proof game: its total time for all its moves
    /// (seconds; 3.5 days, as OP's fault-dispute game). A game ends within twice this.
    public var fraudProofWindowSeconds = 84 * 60 * 60
    /// Longest a validity proof may take (seconds).
    public var zkProofTimeoutSeconds = 30
    /// Batches executed but not yet durable (pipelining depth).
    public var maxConcurrentBatches = 20
    /// Chain id of the L2 (part of every EIP-712 signature).
    public var chainId: UInt64 = 1337
    /// Where fees go.
    public var feeAccount = Address(hex: "0x00000000000000000000000000000000000fee00")!
    /// Largest fee a transfer may offer (stateless check), as a decimal string of wei.
    public var maxFee = UInt256(UInt64.max)
    /// Future nonces per sender held in the pool while earlier ones are missing.
    public var maxFutureNoncesPerSender = 64
    /// How long a transaction with a future nonce waits for the gap to fill before it is rejected.
    public var futureNonceTimeoutMs = 2_000
    /// A production deployment: refuses the test-and-demo switches below.
    public var production = false
    /// Test and demo only (refused in production): the commitment with this index is posted with
    /// a wrong new root, so validators, the challenge game and the rollback can be exercised.
    public var faultInjectWrongRootAt: UInt64?
    /// Test and demo only (refused in production): the `InjectL1Reorg` RPC may reorganise the
    /// simulated L1 (deposits and commitments under reorgs, from outside the process).
    public var l1ReorgInjection = false
    /// Recent batches whose reverse diffs are kept for rollback and historical proofs.
    public var retainedBatches = 1_000
    /// The shielded lane (docs/shielded.md): nil, the default, takes no shielded transactions
    /// (batches that already hold some are still replayed).
    public var shielded: ShieldedSettings?

    public init() {}

    /// Problems with the settings, each naming the setting; empty when the config is usable.
    public func problems() -> [String] {
        var p: [String] = []
        func positive(_ name: String, _ v: Int) { if v <= 0 { p.append("\(name) must be positive, got \(v)") } }
        positive("target_tps", targetTPS)
        positive("batch_size", batchSize)
        positive("batch_timeout_ms", batchTimeoutMs)
        positive("max_pending_transactions", maxPendingTransactions)
        positive("max_pending_per_sender", maxPendingPerSender)
        positive("status_subscriber_buffer", statusSubscriberBuffer)
        positive("l1_settlement_interval", l1SettlementIntervalSeconds)
        positive("challenge_period", challengePeriodSeconds)
        positive("l1_confirmation_depth", l1ConfirmationDepth)
        positive("max_batches_per_commitment", maxBatchesPerCommitment)
        positive("fraud_proof_window", fraudProofWindowSeconds)
        positive("zk_proof_timeout", zkProofTimeoutSeconds)
        positive("max_concurrent_batches", maxConcurrentBatches)
        positive("retained_batches", retainedBatches)
        if batchSize > 100_000 { p.append("batch_size must be at most 100000, got \(batchSize)") }
        if maxPendingTransactions < batchSize {
            p.append("max_pending_transactions (\(maxPendingTransactions)) must be at least batch_size (\(batchSize))")
        }
        if maxConcurrentBatches > 1_000 { p.append("max_concurrent_batches must be at most 1000") }
        if retainedBatches > 0 && retainedBatches < maxConcurrentBatches {
            // A leader that loses its lease rolls back every batch it has in flight.
            p.append("retained_batches (\(retainedBatches)) must be at least max_concurrent_batches (\(maxConcurrentBatches))")
        }
        if fraudProofWindowSeconds > challengePeriodSeconds {
            p.append("fraud_proof_window (\(fraudProofWindowSeconds)s) must not exceed challenge_period (\(challengePeriodSeconds)s)")
        }
        if chainId == 0 { p.append("chain_id must not be 0") }
        if production && Self.developmentChainIds.contains(chainId) {
            p.append("chain_id \(chainId) is a well-known public or development chain id, refused in production: transfers "
                         + "signed for a test network (or the L1) with this id would be valid here; give the rollup its own")
        }
        if production && faultInjectWrongRootAt != nil {
            p.append("fault_inject_wrong_root_at is a test and demo switch and is refused in production")
        }
        if production && l1ReorgInjection {
            p.append("l1_reorg_injection is a test and demo switch and is refused in production")
        }
        if let shielded { p.append(contentsOf: shielded.problems(production: production)) }
        if maxFutureNoncesPerSender < 0 { p.append("max_future_nonces_per_sender must not be negative") }
        if futureNonceTimeoutMs <= 0 { p.append("future_nonce_timeout_ms must be positive") }
        return p
    }

    /// Chain ids a production deployment may not use: Ethereum mainnet and its
    /// public test networks (Goerli 5, Holesky 17000, Sepolia 11155111, Hoodi 560048), and the
    /// local development networks' defaults (Ganache and geth --dev 1337, Hardhat and Anvil 31337).
    /// Signatures made on any of them by someone's test tooling must not spend on a live rollup.
    public static let developmentChainIds: Set<UInt64> = [1, 5, 1337, 17000, 31337, 560048, 11155111]

    /// Throws `ConfigError` listing every problem.
    public func validate() throws(ConfigError) {
        let p = problems()
        if !p.isEmpty { throw ConfigError(problems: p) }
    }
}

/// An unusable configuration.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public let problems: [String]
    public var description: String { "invalid configuration: " + problems.joined(separator: "; ") }
}
