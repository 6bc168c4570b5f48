import Foundation

/// A statement parameter or COPY field. `nil` (of `PostgresValue?`) is SQL NULL.
///
/// Numbers, booleans, timestamps and bytes travel in PostgreSQL's binary format with an explicit
/// type; text travels as text with an unspecified type, so the server infers it from context
/// (a `text` parameter can fill a `numeric`, `jsonb` or `varchar` column).
public enum PostgresValue: Sendable, Hashable {
    case int16(Int16)
    case int32(Int32)
    case int64(Int64)
    case double(Double)
    case bool(Bool)
    case text(String)
    /// `bytea`.
    case bytes([UInt8])
    /// `timestamptz`, microsecond precision.
    case timestamp(Date)
}

/// Type OIDs of the built-in types used here (pg_type.dat).
enum PostgresOID {
    static let unknown: UInt32 = 0
    static let bool: UInt32 = 16
    static let bytea: UInt32 = 17
    static let int8: UInt32 = 20
    static let int2: UInt32 = 21
    static let int4: UInt32 = 23
    static let float8: UInt32 = 701
    static let timestamptz: UInt32 = 1184
}

extension PostgresValue {
    /// The parameter's type OID (0 = let the server infer it) and format (0 text, 1 binary).
    var parameterType: (oid: UInt32, format: Int32) {
        switch self {
        case .int16: return (PostgresOID.int2, 1)
        case .int32: return (PostgresOID.int4, 1)
        case .int64: return (PostgresOID.int8, 1)
        case .double: return (PostgresOID.float8, 1)
        case .bool: return (PostgresOID.bool, 1)
        case .text: return (PostgresOID.unknown, 0)
        case .bytes: return (PostgresOID.bytea, 1)
        case .timestamp: return (PostgresOID.timestamptz, 1)
        }
    }

    /// Appends the value's wire bytes (binary send format, or UTF-8 text) to `out`.
    func appendWireBytes(to out: inout [UInt8]) {
        switch self {
        case .int16(let v): out.appendBigEndian(v)
        case .int32(let v): out.appendBigEndian(v)
        case .int64(let v): out.appendBigEndian(v)
        case .double(let v): out.appendBigEndian(v.bitPattern)
        case .bool(let v): out.append(v ? 1 : 0)
        case .text(let s): out.append(contentsOf: s.utf8)
        case .bytes(let b): out.append(contentsOf: b)
        case .timestamp(let d): out.appendBigEndian(PostgresTimestamp.microsecondsSince2000(d))
        }
    }
}

extension Array where Element == UInt8 {
    @inline(__always)
    mutating func appendBigEndian<I: FixedWidthInteger>(_ value: I) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
