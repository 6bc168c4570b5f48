import Foundation
import Logging
import Synchronization

/// Why a submission was refused before it could get a receipt (the RPC layer maps these to gRPC
/// statuses; every other refusal is a REJECTED receipt with a reason).
public enum SubmitError: Error, Sendable, CustomStringConvertible {
    /// The pool is full: back off and retry (RESOURCE_EXHAUSTED).
    case overloaded(String)
    /// The engine is starting or stopping (UNAVAILABLE).
    case unavailable(String)

    public var description: String {
        switch self {
        case .overloaded(let m), .unavailable(let m): m
        }
    }
}

/// The settlement engine on one node: validation, pool, sequencing into batches, execution
/// against the Merkle-committed state, durable commits through a `SettlementStore`, receipts,
/// status events and metrics.
///
/// Threading: submissions arrive from any task; validation runs on the caller's task (RPC
/// handlers run in parallel on every core). One sequencer task closes batches and executes them
/// under `state`'s lock; one committer task makes them durable in order, at most
/// `maxConcurrentBatches` behind the sequencer (pipelining), and only then answers clients.
public final class SettlementEngine: Sendable {
    public let config: SettlementConfig
    /// The genesis, held only until `start` has written or checked it (it can be large).
    private let pendingGenesis: Mutex<Genesis?>
    /// Identifies the genesis this engine runs (keccak of chain id and allocations).
    public let genesisHash: Digest32
    private let store: any SettlementStore
    private let logger: Logger
    private let validation: ValidationPipeline
    private let executor: BatchExecutor
    /// The sequencer's state. Held briefly by readers (accounts, proofs, the pool's nonce source).
    private let state: LockedState
    public let pool: TransactionPool
    public let events = StatusEvents()
    public let metrics = MetricsRecorder()
    private let inFlight: AsyncSemaphore
    private let lifecycle = Mutex(Lifecycle())
    /// Receipt handlers of retries that arrived while their transfer was executed but not yet
    /// durable, by transaction id; answered with the original's receipt after the commit.
    private let retriesInFlight = Mutex<[Digest32: [ReceiptHandler]]>([:])
    private let commits: AsyncStream<PendingCommit>.Continuation
    private let commitStream: AsyncStream<PendingCommit>

    private struct Lifecycle {
        var running = false
        var stopping = false
        var nextBatch: UInt64 = 1
        var root = Digest32.zero
        var durableBatch: UInt64 = 0
        /// Batches handed to the committer and not yet durable.
        var uncommitted = 0
        var sequencer: Task<Void, Never>?
        var committer: Task<Void, Never>?
    }

    private struct PendingCommit: Sendable {
        let batch: SealedBatch
        let entries: [TransactionPool.Entry]
        let closedAt: ContinuousClock.Instant
    }

    public init(config: SettlementConfig, genesis: Genesis, store: any SettlementStore, logger: Logger) throws(ConfigError) {
        try config.validate()
        guard genesis.chainId == config.chainId else {
            throw ConfigError(problems: ["genesis chainId \(genesis.chainId) differs from chain_id \(config.chainId)"])
        }
        self.config = config
        self.pendingGenesis = Mutex(genesis)
        self.genesisHash = genesis.hash
        self.store = store
        self.logger = logger
        validation = ValidationPipeline(chainId: config.chainId, maxFee: config.maxFee)
        executor = BatchExecutor(feeAccount: config.feeAccount)
        let state = LockedState(StateManager(retainedBatches: config.retainedBatches))
        self.state = state
        pool = TransactionPool(capacity: config.maxPendingTransactions, maxFutureNonces: config.maxFutureNoncesPerSender,
                               futureTimeout: .milliseconds(config.futureNonceTimeoutMs)) { address in
            state.withLock { $0.account(address).nonce }
        }
        inFlight = AsyncSemaphore(permits: config.maxConcurrentBatches)
        (commitStream, commits) = AsyncStream<PendingCommit>.makeStream()
    }

    /// The genesis allocation as batch 0's diff.
    public static func genesisDiff(_ genesis: Genesis) -> StateDiff {
        genesis.stateDiff
    }

    // MARK: Lifecycle

