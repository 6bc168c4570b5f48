import Foundation
@testable import GRPC
import RPCTestSupport
import Settlement
@testable import SettlementAPI

/// Valid inputs each target starts from (`settlement-fuzz seed DIR` writes them under
/// DIR/TARGET/): mutating well-formed data reaches the checks deep inside a decoder, which random
/// bytes rarely do.
enum Seeds {
    static func inputs(for target: String) -> [[UInt8]] {
        switch target {
        case "grpc-frame": [[7] + frame(HealthV1.HealthCheckRequest(service: "settlement.v1.Settlement").protobufBytes()), [0] + frame([])]
        case "messages": [[1] + SettlementV1.SignedTransfer(transfers[0]).protobufBytes(),
                          [2] + SettlementV1.SubmitTransactionsRequest(clientSequence: 7, transfer: .init(transfers[1])).protobufBytes()]
        case "batch-data": [BatchData.encode([BatchData.Batch(number: 1, transfers: Array(transfers[0..<2])),
                                              BatchData.Batch(number: 2, transfers: [transfers[2]])], domain: domain),
                            BatchData.encode([BatchData.Batch(number: 5, transfers: [deposit])], domain: domain),
                            // Version 2: a lane of each kind, and a batch with an empty lane.
                            BatchData.encode([BatchData.Batch(number: 1, transfers: [transfers[0]], shielded: Array(lane[0..<2])),
                                              BatchData.Batch(number: 2, transfers: [deposit]),
                                              BatchData.Batch(number: 3, transfers: [], shielded: [lane[2]])], domain: domain)]
        case "genesis": [Array(#"{"config":{"chainId":1337},"alloc":{"0x0000000000000000000000000000000000001001":{"balance":"0x3635c9adc5dea00000"},"0x00000000000000000000000000000000000000a2":{"balance":"1000"}}}"#.utf8)]
        case "http2": [[0] + headers(path: HealthV1.HealthMethods.check.path) + data(frame([]), endStream: true),
                       [0] + headers(path: "/rpctest.v1.EchoService/Echo") + data(frame([10, 2, 104, 105]), endStream: false)]
        case "engine-config": [Array(#"{"batch_size": 500, "production": true, "l1_move_bond": "5000000000000000", "listen": "0.0.0.0:50051"}"#.utf8),
                               Array(#"{"admin_listen": "off", "l1_challenge_bond": "0x10", "fee_account": "0x00000000000000000000000000000000000fee00"}"#.utf8)
                                   + [0] + Array("batch_timeout_ms=50\nmax_pending_per_connection=9\nl1_minimum_stake=1e18\nproduction=yes".utf8)]
        case "l1-transaction": l1Calls.enumerated().map { L1Transaction(sender: depositor, call: $1, nonce: UInt64($0)).encoded }
        case "bn254-points": ZKTarget.seeds
        case "zkey": ZKeyTarget.seeds
        case "zk-ceremony": ZKCeremonyTarget.seeds
        case "shielded-notes": ShieldedTarget.seeds
        case "shielded-transactions": ShieldedTransactionTarget.seeds
        default: []
        }
    }

    /// A gRPC length-prefixed message.
    static func frame(_ message: [UInt8]) -> [UInt8] {
        let n = UInt32(message.count)
        return [0, UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + message
    }

    /// A HEADERS frame on stream 1 with literal (HPACK "without indexing", new name) fields.
    static func headers(path: String) -> [UInt8] {
        var block: [UInt8] = []
        for (name, value) in [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "localhost"),
                              ("content-type", "application/grpc"), ("te", "trailers")] {
            block += [0, UInt8(name.utf8.count)] + Array(name.utf8) + [UInt8(value.utf8.count)] + Array(value.utf8)
        }
        return h2Frame(type: 1, flags: 0x4, payload: block)
    }

    static func data(_ payload: [UInt8], endStream: Bool) -> [UInt8] {
        h2Frame(type: 0, flags: endStream ? 0x1 : 0, payload: payload)
    }

    private static func h2Frame(type: UInt8, flags: UInt8, payload: [UInt8]) -> [UInt8] {
        let n = payload.count
        return [UInt8(n >> 16), UInt8(n >> 8 & 0xff), UInt8(n & 0xff), type, flags, 0, 0, 0, 1] + payload
    }

    /// The signing domain of an empty genesis on chain 1337.
    private static let domain = SigningDomain(genesis: Genesis(chainId: 1337, allocations: []))

    private static let transfers: [SignedTransfer] = (1...3).map { i in
        let key = try! PrivateKey(hex: "0x" + String(repeating: "0", count: 60) + "100\(i)")
        let to = Address(hex: "0x9B11740EA6d46b9176B1eBB69a1672BE9c2c63d8")!
        return SignedTransfer.sign(Transfer(from: key.address, to: to, value: UInt256(UInt64(1_000 * i)), fee: .one, nonce: UInt64(i)),
                                   domain: domain, with: key)
    }

    /// One shielded transaction of each kind (the shielded-transactions seeds, decoded).
    private static let lane: [ShieldedTransaction] = ShieldedTransactionTarget.seeds.map { try! ShieldedTransaction(encoded: $0) }

    private static let depositor = Address(hex: "0x00000000000000000000000000000000000000d1")!
    private static let l1Calls: [L1Transaction.Call] = [
        .deposit(l2Recipient: depositor, amount: UInt256(UInt64(7))), .registerValidator(stake: .one), .withdrawStake,
        .openChallenge(commitment: 3, claimedRoot: Keccak256.hash([1, 2, 3]), bond: .one),
        .proveOneStep(game: 1, proof: [1, 2, 3, 4]),
    ]

    private static let deposit = L1Deposit.transaction(id: 0, recipient: Address(hex: "0x9B11740EA6d46b9176B1eBB69a1672BE9c2c63d8")!,
                                                       amount: UInt256(UInt64(5)), domain: domain)
}
