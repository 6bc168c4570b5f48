import Foundation
import GRPC
import Settlement
import SettlementAPI

/// Calls of `settlement.v1.Validator` (validator stakes, challenges, finality, withdrawal claims)
/// over the same connection as the settlement API, and how their L1 results are shown.
extension SettlementClient {
    /// A unary `settlement.v1.Validator` call whose `RPCError` becomes a `CLIError` naming the method.
    func validatorCall<Req, Resp>(_ method: MethodDescriptor<Req, Resp>, _ request: Req, timeout: Duration) async throws -> Resp {
        do {
            return try await rpc.unary(method, request, timeout: timeout)
        } catch let e as RPCError {
            throw CLIError.rpc(method: method.fullName, server: display, error: e)
        }
    }
}

extension Format {
    /// Columns aligned under their headers, two spaces apart.
    static func columns(_ headers: [String], _ rows: [[String]]) -> String {
        var widths = headers.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count) }
                .joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }

    /// An enum name without its proto prefix (`COMMITMENT_STATE_FINALIZED` → `FINALIZED`).
    static func enumName(_ s: CustomStringConvertible, prefix: String) -> String {
        let d = s.description
        return d.hasPrefix(prefix) ? String(d.dropFirst(prefix.count)) : d
    }

    /// The result of an L1 call the engine submitted.
    static func l1Call(_ r: SettlementV1.L1CallResult, json: Bool, extra: [(String, String)] = []) -> String {
        if json {
            var o: [String: Any] = ["l1TxHash": hex(r.l1TxHash), "l1BlockNumber": r.l1BlockNumber, "events": r.events]
            if !r.amount.isEmpty { o["amount"] = uint256(r.amount) }
            for (k, v) in extra { o[k] = v }
            guard let data = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .prettyPrinted]) else { return "{}" }
            return String(decoding: data, as: UTF8.self)
        }
        var rows = extra + [("L1 tx", hex(r.l1TxHash)),
                            ("L1 block", r.l1BlockNumber == 0 ? "not included yet (still in the L1 mempool)" : String(r.l1BlockNumber))]
        if !r.amount.isEmpty { rows.append(("amount", uint256(r.amount))) }
        for e in r.events { rows.append(("event", e)) }
        return table(rows)
    }
}
