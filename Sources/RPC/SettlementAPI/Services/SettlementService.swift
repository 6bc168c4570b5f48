import Foundation
import GRPC
import Logging
import Settlement
import Synchronization

/// The settlement API, `settlement.v1.Settlement` (Protos/settlement/v1/settlement.proto), served
/// by a `SettlementEngine`: the adapter between the wire messages (`SettlementV1`) and the engine.
///
/// - `SubmitTransaction` answers when the transfer is in a durable batch (SEQUENCED, with its
///   batch and state root) or rejected. A full pool is RESOURCE_EXHAUSTED, a stopped engine
///   UNAVAILABLE, malformed fields INVALID_ARGUMENT. Cancelling the call stops the wait (the
///   transfer itself stays submitted).
/// - `SubmitTransactions` gives every request exactly one receipt, in completion order; see
///   `Configuration` for its backpressure (it stops reading rather than refusing).
/// - `SubscribeStatus`, `GetSettlementStatus`, `GetBatch`, `GetAccount`, `GetPerformanceMetrics`
///   read the engine (status events, the store, the in-memory state, the metrics recorder);
///   `GetChainInfo` its signing domain.
/// - The shielded pool's calls (`SubmitShielded`, `GetShieldedState`, `ScanShieldedNotes`,
///   `GetNullifierStatus`) are in `SettlementService+Shielded.swift`.
public final class SettlementService: SettlementV1.SettlementServiceProtocol {
    /// `settlement.v1.Settlement`.
    public static let name = SettlementV1.SettlementMethods.serviceName

    /// Tunables of the service (the engine has its own `SettlementConfig`).
    public struct Configuration: Sendable {
        /// `GetPerformanceMetrics` window when the request says 0.
        public var defaultMetricsWindowSeconds = 60
        /// Largest `GetPerformanceMetrics` window; larger requests are capped to it.
        public var maxMetricsWindowSeconds = 3600
        /// `SubmitTransactions`: how long one transfer is retried while the pool is full before it
        /// gets a REJECTED receipt with a "RESOURCE_EXHAUSTED:" reason. While retrying, the stream
        /// is not read, so HTTP/2 flow control holds the client back.
        public var overloadRetryLimit: Duration = .seconds(10)
        /// `SubmitTransactions`: first sleep between retries (doubling up to `overloadRetryMaxDelay`).
        public var overloadRetryInitialDelay: Duration = .milliseconds(1)
        /// `SubmitTransactions`: longest sleep between retries.
        public var overloadRetryMaxDelay: Duration = .milliseconds(50)
        /// `SubmitTransactions`: a stream's transfers whose receipt has not been written yet (in the
        /// pool, in flight, or waiting for a slow reader). At this many the stream is not read
        /// until a receipt has been written, which bounds the memory one stream can hold.
        public var maxUnansweredPerStream = 50_000
        /// `SubscribeStatus`: most transaction ids in one subscription (INVALID_ARGUMENT past it).
        /// Their current statuses are read in one batched store look-up.
        public var maxSubscribedIds = 1_000
        /// Most transfers one connection may have awaiting their receipts (in the pool or in
        /// flight), across all its calls: its share of the pool. nil: a quarter of the engine's
        /// `maxPendingTransactions`. Past it a unary call gets RESOURCE_EXHAUSTED and a stream's
        /// transfer is retried like a full pool (`overloadRetryLimit`).
        public var maxPendingPerConnection: Int?
        /// Most open `SubscribeStatus` streams per connection (RESOURCE_EXHAUSTED past it).
        public var maxSubscriptionsPerConnection = 32
        /// `ScanShieldedNotes`: most notes one call returns (a request asking for more, or for
        /// 0, gets this many); the client calls again from the next position.
        public var maxScannedNotesPerCall = 100_000
        /// `ScanShieldedNotes`: notes per page (one store read, one message).
        public var scanPageSize = 1_000
        /// `GetNullifierStatus`: most nullifiers in one request (INVALID_ARGUMENT past it).
        public var maxNullifiersPerLookup = 1_024

        /// The defaults.
        public init() {}
    }

    /// The engine served.
    public let engine: SettlementEngine
    /// The service's tunables.
    public let configuration: Configuration
    private let logger: Logger
    /// Recent batch summaries for `SubscribeStatus` streams of every batch: one store read per
    /// batch, however many subscribers.
    private let batchCache = BatchSummaryCache(limit: 64)
    private let openSubmissionStreams = Atomic<Int>(0)
    /// Per-connection shares of the pool and of subscriptions.
    let shares: ConnectionShares

