import GRPC
import Logging
import Settlement
import Synchronization

/// A follower's link to the sequencer: forwards validated transfers over one long-lived
/// `Sequencer/Forward` stream to the lease holder and hands each receipt to the client call
/// that is waiting for it.
///
/// Nothing is dropped across a change of leader: every transfer stays *outstanding* until it has
/// a definite answer, and each new stream (after a reconnect or a leader change) starts by sending
/// every outstanding transfer again, oldest first. Re-sending is safe: a transfer the old leader
/// made durable comes back with its SEQUENCED receipt (nonce already used → found in the store),
/// one still in the new leader's pool is answered when its batch commits. Answers come from
/// the leader's receipts or from the follower's own view of committed batches (`attach(events:)`),
/// whichever is first; "already submitted" is not an answer, so such a transfer is asked about
/// again a second later.
public final class LeaderForwarder: TransactionForwarder {
    public struct Configuration: Sendable {
        /// Most outstanding transfers; past it `forward` throws `.overloaded`.
        public var capacity = 100_000
        /// Sent as `x-settlement-cluster-token` (lets the leader skip signature recovery).
        public var clusterSecret: String?
        /// TLS to the leader, when the replicas serve TLS.
        public var tls: RPCClientConfiguration.TLS?

        public init() {}
    }

    private struct Outstanding {
        let tx: ValidatedTransfer
        var handlers: [ReceiptHandler]
        let sequence: UInt64
    }

    private struct State {
        var leader: String?
        var generation: UInt64 = 0
        var outstanding: [Digest32: Outstanding] = [:]
        var bySequence: [UInt64: Digest32] = [:]
        /// Outstanding ids to send on the current stream, in order.
        var queue: [Digest32] = []
        var nextSequence: UInt64 = 1
        var closed = false
        var tasks: [Task<Void, Never>] = []
    }

    private struct LeaderChanged: Error {}

    public let configuration: Configuration
    private let state = Lock(State())
    private let wake = WakeSignal()
    private let logger: Logger
    private static let duplicateReason = PoolRejection.duplicate.description

    public init(configuration: Configuration = Configuration(), logger: Logger = Logger(label: "settlement.forwarder")) {
        self.configuration = configuration
        self.logger = logger
        let runner = Task { [weak self] in
            guard let self else { return }
            await self.run()
        }
        state.withLock { $0.tasks.append(runner) }
    }

