import Foundation
import Logging
import Settlement
import Synchronization

/// `settlement.internal.v1.Sequencer/Forward`: where followers send the transfers their clients
/// submitted, on the replica that holds the sequencer lease. Internal to a replica set; it uses
/// the public messages (`SubmitTransactionsRequest` in, `TransactionReceipt` out, matched by
/// `client_sequence`), so no extra schema is needed.
///
/// Trust: a follower has already recovered each signature. When the cluster shares a secret
/// (`--cluster-secret`) and the call carries it in `x-settlement-cluster-token`, the leader skips
/// signature recovery (the point of validating on followers); without a secret, or without the
/// header, every transfer is fully validated again (fail closed). A wrong token is
/// UNAUTHENTICATED.
///
/// A replica that is not the sequencer ends the call with UNAVAILABLE; the follower then looks
/// up the new leader and sends everything unanswered again.
public final class SequencerForwardService: RPCService {
    public static let name = "settlement.internal.v1.Sequencer"
    public static let forwardPath = "/\(name)/Forward"
    /// Metadata key carrying the cluster secret.
    public static let tokenKey = "x-settlement-cluster-token"
    public var serviceName: String { Self.name }

    private let engine: SettlementEngine
    private let clusterSecret: [UInt8]?
    private let logger: Logger

    public init(engine: SettlementEngine, clusterSecret: String?, logger: Logger = Logger(label: "settlement.forward")) {
        self.engine = engine
        self.clusterSecret = clusterSecret.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        self.logger = logger
    }

    public var methods: [RPCMethod] {
        [RPCMethod.bidirectionalStreaming(Self.forwardPath) {
            (requests: RequestStream<SettlementV1.SubmitTransactionsRequest>,
             responses: ResponseWriter<SettlementV1.TransactionReceipt>, context: ServerContext) in
            try await self.forward(requests, responses, verified: try self.authenticate(context.metadata))
        }]
    }

    /// True when the caller proved it belongs to the cluster.
    private func authenticate(_ metadata: Metadata) throws -> Bool {
        guard let token = metadata[Self.tokenKey] else { return false }
        guard let secret = clusterSecret, Self.constantTimeEqual(Array(token.utf8), secret) else {
            throw RPCError(.unauthenticated, "invalid cluster token")
        }
        return true
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    private func forward(_ requests: RequestStream<SettlementV1.SubmitTransactionsRequest>,
                         _ responses: ResponseWriter<SettlementV1.TransactionReceipt>, verified: Bool) async throws {
        let (receipts, sink) = AsyncStream.makeStream(of: SettlementV1.TransactionReceipt.self)
        let unanswered = Counter()
        defer { sink.finish() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await receipt in receipts { try await responses.send(receipt) }
            }
            group.addTask {
                for try await request in requests {
                    unanswered.value.add(1, ordering: .relaxed)
                    try await self.submit(request, verified: verified, sink: sink, unanswered: unanswered)
                }
                // The follower half-closed: end once every receipt is out.
                while unanswered.value.load(ordering: .relaxed) > 0 { try await Task.sleep(for: .milliseconds(10)) }
                sink.finish()
            }
            do {
                for try await _ in group {}
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    private func submit(_ request: SettlementV1.SubmitTransactionsRequest, verified: Bool,
                        sink: AsyncStream<SettlementV1.TransactionReceipt>.Continuation,
                        unanswered: Counter) async throws {
        let sequence = request.clientSequence
        guard let wire = request.transfer else {
            throw RPCError(.invalidArgument, "forwarded request \(sequence) has no transfer")
        }
        let signed = try wire.domainTransfer(fieldPrefix: "transfer.")
        let receivedAt = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        var delay = Duration.milliseconds(1)
        while true {
            do {
                try engine.submitForwarded(signed, verified: verified) { [unanswered] receipt in
                    unanswered.value.subtract(1, ordering: .relaxed)
                    sink.yield(SettlementV1.TransactionReceipt(receipt, clientSequence: sequence, receivedAtMs: receivedAt))
                }
                return
            } catch .overloaded {
                // Not reading holds the follower back (HTTP/2 flow control).
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .milliseconds(50))
            } catch .unavailable(let m) {
                throw RPCError(.unavailable, m)
            }
        }
    }
}

/// A shared counter (an `Atomic` cannot be captured by escaping closures).
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
