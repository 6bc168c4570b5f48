import Foundation
import Logging
import Synchronization
import ZK

/// Why a submission was refused before it could get a receipt (the RPC layer maps these to gRPC
/// statuses; every other refusal is a REJECTED receipt with a reason).
public enum SubmitError: Error, Sendable, CustomStringConvertible {
    /// The pool is full, or the sender holds its share of it: back off and retry (RESOURCE_EXHAUSTED).
    case overloaded(String)
    /// The engine is starting or stopping (UNAVAILABLE).
    case unavailable(String)

    public var description: String {
        switch self {
        case .overloaded(let m), .unavailable(let m): m
        }
    }
}

/// The settlement engine: validation, pool, sequencing into batches, execution against the
/// Merkle-committed state, durable commits through a `SettlementStore`, receipts, status events
/// and metrics — as the single node of a standalone deployment, or as one replica of a set
/// sharing one database (`ReplicationSettings`).
///
/// Roles: exactly one replica is the sequencer (**leader**), the holder of the lease in the
/// database; it runs the sequencer and committer tasks of its fencing term
/// (`SettlementEngine+Sequencing.swift`). The others are **followers**: they validate what
/// clients send them and forward it to the leader, and apply every committed batch to their own
/// copy of the state, so they answer queries and status streams like the leader and can take
/// over at once (`SettlementEngine+Replication.swift`). A standalone engine leads from the
/// start, with term 0 and no lease.
///
/// Threading: submissions arrive from any task; validation runs on the caller's task (RPC
/// handlers run in parallel on every core). The leader's sequencer task closes batches and
/// executes them under `state`'s lock; its committer task makes them durable in order, at most
/// `maxConcurrentBatches` behind (pipelining), and only then answers clients. Lock order:
/// `lifecycle`, then the pool's, then `state`.
public final class SettlementEngine: Sendable {
    public let config: SettlementConfig
    /// The genesis, held only until `start` has written or checked it (it can be large).
    private let pendingGenesis: Lock<Genesis?>
    /// Identifies the genesis this engine runs (keccak of chain id and allocations).
    public let genesisHash: Digest32
    /// The EIP-712 domain of this deployment (chain id and the salt of its genesis): every
    /// transfer it accepts was signed for it, and clients learn it over the API.
    public let domain: SigningDomain
    let store: any SettlementNodeStore
    /// Replication of a replica set (nil: standalone); its store is `store` itself.
    let replication: (settings: ReplicationSettings, store: any ReplicationStore, forwarder: any TransactionForwarder)?
    let logger: Logger
    let validation: ValidationPipeline
    let executor: BatchExecutor
    /// The state (the leader's, or a follower's copy). Held briefly by readers (accounts, proofs,
    /// the pool's nonce source).
    let state: LockedState
    public let pool: TransactionPool
    /// Verified shielded transactions waiting for a batch's lane (nil: no shielded lane).
    let shieldedQueue: ShieldedQueue?
    /// Verifies shielded transactions' proofs under the spend circuit's key, off the cooperative
    /// threads (nil: no shielded lane).
    let shieldedVerifier: ShieldedProofVerifier?
    public let events: StatusEvents
    /// Transactions refused for good after a lost fraud-proof game (`Quarantine`).
    public let quarantine = Quarantine()
    /// The batches this term made durable and no commitment covers yet: the finality engine
    /// builds commitments from them (`RecentBatches`). Enough for a full step of commitments.
    public let recentBatches: RecentBatches
    public let metrics = MetricsRecorder()
    let inFlight: AsyncSemaphore
    let lifecycle = Lock(Lifecycle())
    /// Receipt handlers of retries that arrived while their transfer was executed but not yet
    /// durable, by transaction id; answered with the original's receipt after the commit.
    let retriesInFlight = Lock<[Digest32: [ReceiptHandler]]>([:])
    /// Where this replica takes forwarded transactions (settable once the server knows its port).
    let advertisedEndpoint: Lock<String>
    /// Signalled by batch notifications (followers wait on it between catch-up reads).
    let batchSignal = WakeSignal()
    /// States rebuilt for proofs against batches no longer retained (`historicalAccount`).
    let historicalStates = HistoricalStates()
    /// Called after each chain revert (`onChainRevert`).
    let revertObservers = Lock<[@Sendable (UInt64) -> Void]>([])

