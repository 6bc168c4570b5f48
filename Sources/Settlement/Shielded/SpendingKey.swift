import ZK

/// A shielded spending key `sk`: a uniformly random non-zero element of the BN254 scalar field,
/// and the keys derived from it (docs/shielded.md, "Keys and addresses"): the owner key
/// `pk = H(sk)` (Poseidon) that notes name, the incoming viewing key
/// `ivk = SHA-256("settlement.shielded.ivk.v1" ‖ sk)` and its X25519 public key, the
/// transmission key. Whoever holds `sk` can spend; the engine never sees it.
///
/// The key is never printed: `description` and reflection are redacted.
public struct SpendingKey: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The domain label of the incoming viewing key's derivation.
    static let viewingKeyLabel = Array("settlement.shielded.ivk.v1".utf8)

    /// The secret scalar.
    public let value: Fr
    /// The owner key `pk = H(sk)`.
    public let ownerKey: Fr
    /// The incoming viewing key.
    public let incomingViewingKey: IncomingViewingKey

    /// The keys of `value`; refuses zero (its owner key would be a public constant).
    public init(_ value: Fr) throws(ShieldedKeyError) {
        guard !value.isZero else { throw .zeroSpendingKey }
        self.value = value
        ownerKey = NoteHashes.ownerKey(spendingKey: value)
        var preimage = Self.viewingKeyLabel + value.bigEndianBytes
        defer { SymmetricCrypto.wipe(&preimage) }
        var ivk: [UInt8]
        do { ivk = try SymmetricCrypto.sha256(preimage) } catch { throw .libraryFailure(error.what) }
        defer { SymmetricCrypto.wipe(&ivk) }
        incomingViewingKey = try IncomingViewingKey(bytes: ivk)
    }

    /// Decodes 32 big-endian bytes: below r and non-zero.
    public init(bytes: [UInt8]) throws(ShieldedKeyError) {
        guard bytes.count == 32 else { throw .spendingKeyLength(bytes.count) }
        guard let value = Fr(bigEndian: bytes) else { throw .spendingKeyOutOfField }
        try self.init(value)
    }

    /// Parses 64 hex digits (`0x` optional).
    public init(hex: String) throws(ShieldedKeyError) {
        guard let raw = Hex.decodePrefixed(hex) else { throw .notHex(what: "a spending key") }
        try self.init(bytes: raw)
    }

    /// A fresh key from the system's cryptographic generator (the one secp256k1 keys come from).
    public static func generate() throws(ShieldedKeyError) -> SpendingKey {
        var generator = SystemRandomNumberGenerator()
        return try generate(using: &generator)
    }

    /// A key from `generator` (tests pass a seeded one): uniform over the non-zero elements.
    public static func generate<G: RandomNumberGenerator>(using generator: inout G) throws(ShieldedKeyError) -> SpendingKey {
        var value = Fr.random(using: &generator)
        while value.isZero { value = Fr.random(using: &generator) }
        return try SpendingKey(value)
    }

    /// The 32 big-endian bytes of `sk` (for the key file).
    public var bytes: [UInt8] { value.bigEndianBytes }

    /// The transmission key `tk`.
    public var transmissionKey: TransmissionKey { incomingViewingKey.transmissionKey }

    /// The address notes are sent to: `pk ‖ tk`.
    public var address: ShieldedAddress { ShieldedAddress(ownerKey: ownerKey, transmissionKey: transmissionKey) }

    public var description: String { "SpendingKey(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
