/// The state of one L2 account: its balance and the nonce its next transfer must carry.
///
/// An account whose balance and nonce are both zero is *absent*: it has no leaf in the state tree,
/// and writing the empty account to an address deletes its leaf.
public struct Account: Sendable, Hashable, CustomStringConvertible {
    /// Balance in the smallest unit.
    public var balance: UInt256
    /// Number of transfers this account has sent (the nonce its next transfer must carry).
    public var nonce: UInt64

    /// Creates an account.
    @inlinable
    public init(balance: UInt256, nonce: UInt64 = 0) {
        self.balance = balance
        self.nonce = nonce
    }

    /// Balance 0, nonce 0: the value of every address without a leaf.
    public static let empty = Account(balance: .zero, nonce: 0)

    /// True for the empty (absent) account.
    @inlinable
    public var isEmpty: Bool { balance.isZero && nonce == 0 }

    /// Size of the canonical encoding: balance (32 bytes, big-endian) ‖ nonce (8 bytes, big-endian).
    public static let encodedSize = 40

    /// Writes the 40-byte canonical encoding to `pointer` (no alignment required).
    @inlinable
    public func encode(to pointer: UnsafeMutableRawPointer) {
        balance.storeBigEndian(to: pointer)
        pointer.storeBytes(of: nonce.bigEndian, toByteOffset: 32, as: UInt64.self)
    }

    /// Reads a 40-byte canonical encoding at `pointer` (no alignment required).
    @inlinable
    public init(decoding pointer: UnsafeRawPointer) {
        balance = UInt256(bigEndian: pointer)
        nonce = UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 32, as: UInt64.self))
    }

    /// The 40-byte canonical encoding.
    public var encoded: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Account.encodedSize) { buf, n in
            encode(to: UnsafeMutableRawPointer(buf.baseAddress!))
            n = Account.encodedSize
        }
    }

    /// Decodes exactly 40 bytes; nil for any other length.
    public init?<C: Collection>(encoded bytes: C) where C.Element == UInt8 {
        guard bytes.count == Account.encodedSize else { return nil }
        let a = Array(bytes)
        self = a.withUnsafeBytes { Account(decoding: $0.baseAddress!) }
    }

    /// Domain tag that starts every leaf preimage (see `leafHash(at:)`).
    public static let leafDomainTag: UInt8 = 0x00

    /// Size of a leaf preimage: tag (1) ‖ address (20) ‖ account encoding (40).
    public static let leafPreimageSize = 61

    /// The state-tree leaf of this account at `address`:
    /// `keccak256(0x00 ‖ address ‖ balance(32, BE) ‖ nonce(8, BE))`, 61 bytes hashed.
    ///
    /// Internal nodes hash exactly 64 bytes (`keccak256(left ‖ right)`), so no leaf preimage can
    /// be read as a node preimage (different lengths, and the leading tag), and a leaf commits to
    /// its address, which absence proofs rely on.
    public func leafHash(at address: Address) -> Digest32 {
        leafHash(at: AddressKey(address))
    }

    /// `leafHash(at:)` for the inline address form used by the tree.
    @inline(__always)
    func leafHash(at address: AddressKey) -> Digest32 {
        // 64 bytes of stack; the preimage uses the first 61.
        var buffer: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &buffer) { raw in
            let p = raw.baseAddress!
            p.storeBytes(of: Account.leafDomainTag, as: UInt8.self)
            address.store(to: p + 1)
            encode(to: p + 21)
            return Keccak256.hash(UnsafeRawBufferPointer(start: p, count: Account.leafPreimageSize))
        }
    }

    /// `balance=…, nonce=…`.
    public var description: String { "balance=\(balance), nonce=\(nonce)" }
}

/// An address as three big-endian integers stored inline (20 bytes, no heap allocation), for the
/// tree's leaves, its index and the retained reverse diffs. Ordered like the address bytes.
struct AddressKey: Hashable, Comparable, Sendable {
    /// Bytes 0..<8, big-endian.
    var hi: UInt64
    /// Bytes 8..<16, big-endian.
    var mid: UInt64
    /// Bytes 16..<20, big-endian.
    var lo: UInt32

    @inline(__always)
    init(hi: UInt64, mid: UInt64, lo: UInt32) {
        self.hi = hi
        self.mid = mid
        self.lo = lo
    }

    /// Reads 20 bytes at `pointer` (no alignment required).
    @inline(__always)
    init(loading pointer: UnsafeRawPointer) {
        hi = UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        mid = UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        lo = UInt32(bigEndian: pointer.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
    }

    init(_ address: Address) {
        self = address.bytes.withUnsafeBytes { AddressKey(loading: $0.baseAddress!) }
    }

    /// Writes the 20 bytes to `pointer` (no alignment required).
    @inline(__always)
    func store(to pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: hi.bigEndian, toByteOffset: 0, as: UInt64.self)
        pointer.storeBytes(of: mid.bigEndian, toByteOffset: 8, as: UInt64.self)
        pointer.storeBytes(of: lo.bigEndian, toByteOffset: 16, as: UInt32.self)
    }

    var address: Address {
        Address(bytes: [UInt8](unsafeUninitializedCapacity: 20) { buf, n in
            store(to: UnsafeMutableRawPointer(buf.baseAddress!))
            n = 20
        })!
    }

    /// The tree path of this address: keccak256 of its 20 bytes.
    func pathDigest() -> Digest32 {
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)
        return withUnsafeMutableBytes(of: &buffer) { raw in
            store(to: raw.baseAddress!)
            return Keccak256.hash(UnsafeRawBufferPointer(start: raw.baseAddress!, count: 20))
        }
    }

    static func < (a: AddressKey, b: AddressKey) -> Bool {
        if a.hi != b.hi { return a.hi < b.hi }
        if a.mid != b.mid { return a.mid < b.mid }
        return a.lo < b.lo
    }
}