    /// `SubmitTransactions` calls whose handler is still running (both of its tasks included).
    public var activeSubmissionStreams: Int { openSubmissionStreams.load(ordering: .relaxed) }

    /// A service over `engine` (which the caller starts and stops).
    public init(engine: SettlementEngine, configuration: Configuration = Configuration(),
                logger: Logger = Logger(label: "settlement.rpc")) {
        self.engine = engine
        self.configuration = configuration
        self.logger = logger
        shares = ConnectionShares(pendingLimit: configuration.maxPendingPerConnection ?? engine.config.maxPendingTransactions / 4,
                                  subscriptionLimit: configuration.maxSubscriptionsPerConnection)
    }

    // Every RPC is registered by the generated `SettlementServiceProtocol` (MethodDescriptorTests
    // checks that none is missing). `GetPerformanceMetrics` reads only memory but is a plain
    // unary method, not an inline one: it takes the sequencer's state lock (held for a whole batch
    // execution, milliseconds) and sorts the latency reservoirs (up to 65,536 samples), both too
    // long for an event-loop thread.

    // MARK: SubmitTransaction

    public func submitTransaction(request: SettlementV1.SignedTransfer, context: ServerContext) async throws -> SettlementV1.TransactionReceipt {
        let connection = context.connection
        let receivedAt = Self.nowMs()
        let signed = try request.domainTransfer()
        return try await submitAndWait(connection: connection, receivedAt: receivedAt) { handler throws(SubmitError) in
            try self.engine.submit(signed, onReceipt: handler)
        }
    }

    /// One unary submission: takes the connection's share of the pool, hands the engine's
    /// answer to the waiting call, and maps the engine's refusals to status codes (a full pool
    /// RESOURCE_EXHAUSTED, a stopped engine UNAVAILABLE). `SubmitTransaction` and `SubmitShielded`.
    func submitAndWait(connection: ConnectionID, receivedAt: UInt64,
                       _ submit: (@escaping ReceiptHandler) async throws(SubmitError) -> Void) async throws -> SettlementV1.TransactionReceipt {
        guard let slot = shares.takePending(connection) else { throw RPCError(.resourceExhausted, shares.pendingRefusal) }
        let waiter = ReceiptWaiter()
        do {
            try await submit { receipt in
                slot.release()
                waiter.deliver(receipt)
            }
        } catch .overloaded(let m) {
            slot.release()
            throw RPCError(.resourceExhausted, m)
        } catch .unavailable(let m) {
            slot.release()
            throw RPCError(.unavailable, m)
        }
        let receipt = try await waiter.value()
        // Not a verdict: the engine could not tell (e.g. the store was unreachable); retryable.
        if receipt.isUnavailable { throw RPCError(.unavailable, String(receipt.reason.dropFirst(Receipt.unavailablePrefix.count))) }
        return SettlementV1.TransactionReceipt(receipt, receivedAtMs: receivedAt)
    }

    // MARK: SubmitTransactions

    /// Reads transfers and writes receipts concurrently, in completion order (`SubmissionTracker.run`).
    public func submitTransactions(request requests: RequestStream<SettlementV1.SubmitTransactionsRequest>,
                                   response responses: ResponseWriter<SettlementV1.TransactionReceipt>,
                                   context: ServerContext) async throws {
        let connection = context.connection
        openSubmissionStreams.add(1, ordering: .relaxed)
        defer { openSubmissionStreams.subtract(1, ordering: .relaxed) }
        try await SubmissionTracker.run(requests, responses, limit: max(1, configuration.maxUnansweredPerStream)) {
            request, tracker in
            try await self.submitOne(request, receivedAt: Self.nowMs(), connection: connection, tracker: tracker)
        }
    }

