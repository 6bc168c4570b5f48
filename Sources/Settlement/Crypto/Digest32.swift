/// A 32-byte digest (Keccak-256 output, EIP-712 digests, Merkle nodes, transaction ids).
///
/// The bytes are stored inline as four 64-bit words — no heap allocation — so digests can be
/// copied, hashed and compared at register speed in the Merkle tree and the transaction pool.
/// Word `i` holds bytes `8i ..< 8i+8` read as a *little-endian* integer: that is exactly the
/// layout of a Keccak lane, so hashing two digests together needs no byte shuffling.
public struct Digest32: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Bytes 0..<8, little-endian (a Keccak lane).
    public var w0: UInt64
    /// Bytes 8..<16, little-endian.
    public var w1: UInt64
    /// Bytes 16..<24, little-endian.
    public var w2: UInt64
    /// Bytes 24..<32, little-endian.
    public var w3: UInt64

    /// Builds a digest from its four little-endian words (see the type's documentation).
    @inlinable
    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// All 32 bytes zero (the empty leaf of a sparse Merkle tree, for instance).
    public static let zero = Digest32(w0: 0, w1: 0, w2: 0, w3: 0)

    /// Reads 32 bytes at `pointer` (no alignment required).
    @inlinable
    public init(loading pointer: UnsafeRawPointer) {
        w0 = UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        w1 = UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        w2 = UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        w3 = UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// nil unless `bytes` has exactly 32 elements.
    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        guard bytes.count == 32 else { return nil }
        let a = Array(bytes)
        self = a.withUnsafeBytes { Digest32(loading: $0.baseAddress!) }
    }

    /// Parses 64 hex digits, with or without a `0x` prefix, any case.
    public init?(hex: String) {
        guard let b = Hex.decodePrefixed(hex), b.count == 32 else { return nil }
        self.init(bytes: b)!
    }

    /// Writes the 32 bytes to `pointer` (no alignment required).
    @inlinable
    public func store(to pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: w0.littleEndian, toByteOffset: 0, as: UInt64.self)
        pointer.storeBytes(of: w1.littleEndian, toByteOffset: 8, as: UInt64.self)
        pointer.storeBytes(of: w2.littleEndian, toByteOffset: 16, as: UInt64.self)
        pointer.storeBytes(of: w3.littleEndian, toByteOffset: 24, as: UInt64.self)
    }

    /// Calls `body` with the 32 bytes, without allocating.
    @inlinable
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        var copy = (w0.littleEndian, w1.littleEndian, w2.littleEndian, w3.littleEndian)
        return try Swift.withUnsafeBytes(of: &copy) { (buf) throws(E) -> R in try body(buf) }
    }

    /// The 32 bytes as an array (allocates; prefer `withUnsafeBytes` or `store(to:)` in hot code).
    public var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { buf, count in
            store(to: UnsafeMutableRawPointer(buf.baseAddress!))
            count = 32
        }
    }

    /// Byte `i` (0 ..< 32).
    @inlinable
    public subscript(i: Int) -> UInt8 {
        precondition(i >= 0 && i < 32, "Digest32 index out of range")
        let w: UInt64
        switch i >> 3 {
        case 0: w = w0
        case 1: w = w1
        case 2: w = w2
        default: w = w3
        }
        return UInt8(truncatingIfNeeded: w >> UInt64((i & 7) * 8))
    }

    /// Lower-case hex of the 32 bytes, without prefix.
    public var hex: String { Hex.encode(bytes) }

    /// Lower-case `0x` hex.
    public var description: String { "0x" + hex }

    /// Lexicographic order of the byte strings (as if comparing the hex).
    @inlinable
    public static func < (a: Digest32, b: Digest32) -> Bool {
        // Byte-swapping a little-endian word turns byte order into numeric order.
        if a.w0 != b.w0 { return a.w0.byteSwapped < b.w0.byteSwapped }
        if a.w1 != b.w1 { return a.w1.byteSwapped < b.w1.byteSwapped }
        if a.w2 != b.w2 { return a.w2.byteSwapped < b.w2.byteSwapped }
        return a.w3.byteSwapped < b.w3.byteSwapped
    }
}
