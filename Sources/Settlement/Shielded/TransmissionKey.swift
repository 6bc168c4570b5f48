/// The transmission key `tk` of a shielded address: the X25519 public key of the incoming viewing
/// key, to which senders encrypt notes (docs/shielded.md, "Keys and addresses").
public struct TransmissionKey: Hashable, Sendable {
    /// The raw 32 bytes (RFC 7748 little-endian u-coordinate).
    public let bytes: [UInt8]

    /// A key derived here (from a viewing key): known good, not checked again.
    init(derived bytes: [UInt8]) {
        precondition(bytes.count == X25519.keyLength)
        self.bytes = bytes
    }

    /// A key from outside (an address): refused unless it is the canonical encoding of a point
    /// that is not of low order, so that one recipient has one address and no sender can be made
    /// to encrypt under a key everyone knows.
    public init(bytes: [UInt8]) throws(ShieldedKeyError) {
        guard bytes.count == X25519.keyLength else { throw .nonCanonicalTransmissionKey }
        guard Self.isCanonical(bytes) else { throw .nonCanonicalTransmissionKey }
        let usable: Bool
        do { usable = try X25519.isUsablePublicKey(bytes) } catch { throw .libraryFailure(error.what) }
        guard usable else { throw .lowOrderTransmissionKey }
        self.bytes = bytes
    }

    /// Top bit clear and u < p = 2²⁵⁵ − 19 (little-endian bytes).
    static func isCanonical(_ u: [UInt8]) -> Bool {
        guard u[31] & 0x80 == 0 else { return false }
        // u ≥ p exactly when u = 0x7fff…ff ‖ low byte ≥ 0xed.
        guard u[31] == 0x7f, u[1...30].allSatisfy({ $0 == 0xff }) else { return true }
        return u[0] < 0xed
    }
}
