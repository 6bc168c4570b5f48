import Foundation
import GRPC
import Settlement
import SettlementAPI

/// Human and JSON renderings of the API's values.
enum Format {
    /// `0x` + lower-case hex, or `-` for an empty field.
    static func hex(_ bytes: [UInt8]) -> String { bytes.isEmpty ? "-" : "0x" + Hex.encode(bytes) }

    /// A 32-byte big-endian uint256 in decimal (the raw hex when the field is malformed).
    static func uint256(_ bytes: [UInt8]) -> String {
        UInt256(bigEndianBytes: bytes).map(\.description) ?? "invalid(\(hex(bytes)))"
    }

    /// Unix milliseconds as ISO 8601 UTC with milliseconds; `-` for 0.
    static func time(_ ms: UInt64) -> String {
        guard ms > 0 else { return "-" }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// The status name without its `TX_STATUS_` prefix.
    static func status(_ s: SettlementV1.TxStatus) -> String {
        String(s.description.dropFirst("TX_STATUS_".count))
    }

    /// The batch status name without its `BATCH_STATUS_` prefix.
    static func status(_ s: SettlementV1.BatchStatus) -> String {
        String(s.description.dropFirst("BATCH_STATUS_".count))
    }

    /// Aligned `label: value` lines.
    static func table(_ rows: [(String, String)]) -> String {
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0 + ":" + String(repeating: " ", count: width - $0.0.count + 1) + $0.1 }
            .joined(separator: "\n")
    }
}

/// Prints a JSON object (keys sorted, pretty) on standard output.
func printJSON(_ object: [String: Any]) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]) else {
        printError("internal: value not representable as JSON")
        return
    }
    print(String(decoding: data, as: UTF8.self))
}

/// JSON dictionaries of the wire messages (hex strings for bytes, decimal strings for uint256).
enum JSONForm {
    static func receipt(_ r: SettlementV1.TransactionReceipt) -> [String: Any] {
        var o: [String: Any] = ["txId": Format.hex(r.txId), "status": Format.status(r.status),
                                "batchNumber": r.batchNumber, "receivedAtMs": r.receivedAtMs]
        if !r.stateRoot.isEmpty { o["stateRoot"] = Format.hex(r.stateRoot) }
        if !r.rejectionReason.isEmpty { o["rejectionReason"] = r.rejectionReason }
        return o
    }

    static func status(_ s: SettlementV1.SettlementStatus) -> [String: Any] {
        var o: [String: Any] = ["status": Format.status(s.status), "batchNumber": s.batchNumber,
                                "updatedAtMs": s.updatedAtMs, "l1BlockNumber": s.l1BlockNumber]
        if !s.txId.isEmpty { o["txId"] = Format.hex(s.txId) }
        if !s.stateRoot.isEmpty { o["stateRoot"] = Format.hex(s.stateRoot) }
        if !s.l1TxHash.isEmpty { o["l1TxHash"] = Format.hex(s.l1TxHash) }
        if !s.rejectionReason.isEmpty { o["rejectionReason"] = s.rejectionReason }
        return o
    }

    static func batch(_ b: SettlementV1.Batch, includeIds: Bool = true) -> [String: Any] {
        var o: [String: Any] = ["batchNumber": b.batchNumber, "prevStateRoot": Format.hex(b.prevStateRoot),
                                "newStateRoot": Format.hex(b.newStateRoot), "transactions": b.txIds.count,
                                "createdAtMs": b.createdAtMs, "status": Format.status(b.status)]
        if includeIds { o["txIds"] = b.txIds.map(Format.hex) }
        if !b.l1TxHash.isEmpty { o["l1TxHash"] = Format.hex(b.l1TxHash) }
        return o
    }

    static func metrics(_ m: SettlementV1.PerformanceMetrics) -> [String: Any] {
        ["windowSeconds": m.windowSeconds, "tps": m.tps,
         "batchProcessingP50Us": m.batchProcessingP50Us, "batchProcessingP99Us": m.batchProcessingP99Us,
         "confirmationLatencyP50Ms": m.confirmationLatencyP50Ms, "confirmationLatencyP99Ms": m.confirmationLatencyP99Ms,
         "pendingTransactions": m.pendingTransactions, "stateAccounts": m.stateAccounts,
         "stateSizeBytes": m.stateSizeBytes, "stateGrowthBytesPerSecond": m.stateGrowthBytesPerSecond,
         "batchesCommitted": m.batchesCommitted, "computedAtMs": m.computedAtMs,
         "transactionsSequenced": m.transactionsSequenced, "transactionsRejected": m.transactionsRejected]
    }
}
