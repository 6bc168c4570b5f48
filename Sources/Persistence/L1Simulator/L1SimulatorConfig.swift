import Persistence
import PostgresDriver
import Settlement

/// How an `L1Simulator` runs. Replicas sharing a database must agree on `seed`, `blockTimeMs`
/// and `arbiter` (the simulator refuses to open a chain created with other values).
public struct L1SimulatorConfig: Sendable {
    /// Mixed into every block hash: two simulators with the same seed, genesis timestamp and the
    /// same sequence of submissions and manual blocks produce the same hashes.
    public var seed: UInt64
    /// Block interval: the timer produces a block this often, and each block's timestamp is its
    /// parent's plus this (the simulated L1 clock).
    public var blockTimeMs: UInt64
    /// The genesis block's timestamp; nil takes the database's clock when the chain is created.
    public var genesisTimestampMs: UInt64?
    /// The arbiter's rules.
    public var arbiter: L1ArbiterConfig
    /// This process in the producer lease (and in each block's `producer` column).
    public var producerID: String
    /// How long the producer lease lasts without renewal; nil means three block times, at least
    /// 2 s. Another replica's timer takes over production once it expires.
    public var producerLeaseMs: UInt64?
    /// At most this many mempool transactions per block (the rest wait for the next).
    public var maxTransactionsPerBlock: Int
    /// How many recent blocks keep an arbiter-state checkpoint in memory: a reorg up to this deep
    /// replays from the fork point, a deeper one from genesis.
    public var checkpointWindow: Int

    public init(seed: UInt64, blockTimeMs: UInt64 = 12_000, genesisTimestampMs: UInt64? = nil,
                arbiter: L1ArbiterConfig = L1ArbiterConfig(), producerID: String = L1SimulatorConfig.randomProducerID(),
                producerLeaseMs: UInt64? = nil, maxTransactionsPerBlock: Int = 500, checkpointWindow: Int = 64) {
        self.seed = seed
        self.blockTimeMs = blockTimeMs
        self.genesisTimestampMs = genesisTimestampMs
        self.arbiter = arbiter
        self.producerID = producerID
        self.producerLeaseMs = producerLeaseMs
        self.maxTransactionsPerBlock = maxTransactionsPerBlock
        self.checkpointWindow = checkpointWindow
    }

    /// The lease duration in effect.
    public var effectiveProducerLeaseMs: UInt64 { producerLeaseMs ?? max(3 * blockTimeMs, 2_000) }

    /// "l1sim-" and 16 random hex digits.
    public static func randomProducerID() -> String {
        "l1sim-" + String(UInt64.random(in: 0 ... .max), radix: 16)
    }
}
