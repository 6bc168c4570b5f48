import CLibPQ
import Foundation

/// The `PGconn*` of one connection. Touched only on that connection's `ConnectionThread`, hence
/// the unchecked sendability; `raw` becomes nil once `PQfinish` has run.
final class PGConnHandle: @unchecked Sendable {
    private(set) var raw: OpaquePointer?

    init(_ raw: OpaquePointer) { self.raw = raw }

    func finish() {
        if let raw { PQfinish(raw) }
        raw = nil
    }
}

/// Builds `PostgresError`s from libpq state, keeping secrets out of messages.
struct LibPQErrors {
    /// Strings that must never appear in an error message (the connection string, the password).
    let secrets: [String]

    /// The error of a failed `result` (or of the connection when there is no result).
    func error(result: OpaquePointer?, connection: OpaquePointer?, what: String) -> PostgresError {
        var sqlState: String?
        var message = ""
        if let result {
            sqlState = field(result, "C")
            message = field(result, "M") ?? ""
            if let detail = field(result, "D") { message += " — \(detail)" }
            if let hint = field(result, "H") { message += " (hint: \(hint))" }
        }
        if message.isEmpty, let connection, let m = PQerrorMessage(connection) {
            message = String(cString: m)
        }
        if message.isEmpty { message = "unknown libpq failure" }
        let lost = connection.map { PQstatus($0) == CONNECTION_BAD } ?? true
        let kind: PostgresError.Kind =
            lost || PostgresError.isConnectionState(sqlState) ? .connection : .statement
        return PostgresError(kind, "\(what): \(redact(message))", sqlState: sqlState)
    }

    /// An error about the connection itself (connect failure, I/O failure).
    func connectionError(_ connection: OpaquePointer?, what: String) -> PostgresError {
        var message = connection.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? ""
        if message.isEmpty { message = "connection failure" }
        return PostgresError(.connection, "\(what): \(redact(message))")
    }

    func redact(_ message: String) -> String {
        var m = message.trimmingCharacters(in: .whitespacesAndNewlines)
        for secret in secrets where !secret.isEmpty {
            m = m.replacingOccurrences(of: secret, with: "[redacted]")
        }
        return m
    }

    private func field(_ result: OpaquePointer, _ code: Character) -> String? {
        guard let p = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
        let s = String(cString: p)
        return s.isEmpty ? nil : s
    }

    /// The connection string and its password (as libpq parses it), to be redacted.
    static func secrets(of conninfo: String) -> [String] {
        var secrets = [conninfo]
        var errmsg: UnsafeMutablePointer<CChar>?
        if let options = PQconninfoParse(conninfo, &errmsg) {
            var p = options
            while let keyword = p.pointee.keyword {
                if String(cString: keyword) == "password", let val = p.pointee.val {
                    secrets.append(String(cString: val))
                }
                p += 1
            }
            PQconninfoFree(options)
        }
        if let errmsg { PQfreemem(errmsg) }
        return secrets.sorted { $0.count > $1.count }
    }
}

/// Quotes an SQL identifier: `"` + name with `"` doubled + `"`. A dotted name (`schema.table`) is
/// quoted part by part.
func quoteIdentifier(_ name: String) -> String {
    name.split(separator: ".", omittingEmptySubsequences: false)
        .map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        .joined(separator: ".")
}

/// Marshals statement parameters into the arrays `PQexecParams`/`PQsendQueryParams` take and
/// calls `body` with them (all pointers valid only during the call).
func withParameters<T>(
    _ params: [PostgresValue?],
    _ body: (Int32, UnsafePointer<UInt32>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
             UnsafePointer<Int32>?) throws(PostgresError) -> T
) throws(PostgresError) -> T {
    guard params.count <= Int(UInt16.max) else {
        throw PostgresError(.invalidArgument, "too many parameters (\(params.count), at most 65535)")
    }
    var bytes: [UInt8] = []
    var types = [UInt32](), formats = [Int32](), lengths = [Int32](), offsets = [Int]()
    types.reserveCapacity(params.count)
    for param in params {
        guard let value = param else {
            types.append(0); formats.append(0); lengths.append(0); offsets.append(-1)
            continue
        }
        let (oid, format) = value.parameterType
        let start = bytes.count
        value.appendWireBytes(to: &bytes)
        let length = bytes.count - start
        guard length < Int(Int32.max) else {
            throw PostgresError(.invalidArgument, "parameter too large (\(length) bytes)")
        }
        if format == 0 { bytes.append(0) }  // text parameters are NUL-terminated
        types.append(oid); formats.append(format); lengths.append(Int32(length)); offsets.append(start)
    }
    bytes.append(0)  // never empty, so the base address exists
    return try bytes.withUnsafeBufferPointer { (buffer) throws(PostgresError) -> T in
        let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
        let values: [UnsafePointer<CChar>?] = offsets.map { $0 < 0 ? nil : base + $0 }
        return try body(Int32(params.count), types, values, lengths, formats)
    }
}
