import Foundation
@testable import GRPC
import RPCTestSupport
import Settlement
@testable import SettlementAPI

/// Targets for everything that decodes bytes from outside: gRPC framing, every message of the
/// API, the L1 commitment data, proofs and game moves, L1 transactions and the genesis.
enum DecoderTargets {
    static let all: [FuzzTarget] = [grpcFrame, messages, batchData, oneStepProof, challengeGame, l1Transaction, genesis]

    /// gRPC length-prefixed framing, fed in chunks whose sizes the input chooses; a message over
    /// the limit must be refused from its prefix alone.
    static let grpcFrame = FuzzTarget(name: "grpc-frame", summary: "MessageFramer over arbitrary chunking") { bytes in
        guard let first = bytes.first else { return }
        let limit = 1 << 12
        var framer = MessageFramer(maxMessageSize: limit)
        let step = Int(first % 31) + 1
        var i = 1
        while i < bytes.count {
            let end = min(bytes.count, i + step)
            let result: Result<Void, MessageFramer.FramingError> = bytes[i..<end].withUnsafeBytes { chunk in
                do {
                    try framer.append(chunk) { message in precondition(message.count <= limit, "framer delivered past its limit") }
                    return .success(())
                } catch let error as MessageFramer.FramingError { return .failure(error) } catch { preconditionFailure("\(error)") }
            }
            if case .failure = result { return }
            i = end
        }
    }

    /// Every request and response message of the API through its protobuf-c decoder and Swift
    /// wrapper; what decodes must encode again.
    static let messages = FuzzTarget(name: "messages", summary: "every API message's decoder") { bytes in
        guard let first = bytes.first else { return }
        let body = Array(bytes.dropFirst())
        let decoders: [([UInt8]) -> Void] = [
            { roundTrip(HealthV1.HealthCheckRequest.self, $0) }, { roundTrip(SettlementV1.SignedTransfer.self, $0) },
            { roundTrip(SettlementV1.SubmitTransactionsRequest.self, $0) }, { roundTrip(SettlementV1.GetSettlementStatusRequest.self, $0) },
            { roundTrip(SettlementV1.SubscribeStatusRequest.self, $0) }, { roundTrip(SettlementV1.GetPerformanceMetricsRequest.self, $0) },
            { roundTrip(SettlementV1.GetBatchRequest.self, $0) }, { roundTrip(SettlementV1.GetAccountRequest.self, $0) },
            { roundTrip(SettlementV1.DepositRequest.self, $0) }, { roundTrip(EchoRequest.self, $0) },
            { roundTrip(SettlementV1.RegisterValidatorRequest.self, $0) }, { roundTrip(SettlementV1.StakeRequest.self, $0) },
            { roundTrip(SettlementV1.ValidatorAddress.self, $0) }, { roundTrip(SettlementV1.ListChallengesRequest.self, $0) },
            { roundTrip(SettlementV1.GetFinalityRequest.self, $0) }, { roundTrip(SettlementV1.ClaimWithdrawalRequest.self, $0) },
            { roundTrip(SettlementV1.GetWithdrawalRequest.self, $0) }, { roundTrip(ReflectionV1.ServerReflectionRequest.self, $0) },
            { roundTrip(SettlementV1.TransactionReceipt.self, $0) }, { roundTrip(SettlementV1.StatusUpdate.self, $0) },
            { roundTrip(SettlementV1.Account.self, $0) }, { roundTrip(SettlementV1.Batch.self, $0) },
        ]
        decoders[Int(first) % decoders.count](body)
    }

    private static func roundTrip<M: ProtoMessage>(_: M.Type, _ bytes: [UInt8]) {
        guard let message = try? M(protobufBytes: bytes) else { return }
        let again = message.protobufBytes()
        guard (try? M(protobufBytes: again)) != nil else {
            preconditionFailure("\(M.self): decoded, re-encoded, and the encoding does not decode")
        }
    }

    /// L1 commitment data: `decode` and `outline` must accept and refuse the same inputs and
    /// agree on the batches (a divergence makes a posted commitment unchallengeable).
    static let batchData = FuzzTarget(name: "batch-data", summary: "BatchData.decode and outline agree") { bytes in
        let decoded = try? BatchData.decode(bytes)
        let outlined = try? BatchData.outline(bytes)
        switch (decoded, outlined) {
        case (nil, nil): return
        case let (d?, o?):
            precondition(d.domain == o.domain, "domains differ")
            precondition(d.batches.map(\.number) == o.batches.map(\.number), "batch numbers differ")
            precondition(d.batches.map(\.transfers.count) == o.batches.map(\.count), "transfer counts differ")
            precondition(d.batches.map(\.shielded.count) == o.batches.map(\.shielded), "shielded counts differ")
        default:
            preconditionFailure("outline \(outlined == nil ? "refused" : "accepted") what decode \(decoded == nil ? "refused" : "accepted")")
        }
    }

    static let oneStepProof = FuzzTarget(name: "one-step-proof", summary: "OneStepProof(serialized:)") { bytes in
        _ = try? OneStepProof(serialized: bytes)
    }

    /// A challenge game's state as the arbiter stores it; what decodes must encode to the same bytes.
    static let challengeGame = FuzzTarget(name: "challenge-game", summary: "ChallengeGame(serialized:)") { bytes in
        guard let game = try? ChallengeGame(serialized: bytes) else { return }
        precondition((try? ChallengeGame(serialized: game.serialized)) != nil, "a decoded game's encoding does not decode")
    }

    static let l1Transaction = FuzzTarget(name: "l1-transaction", summary: "L1Transaction(encoded:)") { bytes in
        _ = try? L1Transaction(encoded: bytes)
    }

    static let genesis = FuzzTarget(name: "genesis", summary: "the streaming genesis parser") { bytes in
        _ = try? Genesis.parse(Data(bytes))
    }
}