    enum Role: Sendable {
        case starting
        case follower
        case leader(LeaderTerm)
        /// A deposed term handing off: no longer sequencing (submissions are forwarded), but not
        /// yet a follower, so the lease coordinator cannot promote this replica again before its
        /// state is back at the durable head.
        case steppingDown
    }

    struct Lifecycle {
        var running = false
        var stopping = false
        var role = Role.starting
        var nextBatch: UInt64 = 1
        var root = Digest32.zero
        var durableBatch: UInt64 = 0
        /// Newest batch whose status events were published (by the committer or the follower).
        var publishedBatch: UInt64 = 0
        /// Batches handed to the committer and not yet durable.
        var uncommitted = 0
        /// The newest chain revert this replica's state reflects (`ChainRevertStore`).
        var revertSeen: UInt64 = 0
        var leaderTask: Task<Void, Never>?
        var followerTask: Task<Void, Never>?
        var coordinator: Task<Void, Never>?
        var notificationRelay: Task<Void, Never>?

        /// The running term, unless it was deposed.
        var activeTerm: LeaderTerm? {
            if case .leader(let t) = role, !t.isDeposed { return t }
            return nil
        }
    }

    /// A standalone engine (`replication == nil`) or a replica of a set sharing `store`'s database
    /// (the lease and the batch feed are `store`'s too: `SettlementNodeStore`).
    public init(config: SettlementConfig, genesis: Genesis, store: any SettlementNodeStore,
                replication: (settings: ReplicationSettings, forwarder: any TransactionForwarder)? = nil,
                logger: Logger) throws(ConfigError) {
        try config.validate()
        if let r = replication {
            let p = r.settings.problems()
            if !p.isEmpty { throw ConfigError(problems: p) }
        }
        guard genesis.chainId == config.chainId else {
            throw ConfigError(problems: ["genesis chainId \(genesis.chainId) differs from chain_id \(config.chainId)"])
        }
        self.config = config
        self.pendingGenesis = Lock(genesis)
        self.genesisHash = genesis.hash
        self.domain = SigningDomain(chainId: config.chainId, genesisHash: genesisHash)
        self.store = store
        self.replication = replication.map { (settings: $0.settings, store: store, forwarder: $0.forwarder) }
        advertisedEndpoint = Lock(replication?.settings.endpoint ?? "")
        self.logger = logger
        validation = ValidationPipeline(domain: domain, maxFee: config.maxFee)
        executor = BatchExecutor(feeAccount: config.feeAccount)
        let state = LockedState(StateManager(retainedBatches: config.retainedBatches,
                                             shieldedRootWindow: config.shielded?.rootWindow ?? ShieldedPool.defaultWindow))
        shieldedQueue = config.shielded.map { ShieldedQueue(capacity: $0.maxPending) }
        let deployment = domain
        shieldedVerifier = config.shielded.map {
            ShieldedProofVerifier(key: Groth16.PreparedVerifyingKey($0.verifyingKey), domain: deployment)
        }
        self.state = state
        pool = TransactionPool(capacity: config.maxPendingTransactions, maxFutureNonces: config.maxFutureNoncesPerSender,
                               futureTimeout: .milliseconds(config.futureNonceTimeoutMs),
                               maxPerSender: config.maxPendingPerSender) { address in
            state.withLock { $0.account(address) }
        }
        inFlight = AsyncSemaphore(permits: config.maxConcurrentBatches)
        events = StatusEvents(bufferLimit: config.statusSubscriberBuffer)
        recentBatches = RecentBatches(limit: config.maxBatchesPerCommitment * FinalityEngine.maxCommitmentsPerStep)
    }

    /// The genesis allocation as batch 0's diff.
    public static func genesisDiff(_ genesis: Genesis) -> StateDiff {
        genesis.stateDiff
    }

    // MARK: Lifecycle

    /// Opens the store (writing genesis into an empty one), rebuilds the state from it, checks
    /// every recorded root, and starts: sequencing at once when standalone, else as a follower
    /// that takes the lease when it is free.
    public func start() async throws {
        let chain = try await openStore()
        let (last, root) = try state.withLock { s in try Self.replay(chain, into: &s) }
        let revertSeen = try await store.latestRevert()?.id ?? 0
        logger.info("state rebuilt", metadata: ["batch": "\(last)", "root": "\(root)",
                                                "accounts": "\(state.withLock { $0.accountCount })"])
        lifecycle.withLock { l in
            l.nextBatch = last + 1
            l.root = root
            l.durableBatch = last
            l.publishedBatch = last
            l.revertSeen = revertSeen
            l.running = true
        }
        if replication == nil {
            beginTerm(LeaderTerm(term: 0))
        } else {
            await startFollowing()
        }
    }