    /// Opens the store (writing genesis into an empty one), rebuilds the state from it, checks
    /// every recorded root, and starts sequencing.
    public func start() async throws {
        let chain = try await openStore()
        let (last, root): (UInt64, Digest32) = try state.withLock { s in
            if let snap = chain.snapshot { try s.restore(from: snap) }
            var last = chain.snapshot?.batch ?? 0
            for d in chain.diffs {
                guard d.number == s.nextBatch else {
                    throw EngineError.corruptState("expected batch \(s.nextBatch) next, the database has \(d.number)")
                }
                let r = s.apply(diff: d.diff)
                guard r == d.root else {
                    throw EngineError.corruptState("replaying batch \(d.number) gives root \(r), the database recorded \(d.root)")
                }
                last = d.number
            }
            return (last, s.root)
        }
        logger.info("state rebuilt", metadata: ["batch": "\(last)", "root": "\(root)",
                                                "accounts": "\(state.withLock { $0.accountCount })"])
        lifecycle.withLock { l in
            l.nextBatch = last + 1
            l.root = root
            l.durableBatch = last
            l.running = true
            l.sequencer = Task { [self] in await sequencerLoop() }
            l.committer = Task { [self] in await committerLoop() }
        }
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

    /// Stops taking submissions, sequences what is ready, waits until every closed batch is
    /// durable, then stops. Transactions still held for a nonce gap are rejected.
    public func stop() async {
        let tasks: (Task<Void, Never>?, Task<Void, Never>?) = lifecycle.withLock { l in
            l.stopping = true
            return (l.sequencer, l.committer)
        }
        await tasks.0?.value
        commits.finish()
        await tasks.1?.value
        lifecycle.withLock { $0.running = false }
        logger.info("engine stopped")
    }

    public var isRunning: Bool { lifecycle.withLock { $0.running && !$0.stopping } }

    // MARK: Submissions

    /// Validates and queues a transfer; `onReceipt` gets its SEQUENCED (after commit) or REJECTED
    /// receipt exactly once. Resubmitting a transfer that is already durable answers with its
    /// existing SEQUENCED receipt (so clients may retry safely). Throws only when the engine can't
    /// take it at all.
    public func submit(_ signed: SignedTransfer, onReceipt: @escaping ReceiptHandler) throws(SubmitError) {
        guard isRunning else { throw .unavailable("the engine is not running") }
        switch validation.validate(signed) {
        case .failure(let f):
            onReceipt(.rejected(f.id, f.reason))
        case .success(let tx):
            do {
                try pool.add(tx, onReceipt: onReceipt)
            } catch .full(let c) {
                throw .overloaded("transaction pool is full (\(c) pending); retry later")
            } catch .nonceTooLow(let got, let expected) {
                // Possibly a retry: of a transfer in a batch being committed (answer with its
                // receipt after the commit) or of one already durable (answer from the store).
                let attached = retriesInFlight.withLock { r in
                    guard r[tx.id] != nil else { return false }
                    r[tx.id]!.append(onReceipt)
                    return true
                }
                if attached { return }
                let store = self.store
                Task {
                    if let stored = try? await store.transaction(tx.id), stored.status == .sequenced {
                        onReceipt(Receipt(id: tx.id, status: .sequenced, batchNumber: stored.batchNumber,
                                          indexInBatch: stored.index, stateRoot: stored.stateRoot))
                    } else {
                        onReceipt(.rejected(tx.id, PoolRejection.nonceTooLow(got: got, expected: expected).description))
                    }
                }
            } catch {
                onReceipt(.rejected(tx.id, error.description))
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

    /// The newest durable state root and batch.
    public var head: (batch: UInt64, root: Digest32) {
        lifecycle.withLock { ($0.durableBatch, $0.root) }
    }

    public func status(of id: Digest32) async throws -> StoredTransaction? {
        if pool.contains(id) {
            return StoredTransaction(id: id, status: .pending, reason: "", batchNumber: 0, index: 0,
                                     stateRoot: .zero, updatedAtMs: Self.nowMs())
        }
        return try await store.transaction(id)
    }

    public func batch(_ number: UInt64) async throws -> StoredBatch? { try await store.batch(number) }

    /// An account and its Merkle proof against the sequencer's current root (which may be a few
    /// batches ahead of the durable head while batches are in flight), or against a recent batch.
    public func account(_ address: Address, atBatch batch: UInt64? = nil) throws(StateError) -> AccountProof {
        try state.withLock { s throws(StateError) in try s.proof(address, atBatch: batch) }
    }

    public func performance(windowSeconds: Int) -> PerformanceSnapshot {
        let (accounts, bytes) = state.withLock { ($0.accountCount, $0.memoryFootprint) }
        return metrics.snapshot(windowSeconds: windowSeconds, pending: pool.count, accounts: accounts, stateBytes: bytes)
    }

    // MARK: Sequencer

    private func sequencerLoop() async {
        let timeout = Duration.milliseconds(config.batchTimeoutMs)
        while true {
            rejectExpiredHeld()
            let stopping = lifecycle.withLock { $0.stopping }
            if pool.readyCount == 0 {
                if stopping { break }
                await pool.waitForReady(minimum: 1, deadline: .now + .milliseconds(50))
                continue
            }
            // Group commit: a batch closes when full, when its oldest transaction has waited
            // batch_timeout_ms, or at once when no batch is waiting for the database (then waiting
            // would only add latency). Under load commits are always in flight and batches fill.
            let committerIdle = lifecycle.withLock { $0.uncommitted == 0 }
            if !stopping, !committerIdle, pool.readyCount < config.batchSize, let oldest = pool.oldestReady,
               oldest + timeout > .now {
                await pool.waitForReady(minimum: config.batchSize, deadline: oldest + timeout)
                continue
            }
            let entries = pool.takeBatch(max: config.batchSize)
            if entries.isEmpty { continue }
            retriesInFlight.withLock { r in for e in entries { r[e.tx.id] = r[e.tx.id] ?? [] } }
            await inFlight.acquire()
            let closedAt = ContinuousClock.now
            let (number, prevRoot) = lifecycle.withLock { l in
                defer { l.nextBatch += 1 }
                return (l.nextBatch, l.root)
            }
            let (result, newRoot) = state.withLock { s in
                let r = executor.execute(entries.map(\.tx), lookup: { s.account($0) })
                let root = s.apply(diff: r.diff)
                return (r, root)
            }
            lifecycle.withLock {
                $0.root = newRoot
                $0.uncommitted += 1
            }
            // After the state lock is released (the pool's nonce source takes it).
            for t in result.transactions { pool.executed(t.tx, accepted: t.accepted) }
            let batch = SealedBatch(number: number, prevRoot: prevRoot, newRoot: newRoot, createdAtMs: Self.nowMs(),
                                    transactions: result.transactions, diff: result.diff)
            commits.yield(PendingCommit(batch: batch, entries: entries, closedAt: closedAt))
        }
        for (entry, expected) in pool.expireHeld(now: .now + .seconds(3600 * 24 * 365)) {
            entry.onReceipt(.rejected(entry.tx.id, "nonce gap: the sender's next nonce is \(expected); the engine is stopping"))
        }
    }

    private func rejectExpiredHeld() {
        for (entry, expected) in pool.expireHeld() {
            entry.onReceipt(.rejected(entry.tx.id,
                "nonce gap: nonce \(entry.tx.transfer.nonce) waited \(config.futureNonceTimeoutMs) ms for the sender's next nonce \(expected)"))
        }
    }

    // MARK: Committer

    private func committerLoop() async {
        for await pending in commitStream {
            var attempt = 0
            while true {
                do {
                    try await store.commit(pending.batch)
                    break
                } catch {
                    attempt += 1
                    let delay = min(5_000, 50 << min(attempt, 7))
                    logger.error("batch commit failed; retrying", metadata: [
                        "batch": "\(pending.batch.number)", "attempt": "\(attempt)", "error": "\(error)",
                        "retry_in_ms": "\(delay)",
                    ])
                    try? await Task.sleep(for: .milliseconds(delay))
                }
            }
            finishCommit(pending)
            inFlight.release()
            // The committer went idle: let the sequencer close a partial batch now.
            if lifecycle.withLock({ l in l.uncommitted -= 1; return l.uncommitted == 0 }) { pool.nudge() }
        }
    }

    /// Runs after the batch is durable: receipts, events, metrics.
    private func finishCommit(_ pending: PendingCommit) {
        let b = pending.batch
        let now = ContinuousClock.now
        let nowMs = Self.nowMs()
        lifecycle.withLock { $0.durableBatch = b.number }
        var events: [StatusEvent] = []
        events.reserveCapacity(b.transactions.count)
        var latencies: [Duration] = []
        latencies.reserveCapacity(b.transactions.count)
        var accepted = 0
        for (i, t) in b.transactions.enumerated() {
            let receipt = t.accepted
                ? Receipt(id: t.tx.id, status: .sequenced, batchNumber: b.number, indexInBatch: i, stateRoot: b.newRoot)
                : Receipt(id: t.tx.id, status: .rejected, reason: t.reason, batchNumber: b.number, indexInBatch: i)
            pending.entries[i].onReceipt(receipt)
            if t.accepted {
                accepted += 1
                latencies.append(now - t.tx.receivedAt)
            }
            events.append(StatusEvent(id: t.tx.id, status: receipt.status, reason: t.reason, batchNumber: b.number,
                                      stateRoot: b.newRoot, atMs: nowMs))
        }
        let retries: [[ReceiptHandler]] = retriesInFlight.withLock { r in
            b.transactions.map { r.removeValue(forKey: $0.tx.id) ?? [] }
        }
        for (i, handlers) in retries.enumerated() where !handlers.isEmpty {
            let t = b.transactions[i]
            let receipt = t.accepted
                ? Receipt(id: t.tx.id, status: .sequenced, batchNumber: b.number, indexInBatch: i, stateRoot: b.newRoot)
                : Receipt(id: t.tx.id, status: .rejected, reason: t.reason, batchNumber: b.number, indexInBatch: i)
            for h in handlers { h(receipt) }
        }
        self.events.publish(events)
        let bytes = state.withLock { $0.memoryFootprint }
        metrics.recordBatch(processing: now - pending.closedAt, accepted: accepted,
                            rejected: b.transactions.count - accepted, latencies: latencies, stateBytes: bytes, now: now)
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
    private let state = Mutex<(Receipt?, CheckedContinuation<Receipt, Never>?)>((nil, nil))

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
    private let mutex: Mutex<StateManager>
    init(_ state: sending StateManager) { mutex = Mutex(state) }
    func withLock<R, E: Error>(_ body: (inout sending StateManager) throws(E) -> sending R) throws(E) -> sending R {
        try mutex.withLock(body)
    }
}
