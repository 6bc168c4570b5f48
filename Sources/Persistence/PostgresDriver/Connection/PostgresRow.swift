import CLibPQ
import Foundation

/// An owned libpq result (`PGresult`), freed when the last row referring to it goes away.
/// Immutable after creation, which libpq allows to be read from any thread.
final class PostgresResult: @unchecked Sendable {
    let raw: OpaquePointer
    let rowCount: Int
    let columnCount: Int

    init(_ raw: OpaquePointer) {
        self.raw = raw
        rowCount = Int(PQntuples(raw))
        columnCount = Int(PQnfields(raw))
    }

    deinit { PQclear(raw) }

    var rows: [PostgresRow] { (0..<rowCount).map { PostgresRow(result: self, index: Int32($0)) } }
}

/// One row of a query result, in PostgreSQL's text format, with typed accessors.
///
/// The typed accessors throw `.invalidArgument` for SQL NULL (use `isNull` or the `...OrNil`
/// variant) and `.protocolMismatch` when the text is not of the requested type.
public struct PostgresRow: Sendable {
    let result: PostgresResult
    let index: Int32

    /// Number of columns.
    public var count: Int { result.columnCount }

    /// Column names in order.
    public var columnNames: [String] {
        (0..<Int32(result.columnCount)).map { String(cString: PQfname(result.raw, $0)) }
    }

    /// The index of column `name`, or nil.
    public func column(named name: String) -> Int? {
        let i = Int(PQfnumber(result.raw, name))
        return i >= 0 ? i : nil
    }

    public func isNull(_ column: Int) throws(PostgresError) -> Bool {
        try check(column)
        return PQgetisnull(result.raw, index, Int32(column)) != 0
    }

    public func string(_ column: Int) throws(PostgresError) -> String {
        try field(column) { String(decoding: $0, as: UTF8.self) }
    }

    public func int64(_ column: Int) throws(PostgresError) -> Int64 {
        try field(column) { text throws(PostgresError) in
            guard let v = Self.parseInteger(text) else { throw mismatch(column, "an integer") }
            return v
        }
    }

    public func int(_ column: Int) throws(PostgresError) -> Int { Int(try int64(column)) }

    public func bool(_ column: Int) throws(PostgresError) -> Bool {
        try field(column) { text throws(PostgresError) in
            guard text.count == 1 else { throw mismatch(column, "a boolean") }
            switch text[0] {
            case UInt8(ascii: "t"): return true
            case UInt8(ascii: "f"): return false
            default: throw mismatch(column, "a boolean")
            }
        }
    }

    public func double(_ column: Int) throws(PostgresError) -> Double {
        try field(column) { text throws(PostgresError) in
            guard let v = Double(String(decoding: text, as: UTF8.self)) else { throw mismatch(column, "a number") }
            return v
        }
    }

    /// A `bytea` column (the server's `\x` hex output).
    public func bytes(_ column: Int) throws(PostgresError) -> [UInt8] {
        try field(column) { text throws(PostgresError) in
            guard let v = Self.decodeByteaHex(text) else { throw mismatch(column, "bytea hex") }
            return v
        }
    }

    /// A `timestamptz` column (ISO text; sessions run in UTC).
    public func date(_ column: Int) throws(PostgresError) -> Date {
        try field(column) { text throws(PostgresError) in
            guard let v = PostgresTimestamp.parse(text) else { throw mismatch(column, "a timestamp") }
            return v
        }
    }

    public func stringOrNil(_ column: Int) throws(PostgresError) -> String? {
        try isNull(column) ? nil : try string(column)
    }
    public func int64OrNil(_ column: Int) throws(PostgresError) -> Int64? {
        try isNull(column) ? nil : try int64(column)
    }
    public func boolOrNil(_ column: Int) throws(PostgresError) -> Bool? {
        try isNull(column) ? nil : try bool(column)
    }
    public func doubleOrNil(_ column: Int) throws(PostgresError) -> Double? {
        try isNull(column) ? nil : try double(column)
    }
    public func bytesOrNil(_ column: Int) throws(PostgresError) -> [UInt8]? {
        try isNull(column) ? nil : try bytes(column)
    }
    public func dateOrNil(_ column: Int) throws(PostgresError) -> Date? {
        try isNull(column) ? nil : try date(column)
    }

    // MARK: - Internals

    private func check(_ column: Int) throws(PostgresError) {
        guard column >= 0, column < result.columnCount else {
            throw PostgresError(.invalidArgument, "column \(column) out of range (\(result.columnCount) columns)")
        }
    }

    /// Calls `body` with the field's bytes (not NUL-terminated), after range and NULL checks.
    private func field<T>(
        _ column: Int, _ body: (UnsafeBufferPointer<UInt8>) throws(PostgresError) -> T
    ) throws(PostgresError) -> T {
        try check(column)
        let c = Int32(column)
        guard PQgetisnull(result.raw, index, c) == 0 else {
            throw PostgresError(.invalidArgument, "column \(column) is NULL")
        }
        let length = Int(PQgetlength(result.raw, index, c))
        guard length >= 0, let p = PQgetvalue(result.raw, index, c) else {
            throw PostgresError(.protocolMismatch, "column \(column): invalid field length \(length)")
        }
        let raw = UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self)
        return try body(UnsafeBufferPointer(start: raw, count: length))
    }

    private func mismatch(_ column: Int, _ expected: String) -> PostgresError {
        PostgresError(.protocolMismatch, "column \(column) is not \(expected)")
    }

    static func parseInteger(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard !text.isEmpty, text.count <= 20 else { return nil }
        var i = 0
        let negative = text[0] == UInt8(ascii: "-")
        if negative { i = 1 }
        guard i < text.count else { return nil }
        var v: Int64 = 0
        while i < text.count {
            let c = text[i]
            guard c >= 48, c <= 57 else { return nil }
            let d = Int64(c - 48)
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
            guard !o1, !o2 else { return nil }
            v = s
            i += 1
        }
        return v
    }

    /// Decodes `\x` followed by an even number of hex digits.
    static func decodeByteaHex(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"),
              text.count % 2 == 0 else { return nil }
        let n = (text.count - 2) / 2
        var out = [UInt8](repeating: 0, count: n)
        var j = 2
        for k in 0..<n {
            guard let h = nibble(text[j]), let l = nibble(text[j + 1]) else { return nil }
            out[k] = h << 4 | l
            j += 2
        }
        return out
    }

    @inline(__always)
    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }
}