    /// Rebuilds `s` from a persisted chain (the newest snapshot, then every later diff), checking
    /// each recorded root. Returns the last batch and its root.
    static func replay(_ chain: PersistedChain, into s: inout StateManager) throws -> (UInt64, Digest32) {
        if let snap = chain.snapshot { try s.restore(from: snap, shielded: chain.shieldedBase) }
        var last = chain.snapshot?.batch ?? 0
        for d in chain.diffs {
            guard d.number == s.nextBatch else {
                throw EngineError.corruptState("expected batch \(s.nextBatch) next, the database has \(d.number)")
            }
            let r = try s.apply(diff: d.diff, shielded: chain.shielded[d.number])
            guard r == d.root else {
                throw EngineError.corruptState("replaying batch \(d.number) gives root \(r), the database recorded \(d.root)")
            }
            last = d.number
        }
        return (last, s.root)
    }

    /// Opens the store with the genesis, its diff and its root. They live only in this call: with
    /// a large genesis, each is hundreds of MB, and none of them may still be held while the
    /// state is rebuilt from the chain that comes back (start-up peak memory). The root is
    /// computed in a throw-away state, freed before the store is opened.
    private func openStore() async throws -> PersistedChain {
        guard let genesis = pendingGenesis.withLock({ g -> Genesis? in defer { g = nil }; return g }) else {
            throw EngineError.corruptState("the engine was already started")
        }
        let gDiff = Self.genesisDiff(genesis)
        let gRoot = StateManager(retainedBatches: 0).apply(diff: gDiff)
        return try await store.open(genesis: genesis, genesisDiff: gDiff, genesisRoot: gRoot)
    }

    /// Stops taking submissions. A leader sequences what is ready, waits until every closed batch
    /// is durable and gives its lease up; a follower stops following (forwarded transactions still
    /// unanswered are rejected). Transactions still held for a nonce gap are rejected.
    public func stop() async {
        let (leader, follower, coordinator, relay) = lifecycle.withLock { l in
            l.stopping = true
            return (l.leaderTask, l.followerTask, l.coordinator, l.notificationRelay)
        }
        coordinator?.cancel()
        await coordinator?.value
        follower?.cancel()
        await follower?.value
        await leader?.value
        relay?.cancel()
        if let r = replication { await r.forwarder.close() }
        lifecycle.withLock { $0.running = false }
        logger.info("engine stopped")
    }

    /// Sets where other replicas reach this one (call before `start`, e.g. once an ephemeral
    /// port is known).
    public func advertise(endpoint: String) { advertisedEndpoint.withLock { $0 = endpoint } }

    /// Where other replicas reach this one.
    public var advertisedEndpointValue: String { advertisedEndpoint.withLock { $0 } }

    public var isRunning: Bool { lifecycle.withLock { $0.running && !$0.stopping } }

    /// Whether `start()` has rebuilt the state (reads of the state make sense from then on).
    public var hasStarted: Bool { lifecycle.withLock { $0.running } }

    /// Whether this engine is the sequencer now.
    public var isLeader: Bool { lifecycle.withLock { $0.activeTerm != nil } }

    /// The current fencing term when leading.
    public var leaderTerm: UInt64? { lifecycle.withLock { $0.activeTerm?.term } }

    // MARK: Submissions

    /// Validates and queues a transfer (or, on a follower, forwards it to the leader); `onReceipt`
    /// gets its SEQUENCED (after commit) or REJECTED receipt exactly once. Resubmitting a
    /// transfer that is already durable answers with its existing SEQUENCED receipt (so clients
    /// may retry safely). Throws only when the engine can't take it at all.
    public func submit(_ signed: SignedTransfer, onReceipt: @escaping ReceiptHandler) throws(SubmitError) {
        guard isRunning else { throw .unavailable("the engine is not running") }
        if let why = quarantine.reason(for: signed) { return onReceipt(.rejected(signed.id, why)) }
        switch validation.validate(signed) {
        case .failure(let f):
            onReceipt(.rejected(f.id, f.reason))
        case .success(let tx):
            try enqueueOrForward(tx, onReceipt: onReceipt)
        }
    }

