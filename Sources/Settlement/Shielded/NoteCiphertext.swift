/// The 121-byte encryption of a note that travels with each output (docs/shielded.md, "Note
/// encryption"): `epk (32) ‖ ChaCha20-Poly1305(plaintext (73)) ‖ tag (16)`, where
/// `plaintext = 0x01 ‖ value (8, big-endian) ‖ ρ (32, big-endian) ‖ memo (32)`.
///
/// The length is checked when the bytes are taken in, so every later step works on exactly this
/// layout.
public struct NoteCiphertext: Hashable, Sendable {
    /// The ephemeral public key's length.
    public static let ephemeralKeyLength = 32
    /// The plaintext's length: lead byte, value, randomness, memo.
    public static let plaintextLength = 1 + 8 + 32 + NoteMemo.length
    /// The whole ciphertext's length: 32 + 73 + 16 = 121.
    public static let length = ephemeralKeyLength + plaintextLength + 16
    /// The plaintext's first byte: the layout's version.
    static let plaintextVersion: UInt8 = 0x01

    /// The 121 bytes.
    public let bytes: [UInt8]

    /// Takes 121 bytes; refuses any other length.
    public init(bytes: [UInt8]) throws(NoteEncryptionError) {
        guard bytes.count == Self.length else { throw .ciphertextLength(bytes.count) }
        self.bytes = bytes
    }

    /// Parses 242 hex digits (`0x` optional).
    public init(hex: String) throws(NoteEncryptionError) {
        guard let raw = Hex.decodePrefixed(hex) else { throw .notHex }
        try self.init(bytes: raw)
    }

    /// The sender's ephemeral X25519 public key `epk`.
    public var ephemeralKey: [UInt8] { Array(bytes[0..<Self.ephemeralKeyLength]) }

    /// The sealed plaintext and its tag.
    var sealed: [UInt8] { Array(bytes[Self.ephemeralKeyLength...]) }
}
