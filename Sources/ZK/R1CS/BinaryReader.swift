/// A bounds-checked little-endian cursor over a byte buffer: every read checks what remains, so a
/// hostile length fails as `truncated` instead of trapping or allocating.
struct BinaryReader {
    let bytes: [UInt8]
    var offset: Int
    let end: Int

    init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = end ?? bytes.count
    }

    var remaining: Int { end - offset }

    mutating func take(_ n: Int, _ what: String) throws(BinaryFileError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else { throw .truncated(what) }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    mutating func u32(_ what: String) throws(BinaryFileError) -> UInt32 {
        let s = try take(4, what)
        return s.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func u64(_ what: String) throws(BinaryFileError) -> UInt64 {
        let s = try take(8, what)
        return s.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A 32-byte little-endian field element, which must be < r.
    mutating func fr(_ what: String) throws(BinaryFileError) -> Fr {
        let s = try take(32, what)
        guard let v = Fr(littleEndian: s) else { throw .invalidValue("\(what) is not below r") }
        return v
    }
}

/// Little-endian appends.
extension Array where Element == UInt8 {
    mutating func appendU32(_ v: UInt32) { for i in 0..<4 { append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func appendU64(_ v: UInt64) { for i in 0..<8 { append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func appendFr(_ v: Fr) { append(contentsOf: v.littleEndianBytes) }
}

extension Fr {
    /// The canonical (not Montgomery) value as 32 little-endian bytes, as iden3's formats store it.
    public var littleEndianBytes: [UInt8] { Array(bigEndianBytes.reversed()) }

    /// From 32 little-endian bytes; nil unless the value is below r.
    public init?<C: Collection>(littleEndian bytes: C) where C.Element == UInt8 {
        guard bytes.count == 32 else { return nil }
        self.init(bigEndian: Array(bytes.reversed()))
    }

    /// r itself, little-endian: the prime field headers carry.
    static var modulusLittleEndian: [UInt8] { Array(Fr.modulus.bigEndianBytes.reversed()) }
}

/// Splits an iden3 section container (magic, version, sections of (type u32, size u64, content)),
/// checking each section fits in the file. Returns the version and the sections' content ranges.
func readSections(_ bytes: [UInt8], magic: String) throws(BinaryFileError)
    -> (version: UInt32, sections: [UInt32: Range<Int>]) {
    var reader = BinaryReader(bytes)
    let m = try reader.take(4, "magic")
    guard Array(m) == Array(magic.utf8) else { throw .wrongMagic(expected: magic) }
    let version = try reader.u32("version")
    let count = try reader.u32("section count")
    // Each section has at least a 12-byte header: a count the file cannot hold is refused.
    guard Int(count) <= reader.remaining / 12 + 1 else { throw .invalidCount("\(count) sections") }
    var sections: [UInt32: Range<Int>] = [:]
    for _ in 0..<count {
        let type = try reader.u32("section type")
        let size = try reader.u64("section size")
        guard size <= UInt64(reader.remaining) else { throw .truncated("section \(type) of \(size) bytes") }
        let start = reader.offset
        _ = try reader.take(Int(size), "section \(type)")
        guard sections[type] == nil else { throw .duplicateSection(type) }
        sections[type] = start..<reader.offset
    }
    return (version, sections)
}