    /// A transfer forwarded by another replica. `verified` when that replica checked the
    /// signature and the channel is authenticated (see `RPC.SequencerForwardService`). Throws
    /// `.unavailable` when this replica is not the sequencer (the sender re-routes).
    public func submitForwarded(_ signed: SignedTransfer, verified: Bool,
                                onReceipt: @escaping ReceiptHandler) throws(SubmitError) {
        guard isRunning else { throw .unavailable("the engine is not running") }
        // A quarantined transaction is refused even from a trusted replica (which may not check
        // signatures either): it lost a fraud-proof game once.
        if let why = quarantine.reason(for: signed) { return onReceipt(.rejected(signed.id, why)) }
        switch validation.validate(signed, verifySignature: !verified) {
        case .failure(let f):
            onReceipt(.rejected(f.id, f.reason))
        case .success(let tx):
            if try !enqueueIfLeading(tx, onReceipt: onReceipt) {
                throw .unavailable("this replica is not the sequencer")
            }
        }
    }

    /// Adds `tx` to the pool when this engine leads, else hands it to the forwarder. Decided under
    /// the lifecycle lock, where roles change too: nothing enters the pool after a hand-off
    /// drained it, and nothing overtakes (per sender, in nonce order) the transactions that a
    /// promotion or a hand-off moves between the pool and the forwarder.
    func enqueueOrForward(_ tx: ValidatedTransfer, onReceipt: @escaping ReceiptHandler) throws(SubmitError) {
        let outcome: Result<Void, PoolRejection>? = try lifecycle.withLock { (l) throws(SubmitError) in
            guard l.activeTerm != nil else {
                guard let r = replication else { throw .unavailable("the engine is not sequencing") }
                try r.forwarder.forward(tx, onReceipt: onReceipt)
                return nil
            }
            return Result { () throws(PoolRejection) in try pool.add(tx, onReceipt: onReceipt) }
        }
        if let outcome { try handlePoolOutcome(outcome, tx, onReceipt: onReceipt) }
    }

    /// Adds `tx` to the pool when this engine leads (under the lifecycle lock, as above); false
    /// when it does not lead.
    func enqueueIfLeading(_ tx: ValidatedTransfer, onReceipt: @escaping ReceiptHandler) throws(SubmitError) -> Bool {
        let outcome: Result<Void, PoolRejection>? = lifecycle.withLock { l in
            guard l.activeTerm != nil else { return nil }
            return Result { () throws(PoolRejection) in try pool.add(tx, onReceipt: onReceipt) }
        }
        guard let outcome else { return false }
        try handlePoolOutcome(outcome, tx, onReceipt: onReceipt)
        return true
    }

    /// Answers a pool refusal (a full pool throws; a used nonce may be a retry).
    func handlePoolOutcome(_ outcome: Result<Void, PoolRejection>, _ tx: ValidatedTransfer,
                           onReceipt: @escaping ReceiptHandler) throws(SubmitError) {
        switch outcome {
        case .success:
            return
        case .failure(let r) where r.isRetryable:
            throw .overloaded(r.description)
        case .failure(.nonceTooLow(let got, let expected)):
            answerPossibleRetry(tx, got: got, expected: expected, onReceipt: onReceipt)
        case .failure(let other):
            onReceipt(.rejected(tx.id, other.description))
        }
    }

    /// A nonce already used: possibly a retry, of a transfer in a batch being committed (answer
    /// with its receipt after the commit) or of one already durable (answer from the store).
    private func answerPossibleRetry(_ tx: ValidatedTransfer, got: UInt64, expected: UInt64,
                                     onReceipt: @escaping ReceiptHandler) {
        let attached = retriesInFlight.withLock { r in
            guard r[tx.id] != nil else { return false }
            r[tx.id]!.append(onReceipt)
            return true
        }
        if attached { return }
        let store = self.store
        let logger = self.logger
        Task {
            let stored: StoredTransaction?
            do {
                stored = try await store.transaction(tx.id)
            } catch {
                // Unknown whether it is durable: never REJECTED (it may well be sequenced), but
                // retryable, as the unary call would fail (see `rejection_reason` in the proto).
                logger.warning("cannot tell whether a used nonce is a retry: the store lookup failed",
                               metadata: ["tx_id": "\(tx.id)", "error": "\(error)"])
                onReceipt(.rejected(tx.id, "\(Receipt.unavailablePrefix)nonce \(got) is used and the settlement store "
                                           + "could not be read to tell whether this transfer is the one that used it; retry"))
                return
            }
            if let stored, stored.status.isDurablyAccepted {
                onReceipt(Receipt(id: tx.id, status: .sequenced, batchNumber: stored.batchNumber,
                                  indexInBatch: stored.index, stateRoot: stored.stateRoot))
            } else {
                onReceipt(.rejected(tx.id, PoolRejection.nonceTooLow(got: got, expected: expected).description))
            }
        }
    }