    /// Resolves outstanding transfers from committed batches as this replica sees them.
    public func attach(events: StatusEvents) {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                do {
                    // Only receipts: the finality engine's L1 steps (every transaction of a commitment at
                    // once) are not built for this subscriber, nor do they crowd its buffer.
                    for try await e in events.subscribe(ids: nil, statuses: [.sequenced, .rejected])
                    where e.status == .sequenced || e.status == .rejected {
                        self?.resolve(e.id, Receipt(id: e.id, status: e.status, reason: e.reason, batchNumber: e.batchNumber,
                                                    stateRoot: e.status == .sequenced ? e.stateRoot : .zero))
                    }
                    return
                } catch {
                    // Overflowed: subscribe again (the leader's receipts still arrive meanwhile).
                }
            }
        }
        state.withLock { $0.tasks.append(task) }
    }

    // MARK: TransactionForwarder

    public func forward(_ tx: ValidatedTransfer, onReceipt: @escaping ReceiptHandler) throws(SubmitError) {
        let error: SubmitError? = state.withLock { s in
            if s.closed { return .unavailable("the engine is stopping") }
            if s.outstanding[tx.id] != nil {
                s.outstanding[tx.id]!.handlers.append(onReceipt)
                return nil
            }
            if s.outstanding.count >= configuration.capacity {
                return .overloaded("\(s.outstanding.count) transactions are waiting for the sequencer; retry later")
            }
            let seq = s.nextSequence
            s.nextSequence += 1
            s.outstanding[tx.id] = Outstanding(tx: tx, handlers: [onReceipt], sequence: seq)
            s.bySequence[seq] = tx.id
            s.queue.append(tx.id)
            return nil
        }
        if let error { throw error }
        wake.signal()
    }

    public func setLeader(_ endpoint: String?) {
        let changed = state.withLock { s in
            guard s.leader != endpoint else { return false }
            s.leader = endpoint
            s.generation += 1
            return true
        }
        if changed {
            logger.info("sequencer endpoint", metadata: ["leader": "\(endpoint ?? "none")"])
            wake.signal()
        }
    }

    public func isPending(_ id: Digest32) -> Bool { state.withLock { $0.outstanding[id] != nil } }

    public func takeOutstanding() -> [(tx: ValidatedTransfer, onReceipt: ReceiptHandler)] {
        let taken: [Outstanding] = state.withLock { s in
            defer { s.outstanding = [:]; s.bySequence = [:]; s.queue = [] }
            return s.outstanding.values.sorted { $0.sequence < $1.sequence }
        }
        return taken.map { o in
            let handlers = o.handlers
            return (o.tx, { r in for h in handlers { h(r) } })
        }
    }

    public var pendingCount: Int { state.withLock { $0.outstanding.count } }

    public func close() async {
        let (tasks, left) = state.withLock { s in
            s.closed = true
            defer { s.outstanding = [:]; s.bySequence = [:]; s.queue = []; s.tasks = [] }
            return (s.tasks, Array(s.outstanding.values))
        }
        for t in tasks { t.cancel() }
        wake.signal()
        for o in left {
            let r = Receipt.rejected(o.tx.id, "UNAVAILABLE: the replica stopped before the sequencer answered; resubmit (retries are safe)")
            for h in o.handlers { h(r) }
        }
    }

    // MARK: Answers

    private func resolve(_ id: Digest32, _ receipt: Receipt) {
        let handlers: [ReceiptHandler] = state.withLock { s in
            guard let o = s.outstanding.removeValue(forKey: id) else { return [] }
            s.bySequence[o.sequence] = nil
            return o.handlers
        }
        for h in handlers { h(receipt) }
    }

    private func deliver(_ r: SettlementV1.TransactionReceipt) {
        let id: Digest32? = Digest32(bytes: r.txId) ?? state.withLock { $0.bySequence[r.clientSequence] }
        guard let id, let status = r.status.domain else { return }
        if status == .rejected && r.rejectionReason == Self.duplicateReason {
            // The leader has it from an earlier stream: ask again later unless answered meanwhile.
            let task = Task { [weak self] in
                try? await Task.sleep(for: .seconds(1))
                self?.requeue(id)
            }
            state.withLock { s in if !s.closed { s.tasks.removeAll { $0.isCancelled }; s.tasks.append(task) } }
            return
        }
        resolve(id, Receipt(id: id, status: status, reason: r.rejectionReason, batchNumber: r.batchNumber,
                            stateRoot: Digest32(bytes: r.stateRoot) ?? .zero))
    }

    private func requeue(_ id: Digest32) {
        let queued = state.withLock { s in
            guard s.outstanding[id] != nil else { return false }
            s.queue.append(id)
            return true
        }
        if queued { wake.signal() }
    }

    // MARK: Streams

    private func run() async {
        var backoff = Duration.milliseconds(50)
        while !Task.isCancelled {
            let (endpoint, generation, closed) = state.withLock { ($0.leader, $0.generation, $0.closed) }
            if closed { return }
            guard let endpoint, let address = Self.parse(endpoint) else {
                await wake.wait(timeout: .milliseconds(200))
                continue
            }
            var client: RPCClient?
            do {
                let c = try await RPCClient.connect(RPCClientConfiguration(host: address.host, port: address.port,
                                                                           tls: configuration.tls))
                client = c
                try await runStream(on: c, generation: generation)
                backoff = .milliseconds(50)
            } catch is LeaderChanged {
                backoff = .milliseconds(50)
            } catch {
                logger.debug("forwarding stream ended", metadata: ["leader": "\(endpoint)", "error": "\(error)"])
            }
            await client?.close()
            if state.withLock({ $0.generation }) == generation {
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(1))
            }
        }
    }

    /// One stream to the leader: sends every outstanding transfer, then new ones as they come,
    /// while reading receipts. Ends with an error when the stream breaks or the leader changes.
    private func runStream(on client: RPCClient, generation: UInt64) async throws {
        state.withLock { s in
            s.queue = s.outstanding.values.sorted { $0.sequence < $1.sequence }.map(\.tx.id)
        }
        var metadata = Metadata()
        if let secret = configuration.clusterSecret, !secret.isEmpty { metadata.add(SequencerForwardService.tokenKey, secret) }
        try await client.bidirectionalStreaming(SettlementInternalV1.SequencerMethods.forward, metadata: metadata) { writer, responses in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await r in responses { self.deliver(r) }
                    throw RPCError(.unavailable, "the sequencer ended the forwarding stream")
                }
                group.addTask {
                    while true {
                        let (next, current) = self.takeQueued(max: 256)
                        if current != generation { throw LeaderChanged() }
                        if next.isEmpty {
                            await self.wake.wait(timeout: .milliseconds(100))
                            try Task.checkCancellation()
                            continue
                        }
                        for (sequence, signed) in next {
                            try await writer.send(SettlementV1.SubmitTransactionsRequest(
                                clientSequence: sequence, transfer: SettlementV1.SignedTransfer(signed)))
                        }
                    }
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        }
    }

    private func takeQueued(max: Int) -> ([(UInt64, Settlement.SignedTransfer)], UInt64) {
        state.withLock { s in
            var out: [(UInt64, Settlement.SignedTransfer)] = []
            var taken = 0
            for id in s.queue {
                if out.count == max { break }
                taken += 1
                if let o = s.outstanding[id] { out.append((o.sequence, o.tx.signed)) }
            }
            s.queue.removeFirst(taken)
            return (out, s.generation)
        }
    }

    static func parse(_ endpoint: String) -> (host: String, port: Int)? {
        guard let colon = endpoint.lastIndex(of: ":"), let port = Int(endpoint[endpoint.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        var host = String(endpoint[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }
}
