import ZK

/// A shielded address: the owner key `pk` (32 bytes, big-endian) ‖ the transmission key `tk`
/// (32 bytes). Notes paid to it name `pk` as their owner and are encrypted to `tk`
/// (docs/shielded.md, "Keys and addresses").
///
/// Its text is `zs` ‖ lower-case hex of the 64 bytes ‖ lower-case hex of the first 4 bytes of
/// their SHA-256. Parsing is strict — prefix, length, lower-case hex, checksum, `pk < r`, a
/// canonical non-low-order `tk` — so a mistyped or altered address is refused before anything
/// is paid to it.
public struct ShieldedAddress: Hashable, Sendable, CustomStringConvertible {
    /// `zs` + 2 × (64 + 4) hex digits.
    public static let textLength = 2 + 2 * (64 + 4)
    static let prefix = "zs"

    /// The owner key `pk`.
    public let ownerKey: Fr
    /// The transmission key `tk`.
    public let transmissionKey: TransmissionKey

    /// The address of these keys (already checked: derived from a spending key, or parsed).
    public init(ownerKey: Fr, transmissionKey: TransmissionKey) {
        self.ownerKey = ownerKey
        self.transmissionKey = transmissionKey
    }

    /// Decodes the 64 bytes `pk ‖ tk`.
    public init(bytes: [UInt8]) throws(ShieldedKeyError) {
        guard bytes.count == 64 else { throw .addressByteLength(bytes.count) }
        guard let pk = Fr(bigEndian: bytes[0..<32]) else { throw .ownerKeyOutOfField }
        self.init(ownerKey: pk, transmissionKey: try TransmissionKey(bytes: Array(bytes[32..<64])))
    }

    /// Parses the text form, refusing anything but an exact, checksummed address.
    public init(text: String) throws(ShieldedKeyError) {
        let utf8 = Array(text.utf8)
        guard utf8.starts(with: Self.prefix.utf8) else { throw .addressPrefix }
        guard utf8.count == Self.textLength else { throw .addressLength(text.count) }
        let digits = utf8[Self.prefix.utf8.count...]
        guard digits.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }),
              let raw = Hex.decode(String(decoding: digits, as: UTF8.self)) else { throw .addressNotHex }
        let payload = Array(raw[0..<64])
        let checksum: [UInt8]
        do { checksum = try Self.checksum(payload) } catch { throw .libraryFailure(error.what) }
        guard checksum == Array(raw[64...]) else { throw .addressChecksum }
        try self.init(bytes: payload)
    }

    /// `pk ‖ tk`.
    public var bytes: [UInt8] { ownerKey.bigEndianBytes + transmissionKey.bytes }

    /// The text form (`zs…`). The checksum's SHA-256 cannot fail on valid input; if OpenSSL
    /// itself fails, this stops rather than print an address that would be refused.
    public var text: String {
        let payload = bytes
        guard let checksum = try? Self.checksum(payload) else { fatalError("OpenSSL SHA-256 failed") }
        return Self.prefix + Hex.encode(payload + checksum)
    }

    public var description: String { text }

    /// The first 4 bytes of SHA-256(`pk ‖ tk`).
    static func checksum(_ payload: [UInt8]) throws(OpenSSLFailure) -> [UInt8] {
        Array(try SymmetricCrypto.sha256(payload)[0..<4])
    }
}