    /// Submits one transfer of a stream; its receipt (or a REJECTED one for a problem that would
    /// fail a unary call) goes to `tracker`. Throws only when the call is cancelled.
    private func submitOne(_ request: SettlementV1.SubmitTransactionsRequest, receivedAt: UInt64, connection: ConnectionID,
                           tracker: SubmissionTracker) async throws {
        let sequence = request.clientSequence
        func reject(_ id: Digest32?, _ reason: String) {
            tracker.answer(SettlementV1.TransactionReceipt(clientSequence: sequence, txId: id?.bytes ?? [],
                                                           status: .rejected, rejectionReason: reason,
                                                           receivedAtMs: receivedAt))
        }
        guard let wire = request.transfer else {
            reject(nil, "INVALID_ARGUMENT: field transfer is missing")
            return
        }
        let signed: Settlement.SignedTransfer
        do {
            signed = try wire.domainTransfer(fieldPrefix: "transfer.")
        } catch {
            reject(nil, "INVALID_ARGUMENT: \(error.message)")
            return
        }
        let started = ContinuousClock.now
        var delay = configuration.overloadRetryInitialDelay
        // A full pool and a used-up connection share are both waited out the same way.
        while true {
            let overload: String
            if let slot = shares.takePending(connection) {
                do {
                    try engine.submit(signed) { receipt in
                        slot.release()
                        tracker.answer(SettlementV1.TransactionReceipt(receipt, clientSequence: sequence, receivedAtMs: receivedAt))
                    }
                    return
                } catch .overloaded(let m) {
                    slot.release()
                    overload = m
                } catch .unavailable(let m) {
                    slot.release()
                    reject(signed.id, "UNAVAILABLE: \(m)")
                    return
                }
            } else {
                overload = shares.pendingRefusal
            }
            if ContinuousClock.now - started >= configuration.overloadRetryLimit {
                reject(signed.id, "RESOURCE_EXHAUSTED: \(overload)")
                return
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, configuration.overloadRetryMaxDelay)
        }
    }

    // MARK: GetSettlementStatus

    public func getSettlementStatus(request: SettlementV1.GetSettlementStatusRequest,
                                    context: ServerContext) async throws -> SettlementV1.SettlementStatus {
        let id = try SettlementV1.Validate.digest(request.txId, field: "tx_id")
        guard let stored = try await storeRead({ try await self.engine.status(of: id) }) else {
            throw RPCError(.notFound, "unknown transaction \(id)")
        }
        return SettlementV1.SettlementStatus(stored)
    }

    // MARK: SubscribeStatus

    public func subscribeStatus(request: SettlementV1.SubscribeStatusRequest,
                                response responses: ResponseWriter<SettlementV1.StatusUpdate>,
                                context: ServerContext) async throws {
        let connection = context.connection
        guard request.txIds.count <= configuration.maxSubscribedIds else {
            throw RPCError(.invalidArgument,
                           "at most \(configuration.maxSubscribedIds) tx_ids per subscription, got \(request.txIds.count)")
        }
        guard let slot = shares.takeSubscription(connection) else { throw RPCError(.resourceExhausted, shares.subscriptionRefusal) }
        defer { slot.release() }
        var ids: [Digest32] = []
        ids.reserveCapacity(request.txIds.count)
        var seen = Set<Digest32>()
        for (i, bytes) in request.txIds.enumerated() {
            let id = try SettlementV1.Validate.digest(bytes, field: "tx_ids[\(i)]")
            if seen.insert(id).inserted { ids.append(id) }
        }
        do {
            if ids.isEmpty {
                try await followBatches(responses)
            } else {
                try await followTransactions(ids, responses)
            }
        } catch StatusEvents.End.overflowed {
            throw RPCError(.resourceExhausted,
                           "subscriber too slow: it fell more than \(engine.events.bufferLimit) events behind; subscribe again")
        }
    }

    /// Current statuses first, then changes; ends when every id reached a terminal status.
    private func followTransactions(_ ids: [Digest32], _ responses: ResponseWriter<SettlementV1.StatusUpdate>) async throws {
        // Subscribe before reading the current statuses, so no change falls in between.
        let events = engine.events.subscribe(ids: ids)
        var open = Set(ids)
        var sent: [Digest32: SettlementV1.TxStatus] = [:]
        let current = try await storeRead({ try await self.engine.statuses(of: ids) })
        for id in ids {
            guard let stored = current[id] else { continue }
            let status = SettlementV1.SettlementStatus(stored)
            try await responses.send(SettlementV1.StatusUpdate(status: status))
            sent[id] = status.status
            if status.status.isTerminal { open.remove(id) }
        }
        if open.isEmpty { return }
        for try await event in events {
            guard open.contains(event.id) else { continue }
            let status = SettlementV1.TxStatus(event.status)
            if let previous = sent[event.id], !Self.isNews(status, after: previous) { continue }
            sent[event.id] = status
            try await responses.send(SettlementV1.StatusUpdate(status: SettlementV1.SettlementStatus(event)))
            if status.isTerminal {
                open.remove(event.id)
                if open.isEmpty { return }
            }
        }
    }

