import Foundation
import GRPC
import Logging
import Settlement
import Synchronization

/// `settlement.internal.v1.Sequencer/Forward`: where followers send the transfers their clients
/// submitted, on the replica that holds the sequencer lease. Internal to a replica set; it uses
/// the public messages (`SubmitTransactionsRequest` in, `TransactionReceipt` out, matched by
/// `client_sequence`); its schema is Protos/settlement/internal/v1/sequencer.proto.
///
/// Trust: a follower has already recovered each signature. When the cluster shares a secret
/// (`--cluster-secret`), the call must carry it in `x-settlement-cluster-token` (a missing or
/// wrong token is UNAUTHENTICATED) and the leader skips signature recovery (the point of
/// validating on followers). Without a secret the method is open like `SubmitTransactions`: every
/// transfer is fully validated again and passes the same admission (fail closed).
///
/// Memory: a caller that stops reading receipts (window 0) while sending transfers holds at most
/// `maxUnanswered` transfers without a written receipt; past that the stream is not read (HTTP/2
/// flow control holds the caller back), as `SubmitTransactions` does.
///
/// A replica that is not the sequencer ends the call with UNAVAILABLE; the follower then looks
/// up the new leader and sends everything unanswered again.
public final class SequencerForwardService: SettlementInternalV1.SequencerServiceProtocol {
    /// Metadata key carrying the cluster secret.
    public static let tokenKey = "x-settlement-cluster-token"

    private let engine: SettlementEngine
    private let clusterSecret: [UInt8]?
    private let logger: Logger
    /// Forwarded transfers of one call without a written receipt (see the type's comment).
    public let maxUnanswered: Int

    public init(engine: SettlementEngine, clusterSecret: String?, maxUnanswered: Int = 50_000,
                logger: Logger = Logger(label: "settlement.forward")) {
        self.engine = engine
        self.clusterSecret = clusterSecret.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        self.maxUnanswered = max(1, maxUnanswered)
        self.logger = logger
    }

    public func forward(request: RequestStream<SettlementV1.SubmitTransactionsRequest>,
                        response: ResponseWriter<SettlementV1.TransactionReceipt>, context: ServerContext) async throws {
        try await forward(request, response, verified: try authenticate(context.metadata))
    }

    /// True when the caller proved it belongs to the cluster; false when no secret is configured
    /// (signatures are then verified again). With a secret, a missing or wrong token throws.
    private func authenticate(_ metadata: Metadata) throws -> Bool {
        guard let secret = clusterSecret else {
            if metadata[Self.tokenKey] != nil { throw RPCError(.unauthenticated, "invalid cluster token") }
            return false
        }
        guard let token = metadata[Self.tokenKey] else {
            throw RPCError(.unauthenticated, "the cluster token (\(Self.tokenKey)) is required")
        }
        guard Self.constantTimeEqual(Array(token.utf8), secret) else {
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
        try await SubmissionTracker.run(requests, responses, limit: maxUnanswered) { request, tracker in
            try await self.submit(request, verified: verified, tracker: tracker)
        }
    }

    private func submit(_ request: SettlementV1.SubmitTransactionsRequest, verified: Bool,
                        tracker: SubmissionTracker) async throws {
        let sequence = request.clientSequence
        guard let wire = request.transfer else {
            throw RPCError(.invalidArgument, "forwarded request \(sequence) has no transfer")
        }
        let signed = try wire.domainTransfer(fieldPrefix: "transfer.")
        let receivedAt = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        var delay = Duration.milliseconds(1)
        while true {
            do {
                try engine.submitForwarded(signed, verified: verified) { receipt in
                    tracker.answer(SettlementV1.TransactionReceipt(receipt, clientSequence: sequence, receivedAtMs: receivedAt))
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
