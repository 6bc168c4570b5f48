import Foundation
import GRPC
import Settlement
import SettlementAPI

/// Submitting a shielded transaction and showing its receipt, shared by the online commands.
enum ShieldedSubmission {
    /// `SubmitShielded` with `bytes`.
    static func submit(_ bytes: [UInt8], client: SettlementClient, timeout: Duration) async throws -> SettlementV1.TransactionReceipt {
        ShieldedProgress.phase("submitting ...")
        return try await client.unary(SettlementMethods.submitShielded,
                                      SettlementV1.SubmitShieldedRequest(transaction: bytes), timeout: timeout)
    }

    /// Prints the receipt (tx id, status, reason or batch) and fails (exit 1) on REJECTED.
    static func show(_ receipt: SettlementV1.TransactionReceipt, json: Bool, extra: [(String, String)] = []) throws {
        if json {
            var o = JSONForm.receipt(receipt)
            for (k, v) in extra { o[k] = v }
            printJSON(o)
        } else {
            var rows: [(String, String)] = [("tx id", Format.hex(receipt.txId)), ("status", Format.status(receipt.status))]
            if receipt.status == .rejected {
                rows.append(("reason", receipt.rejectionReason))
            } else {
                rows.append(("batch", String(receipt.batchNumber)))
            }
            print(Format.table(rows + extra))
        }
        if receipt.status == .rejected { throw CLIError.failed }
    }
}