    /// Whether `status` moves a transaction on from `previous` (the initial snapshot and the event
    /// stream may both report the same change; progress statuses never go backwards).
    static func isNews(_ status: SettlementV1.TxStatus, after previous: SettlementV1.TxStatus) -> Bool {
        if status == previous { return false }
        let progress: ClosedRange<Int32> = 1...5 // PENDING ... FINALIZED
        if progress.contains(status.rawValue) && progress.contains(previous.rawValue) {
            return status.rawValue > previous.rawValue
        }
        return !previous.isTerminal
    }

    /// One update per batch transition: the batch's summary from the store and a batch-level status.
    private func followBatches(_ responses: ResponseWriter<SettlementV1.StatusUpdate>) async throws {
        let events = engine.events.subscribe(ids: nil)
        var last: (batch: UInt64, status: SettlementV1.BatchStatus)?
        for try await event in events {
            let status = Self.batchStatus(of: event.status)
            // A batch's events are published together, so comparing with the last one sent is enough.
            if let last, last.batch == event.batchNumber && last.status == status { continue }
            last = (event.batchNumber, status)
            let stored = try await cachedBatch(event.batchNumber, root: event.stateRoot)
            let summary = stored.map { SettlementV1.Batch($0, status: status) }
                ?? SettlementV1.Batch(batchNumber: event.batchNumber, newStateRoot: event.stateRoot.bytes,
                                      createdAtMs: event.atMs, status: status)
            let batchStatus = SettlementV1.SettlementStatus(
                status: Self.txStatus(of: status), batchNumber: event.batchNumber, stateRoot: event.stateRoot.bytes,
                updatedAtMs: event.atMs)
            try await responses.send(SettlementV1.StatusUpdate(status: batchStatus, batch: summary))
        }
    }

    /// Batch `number` with root `root` from the cache, else from the store (then cached).
    private func cachedBatch(_ number: UInt64, root: Digest32) async throws -> StoredBatch? {
        if let hit = batchCache.get(number, root: root) { return hit }
        let stored = try await storeRead({ try await self.engine.batch(number) })
        if let stored, stored.newRoot == root { batchCache.put(stored) }
        return stored
    }

    /// The batch status implied by one of its transactions' events (a transaction rejected while the
    /// batch executed is still part of a SEQUENCED batch).
    static func batchStatus(of status: TransactionStatus) -> SettlementV1.BatchStatus {
        switch status {
        case .pending, .sequenced, .rejected: .sequenced
        case .posted: .posted
        case .l1Confirmed: .l1Confirmed
        case .finalized: .finalized
        case .reverted: .reverted
        }
    }

    static func txStatus(of status: SettlementV1.BatchStatus) -> SettlementV1.TxStatus {
        switch status {
        case .unspecified: .unspecified
        case .sequenced: .sequenced
        case .posted: .posted
        case .l1Confirmed: .l1Confirmed
        case .finalized: .finalized
        case .reverted: .reverted
        }
    }

    // MARK: GetPerformanceMetrics

    public func getPerformanceMetrics(request: SettlementV1.GetPerformanceMetricsRequest,
                                      context: ServerContext) -> SettlementV1.PerformanceMetrics {
        let requested = request.windowSeconds == 0 ? configuration.defaultMetricsWindowSeconds : Int(request.windowSeconds)
        let window = max(1, min(requested, configuration.maxMetricsWindowSeconds))
        return SettlementV1.PerformanceMetrics(engine.performance(windowSeconds: window), computedAtMs: Self.nowMs())
    }

    // MARK: GetBatch

    public func getBatch(request: SettlementV1.GetBatchRequest, context: ServerContext) async throws -> SettlementV1.Batch {
        let number = request.batchNumber
        guard let stored = try await storeRead({ try await self.engine.batch(number) }) else {
            throw RPCError(.notFound, "no durable batch \(number)")
        }
        return SettlementV1.Batch(stored)
    }

    // MARK: GetChainInfo

