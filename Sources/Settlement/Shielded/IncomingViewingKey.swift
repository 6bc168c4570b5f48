/// The incoming viewing key `ivk`: an X25519 private key that decrypts every note sent to its
/// address (docs/shielded.md, "Keys and addresses"). It is derived from the spending key but
/// does not reveal it, so it can be handed to an auditor: with the address's owner key it reads
/// notes and checks them against their commitments, but it can compute no nullifier, so it can
/// neither spend nor see spends.
///
/// The key's bytes are never printed: `description` and reflection are redacted.
public struct IncomingViewingKey: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The raw 32-byte X25519 private key (the SHA-256 output; X25519 clamps it when used).
    public let bytes: [UInt8]
    /// The matching transmission key (its public key).
    public let transmissionKey: TransmissionKey

    /// The key with these raw bytes (any 32 bytes are a valid X25519 private key).
    public init(bytes: [UInt8]) throws(ShieldedKeyError) {
        guard bytes.count == X25519.keyLength else { throw .viewingKeyLength(bytes.count) }
        do {
            transmissionKey = TransmissionKey(derived: try X25519.publicKey(ofPrivate: bytes))
        } catch {
            throw .libraryFailure(error.what)
        }
        self.bytes = bytes
    }

    /// Parses 64 hex digits (`0x` optional).
    public init(hex: String) throws(ShieldedKeyError) {
        guard let raw = Hex.decodePrefixed(hex) else { throw .notHex(what: "an incoming viewing key") }
        try self.init(bytes: raw)
    }

    public var description: String { "IncomingViewingKey(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
