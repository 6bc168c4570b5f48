import Logging
import SettlementAPI
import Settlement

/// One settlement node: the engine, the finality engine, the deposit and inbox watchers, the
/// proposer defense and (for a replica of a set) the leader forwarder, with their order of
/// start, stop and revert in one place.
///
/// The caller builds what lives outside the process or is shared with other components — the
/// store (any `SettlementNodeStore`: PostgreSQL in `settlement-engine`, the in-memory double in
/// tests), the L1 client, the gRPC servers — and hands them over; the node builds the rest.
///
/// - **Start** (`start()`): the engine (opens the store, rebuilds the state, then leads or
///   follows), then the L1 (`connectL1`, given the genesis root the store now holds), then the
///   proposer defense and the finality engine, then the deposit and inbox watchers.
/// - **Stop** (`stop()`), in reverse: the watchers (nothing more is handed to the pool), the
///   finality engine (no rollback or post half-done), then the engine (sequences what is ready,
///   makes every closed batch durable, gives its lease up, closes the forwarder). The store and
///   the L1 are the caller's to close, after.
/// - **Revert** (`revert(fromBatch:cause:)`, `SettlementNode+Revert.swift`): one ordered
///   sequence, whatever asked for it — a lost challenge game (the finality engine finds the
///   reverted commitment) or a deposit lost to a deep L1 reorg (the deposit watcher reports it;
///   the finality engine checks no commitment holds it yet).
public final class SettlementNode: Sendable {
    /// Builds the L1 client once the store holds the genesis: its root and the deployment's
    /// signing domain are what a simulated chain is configured with.
    public typealias L1Connector = @Sendable (_ genesisRoot: Digest32, _ domain: SigningDomain) async throws -> any L1Client

    /// The parts that work against the L1, built by `start()`.
    public struct L1Duties: Sendable {
        public let l1: any L1Client
        public let finality: FinalityEngine
        public let deposits: DepositWatcher
        public let inbox: InboxWatcher
        public let defense: ProposerDefense
    }

    public let engine: SettlementEngine
    public let store: any SettlementNodeStore
    /// Hands transactions to the leader while this replica follows (nil: standalone).
    public let forwarder: LeaderForwarder?
    public let settings: SettlementNodeSettings
    let logger: Logger
    let connectL1: L1Connector
    let duties = Lock<L1Duties?>(nil)
    let tasks = Lock<(finality: Task<Void, Never>?, watchers: Task<Void, Never>?)>((nil, nil))
    let gate = WatcherGate()
    let reverts = Lock<[RevertRecord]>([])
    /// What the finality engine and the deposit watcher call back: routes to this node without
    /// owning it.
    let route: NodeRoute

    /// A node over `store`, whose L1 client `connectL1` builds at start.
    public init(config: SettlementConfig, genesis: Genesis, store: any SettlementNodeStore, settings: SettlementNodeSettings,
                logger: Logger, connectL1: @escaping L1Connector) throws(ConfigError) {
        var forwarder: LeaderForwarder?
        if settings.replication != nil {
            forwarder = LeaderForwarder(configuration: settings.forwarder, logger: Logger(label: "\(logger.label).forwarder"))
        }
        engine = try SettlementEngine(config: config, genesis: genesis, store: store,
                                      replication: settings.replication.flatMap { r in forwarder.map { (r, $0) } },
                                      logger: logger)
        forwarder?.attach(events: engine.events)
        self.forwarder = forwarder
        self.store = store
        self.settings = settings
        self.logger = logger
        self.connectL1 = connectL1
        route = NodeRoute()
        route.node.withLock { $0.node = self }
        // A follower that applies another replica's revert: its watchers forget what it undid.
        // (The leader's own reverts reset them inside `revert`, not here.)
        engine.onChainRevert { [route] fromBatch in route.node.withLock { $0.node }?.followerReverted(fromBatch: fromBatch) }
    }

    /// A node on an L1 client that already exists (tests: the genesis root is known beforehand).
    public convenience init(config: SettlementConfig, genesis: Genesis, store: any SettlementNodeStore,
                            settings: SettlementNodeSettings, logger: Logger, l1: any L1Client) throws(ConfigError) {
        try self.init(config: config, genesis: genesis, store: store, settings: settings, logger: logger,
                      connectL1: { _, _ in l1 })
    }

    /// The L1 duties once started.
    public var l1Duties: L1Duties? { duties.withLock { $0 } }

    /// Every revert this node ran as the leader, oldest first.
    public var revertHistory: [RevertRecord] { reverts.withLock { $0 } }
}

/// A weak way back to the node, for the callbacks of parts the node owns.
final class NodeRoute: Sendable {
    struct Weak { weak var node: SettlementNode? }
    let node = Lock(Weak())
}

extension NodeRoute: ChainReverter {
    /// The finality engine's rollback (a lost game, or a requested one after a lost deposit) is
    /// the node's ordered revert.
    func revertChain(fromBatch: UInt64, commitmentIndex: UInt64?) async throws {
        guard let node = node.withLock({ $0.node }) else { throw SubmitError.unavailable("the node is gone") }
        try await node.revert(fromBatch: fromBatch, cause: commitmentIndex.map { .lostGame(commitment: $0) } ?? .lostDeposit)
    }
}
