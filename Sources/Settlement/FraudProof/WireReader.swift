/// A bounds-checked reader over bytes that come off the wire or the L1, for the strict decoders of
/// this folder: every read checks the remaining length first and throws `malformed` naming `what`,
/// so no length field can make a decoder allocate or read past the input.
struct WireReader {
    private let bytes: [UInt8]
    private(set) var offset = 0
    let what: String

    init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
    }

    var remaining: Int { bytes.count - offset }

    func fail(_ why: String) -> FraudProofError { .malformed("\(what): \(why)") }

    mutating func take(_ n: Int, _ field: String) throws(FraudProofError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else { throw fail("truncated \(field) (\(n) bytes needed, \(remaining) left)") }
        defer { offset += n }
        return bytes[offset ..< offset + n]
    }

    mutating func uint8(_ field: String) throws(FraudProofError) -> UInt8 { try take(1, field).first! }

    mutating func uint16(_ field: String) throws(FraudProofError) -> UInt16 {
        try take(2, field).reduce(0) { $0 << 8 | UInt16($1) }
    }

    mutating func uint32(_ field: String) throws(FraudProofError) -> UInt32 {
        try take(4, field).reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func uint64(_ field: String) throws(FraudProofError) -> UInt64 {
        try take(8, field).reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func digest(_ field: String) throws(FraudProofError) -> Digest32 { Digest32(bytes: try take(32, field))! }

    mutating func address(_ field: String) throws(FraudProofError) -> Address { Address(bytes: Array(try take(20, field)))! }

    mutating func uint256(_ field: String) throws(FraudProofError) -> UInt256 {
        UInt256(bigEndianBytes: try take(32, field))!
    }

    /// Throws unless every byte was consumed.
    func finish() throws(FraudProofError) {
        guard remaining == 0 else { throw fail("\(remaining) trailing bytes") }
    }
}

/// Big-endian appends for the encoders of this folder.
extension Array where Element == UInt8 {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        var v = value.bigEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }
}