    /// Submits and waits for the receipt.
    public func submitAndWait(_ signed: SignedTransfer) async throws(SubmitError) -> Receipt {
        let box = ReceiptBox()
        try submit(signed) { box.deliver($0) }
        return await box.value
    }

    // MARK: Queries

    /// The newest durable state root and batch (on a follower: the newest it has applied).
    public var head: (batch: UInt64, root: Digest32) {
        lifecycle.withLock { ($0.durableBatch, $0.root) }
    }

    public func status(of id: Digest32) async throws -> StoredTransaction? {
        if pool.contains(id) || shieldedQueue?.contains(id) == true || replication?.forwarder.isPending(id) == true {
            return StoredTransaction(id: id, status: .pending, reason: "", batchNumber: 0, index: 0,
                                     stateRoot: .zero, updatedAtMs: Self.nowMs())
        }
        return try await store.transaction(id)
    }

    /// `status(of:)` for many ids with few store queries (pending ones answered from memory).
    public func statuses(of ids: [Digest32]) async throws -> [Digest32: StoredTransaction] {
        var out: [Digest32: StoredTransaction] = [:]
        var stored: [Digest32] = []
        for id in ids {
            if pool.contains(id) || shieldedQueue?.contains(id) == true || replication?.forwarder.isPending(id) == true {
                out[id] = StoredTransaction(id: id, status: .pending, reason: "", batchNumber: 0, index: 0,
                                            stateRoot: .zero, updatedAtMs: Self.nowMs())
            } else {
                stored.append(id)
            }
        }
        if !stored.isEmpty { out.merge(try await store.transactions(stored)) { a, _ in a } }
        return out
    }

    public func batch(_ number: UInt64) async throws -> StoredBatch? { try await store.batch(number) }

    /// The newest retained batch whose state root is `root`, from memory (nil when none).
    public func retainedBatch(withRoot root: Digest32) -> UInt64? {
        state.withLock { $0.batch(withRoot: root) }
    }

    /// An account and its Merkle proof against the current root (on the leader possibly a few
    /// batches ahead of the durable head while batches are in flight), or against a recent batch.
    public func account(_ address: Address, atBatch batch: UInt64? = nil) throws(StateError) -> AccountProof {
        try state.withLock { s throws(StateError) in try s.proof(address, atBatch: batch) }
    }

    public func performance(windowSeconds: Int) -> PerformanceSnapshot {
        let (accounts, bytes) = state.withLock { ($0.accountCount, $0.memoryFootprint) }
        let pending = pool.count + (replication?.forwarder.pendingCount ?? 0)
        return metrics.snapshot(windowSeconds: windowSeconds, pending: pending, accounts: accounts, stateBytes: bytes)
    }

    static func nowMs() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }
}

/// The engine cannot continue safely.
public enum EngineError: Error, Sendable, CustomStringConvertible {
    case corruptState(String)
    public var description: String {
        switch self { case .corruptState(let m): "state does not match the database: \(m)" }
    }
}

/// Hands one receipt from a callback to an awaiting task.
final class ReceiptBox: Sendable {
    private let state = Lock<(Receipt?, CheckedContinuation<Receipt, Never>?)>((nil, nil))

    func deliver(_ r: Receipt) {
        let c: CheckedContinuation<Receipt, Never>? = state.withLock { s in
            if let c = s.1 { s.1 = nil; return c }
            s.0 = r
            return nil
        }
        c?.resume(returning: r)
    }

    var value: Receipt {
        get async {
            await withCheckedContinuation { c in
                let r: Receipt? = state.withLock { s in
                    if let r = s.0 { return r }
                    s.1 = c
                    return nil
                }
                if let r { c.resume(returning: r) }
            }
        }
    }
}

/// The sequencer's `StateManager` behind a lock, shareable with the pool's nonce source.
final class LockedState: Sendable {
    private let mutex: Lock<StateManager>
    init(_ state: sending StateManager) { mutex = Lock(state) }
    func withLock<R, E: Error>(_ body: (inout sending StateManager) throws(E) -> sending R) throws(E) -> sending R {
        try mutex.withLock(body)
    }
}
