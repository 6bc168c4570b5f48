import Foundation

/// Encodes rows in PostgreSQL's binary COPY format (the `PGCOPY` file format of the COPY
/// documentation): an 11-byte signature, flags and extension length, then per row a big-endian
/// int16 field count followed by each field as an int32 length (-1 for NULL) and its binary send
/// representation; finally the int16 trailer -1.
///
/// Bytes are flushed to `sink` in chunks of about `chunkSize`. Each row must have exactly the
/// number of fields given at creation (the column list of the COPY).
public struct BinaryCopyWriter {
    static let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]
    static let chunkSize = 256 * 1024

    let fieldCount: Int
    private var buffer: [UInt8] = []
    private var fieldsInRow = -1  // -1: no row open
    private let sink: (UnsafeRawBufferPointer) throws(PostgresError) -> Void
    /// Rows written so far.
    public private(set) var rowCount = 0
    /// Bytes handed to the server so far.
    public private(set) var byteCount = 0

    package init(fieldCount: Int, sink: @escaping (UnsafeRawBufferPointer) throws(PostgresError) -> Void) {
        self.fieldCount = fieldCount
        self.sink = sink
        buffer.reserveCapacity(Self.chunkSize + 4096)
        buffer.append(contentsOf: Self.signature)
        buffer.appendBigEndian(Int32(0))  // flags: no OIDs
        buffer.appendBigEndian(Int32(0))  // header extension length
    }

    /// Starts a row (ending the previous one, which must be complete).
    public mutating func beginRow() throws(PostgresError) {
        try endRow()
        fieldsInRow = 0
        buffer.appendBigEndian(Int16(fieldCount))
    }

    public mutating func writeNull() throws(PostgresError) {
        try field()
        buffer.appendBigEndian(Int32(-1))
    }

    public mutating func write(int16 v: Int16) throws(PostgresError) {
        try field(); buffer.appendBigEndian(Int32(2)); buffer.appendBigEndian(v)
    }

    public mutating func write(int32 v: Int32) throws(PostgresError) {
        try field(); buffer.appendBigEndian(Int32(4)); buffer.appendBigEndian(v)
    }

    public mutating func write(int64 v: Int64) throws(PostgresError) {
        try field(); buffer.appendBigEndian(Int32(8)); buffer.appendBigEndian(v)
    }

    public mutating func write(double v: Double) throws(PostgresError) {
        try field(); buffer.appendBigEndian(Int32(8)); buffer.appendBigEndian(v.bitPattern)
    }

    public mutating func write(bool v: Bool) throws(PostgresError) {
        try field(); buffer.appendBigEndian(Int32(1)); buffer.append(v ? 1 : 0)
    }

    /// A `bytea` field: the raw bytes.
    public mutating func write<C: Collection>(bytes: C) throws(PostgresError) where C.Element == UInt8 {
        try field()
        try appendLength(bytes.count)
        buffer.append(contentsOf: bytes)
        try flushIfFull()
    }

    /// A `text`/`varchar` field: UTF-8 bytes.
    public mutating func write(text: String) throws(PostgresError) {
        try field()
        try appendLength(text.utf8.count)
        buffer.append(contentsOf: text.utf8)
        try flushIfFull()
    }

    /// A `timestamptz` field.
    public mutating func write(timestamp: Date) throws(PostgresError) {
        try write(timestampMicrosecondsSince2000: PostgresTimestamp.microsecondsSince2000(timestamp))
    }

    /// A `timestamptz` field given as microseconds since 2000-01-01 UTC (its wire form).
    public mutating func write(timestampMicrosecondsSince2000 v: Int64) throws(PostgresError) {
        try field(); buffer.appendBigEndian(Int32(8)); buffer.appendBigEndian(v)
    }

    /// Writes one `PostgresValue` (nil = NULL).
    public mutating func write(_ value: PostgresValue?) throws(PostgresError) {
        switch value {
        case nil: try writeNull()
        case .int16(let v)?: try write(int16: v)
        case .int32(let v)?: try write(int32: v)
        case .int64(let v)?: try write(int64: v)
        case .double(let v)?: try write(double: v)
        case .bool(let v)?: try write(bool: v)
        case .text(let s)?: try write(text: s)
        case .bytes(let b)?: try write(bytes: b)
        case .timestamp(let d)?: try write(timestamp: d)
        }
    }

    /// Ends the last row, appends the trailer and flushes everything.
    package mutating func finish() throws(PostgresError) {
        try endRow()
        buffer.appendBigEndian(Int16(-1))
        try flush()
    }

    private mutating func field() throws(PostgresError) {
        guard fieldsInRow >= 0 else {
            throw PostgresError(.invalidArgument, "COPY: field written before beginRow()")
        }
        guard fieldsInRow < fieldCount else {
            throw PostgresError(.invalidArgument, "COPY: row \(rowCount) has more than \(fieldCount) fields")
        }
        fieldsInRow += 1
    }

    private mutating func endRow() throws(PostgresError) {
        guard fieldsInRow >= 0 else { return }
        guard fieldsInRow == fieldCount else {
            throw PostgresError(.invalidArgument, "COPY: row \(rowCount) has \(fieldsInRow) fields, expected \(fieldCount)")
        }
        fieldsInRow = -1
        rowCount += 1
        if buffer.count >= Self.chunkSize { try flush() }
    }

    private mutating func appendLength(_ n: Int) throws(PostgresError) {
        guard n < Int(Int32.max) else { throw PostgresError(.invalidArgument, "COPY: field of \(n) bytes is too large") }
        buffer.appendBigEndian(Int32(n))
    }

    private mutating func flushIfFull() throws(PostgresError) {
        if buffer.count >= 4 * Self.chunkSize { try flush() }
    }

    private mutating func flush() throws(PostgresError) {
        guard !buffer.isEmpty else { return }
        byteCount += buffer.count
        var failure: PostgresError?
        buffer.withUnsafeBytes { bytes in
            do throws(PostgresError) { try sink(bytes) } catch { failure = error }
        }
        if let failure { throw failure }
        buffer.removeAll(keepingCapacity: true)
    }
}
