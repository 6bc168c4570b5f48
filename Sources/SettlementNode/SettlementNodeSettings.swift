import SettlementAPI
import Settlement

/// What a `SettlementNode` runs with besides the engine's `SettlementConfig`: the finality
/// engine's settings, the depth at which L1 deposits and forced inbox transfers are taken, how
/// often the watchers poll, and, for a replica of a set, the replication settings and the
/// forwarder's configuration (nil: a standalone engine, no lease, no forwarder).
public struct SettlementNodeSettings: Sendable {
    public var finality: FinalityEngine.Settings
    /// L1 blocks (including its own) before a deposit or an inbox item is taken on L2.
    public var depositSafeDepth: Int
    /// Time between two passes of the deposit and inbox watchers.
    public var watcherPollInterval: Duration = .milliseconds(500)
    /// Whether `start()` runs the finality engine and the watchers in background tasks (false: the
    /// caller drives them with `l1Step()`, block by block — tests and tools).
    public var runsL1DutiesInBackground = true
    public var replication: ReplicationSettings?
    public var forwarder = LeaderForwarder.Configuration()

    public init(finality: FinalityEngine.Settings, depositSafeDepth: Int, replication: ReplicationSettings? = nil) {
        self.finality = finality
        self.depositSafeDepth = depositSafeDepth
        self.replication = replication
    }
}