    /// The deployment's signing domain: fixed at construction, so served even while starting.
    public func getChainInfo(request: SettlementV1.GetChainInfoRequest, context: ServerContext) -> SettlementV1.ChainInfo {
        SettlementV1.ChainInfo(domain: engine.domain, genesisHash: engine.genesisHash,
                               feeAccount: engine.config.feeAccount, maxFee: engine.config.maxFee)
    }

    // MARK: GetAccount

    /// Against the latest root (the sequencer's newest, possibly a few batches ahead of the durable
    /// head), or against `state_root`: the latest root or the root of a batch the engine retains,
    /// found in memory (no database query, whatever root is asked). Anything else is
    /// FAILED_PRECONDITION.
    public func getAccount(request: SettlementV1.GetAccountRequest, context: ServerContext) async throws -> SettlementV1.Account {
        let address = try SettlementV1.Validate.address(request.address, field: "address")
        // The server listens before the engine has rebuilt its state (so that a replica's
        // endpoint is live before it can lead): until then there is no state to prove against.
        guard engine.hasStarted else { throw RPCError(.unavailable, "the engine is starting (rebuilding its state); retry") }
        let latest = try proof(address, atBatch: nil)
        if request.stateRoot.isEmpty { return SettlementV1.Account(latest) }
        let root = try SettlementV1.Validate.digest(request.stateRoot, field: "state_root")
        if latest.root == root { return SettlementV1.Account(latest) }
        if let n = engine.retainedBatch(withRoot: root), let p = try? proof(address, atBatch: n), p.root == root {
            return SettlementV1.Account(p)
        }
        throw RPCError(.failedPrecondition,
                       "state root \(root) is not the latest root nor the root of a retained batch; "
                           + "only the latest root and roots of retained batches are served")
    }

    private func proof(_ address: Address, atBatch batch: UInt64?) throws(RPCError) -> AccountProof {
        do {
            return try engine.account(address, atBatch: batch)
        } catch {
            throw RPCError(.failedPrecondition, "only the latest root and roots of retained batches are served: \(error)")
        }
    }

    // MARK: Support

    /// Runs a store read; a store failure is UNAVAILABLE (retry), logged with its details.
    func storeRead<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RPCError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            logger.error("settlement store read failed", metadata: ["error": "\(error)"])
            throw RPCError(.unavailable, "the settlement store is unavailable; retry later")
        }
    }

    static func nowMs() -> UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1000)) }
}

/// One receipt handed from the engine's callback to the waiting handler, or a cancellation.
private final class ReceiptWaiter: Sendable {
    private enum State {
        case waiting(CheckedContinuation<Receipt, any Error>?)
        case delivered(Receipt)
        case cancelled
    }

    private let state = Lock(State.waiting(nil))

    func deliver(_ receipt: Receipt) {
        let waiter: CheckedContinuation<Receipt, any Error>? = state.withLock { s in
            guard case .waiting(let c) = s else { return nil }
            s = .delivered(receipt)
            return c
        }
        waiter?.resume(returning: receipt)
    }

    /// The receipt; throws `CancellationError` when the task is cancelled first.
    func value() async throws -> Receipt {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Receipt, any Error>) in
                let ready: Result<Receipt, any Error>? = state.withLock { s in
                    switch s {
                    case .delivered(let r): return .success(r)
                    case .cancelled: return .failure(CancellationError())
                    case .waiting:
                        s = .waiting(c)
                        return nil
                    }
                }
                if let ready { c.resume(with: ready) }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Receipt, any Error>? = state.withLock { s in
                guard case .waiting(let c) = s else { return nil }
                s = .cancelled
                return c
            }
            waiter?.resume(throwing: CancellationError())
        }
    }
}

/// The last few batch summaries read from the store, by number and root (a batch number can get
/// a different batch after a chain revert, so the root is part of the key).
private final class BatchSummaryCache: Sendable {
    private let entries = Lock<[UInt64: StoredBatch]>([:])
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func get(_ number: UInt64, root: Digest32) -> StoredBatch? {
        entries.withLock { e in e[number].flatMap { $0.newRoot == root ? $0 : nil } }
    }

    func put(_ batch: StoredBatch) {
        entries.withLock { e in
            e[batch.number] = batch
            if e.count > limit, let oldest = e.keys.min() { e.removeValue(forKey: oldest) }
        }
    }
}
