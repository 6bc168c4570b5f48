/// Why a shielded key or address was refused (docs/shielded.md, "Keys and addresses"). The
/// descriptions say what was wrong and never include key material.
public enum ShieldedKeyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A spending key must be 32 bytes (big-endian).
    case spendingKeyLength(Int)
    /// A spending key must be below the BN254 scalar field order r.
    case spendingKeyOutOfField
    /// A spending key must not be zero.
    case zeroSpendingKey
    /// An incoming viewing key must be 32 bytes.
    case viewingKeyLength(Int)
    /// The text of a key is not hex (64 digits, `0x` optional).
    case notHex(what: String)
    /// A shielded address's text starts with `zs`.
    case addressPrefix
    /// A shielded address's text is `zs` and 136 lower-case hex digits (64 bytes and a 4-byte
    /// checksum).
    case addressLength(Int)
    /// A shielded address's binary form is 64 bytes, `pk ‖ tk`.
    case addressByteLength(Int)
    /// A shielded address's digits are lower-case hex only (one text per address).
    case addressNotHex
    /// The checksum does not match: the address was mistyped or altered.
    case addressChecksum
    /// The owner key `pk` of an address is not below r.
    case ownerKeyOutOfField
    /// The transmission key is not the canonical 32-byte encoding of a curve25519 u-coordinate
    /// (top bit set, or ≥ 2²⁵⁵ − 19): another text for the same key, refused.
    case nonCanonicalTransmissionKey
    /// The transmission key is a low-order point: every sender would derive the same, public key.
    case lowOrderTransmissionKey
    /// OpenSSL failed in an operation that valid input cannot make fail.
    case libraryFailure(String)

    public var description: String {
        switch self {
        case .spendingKeyLength(let n): "a spending key is 32 bytes, got \(n)"
        case .spendingKeyOutOfField: "a spending key must be below the BN254 scalar field order r"
        case .zeroSpendingKey: "a spending key must not be zero"
        case .viewingKeyLength(let n): "an incoming viewing key is 32 bytes, got \(n)"
        case .notHex(let what): "\(what) must be 64 hex digits (0x optional)"
        case .addressPrefix: "a shielded address starts with \"zs\""
        case .addressLength(let n):
            "a shielded address is \"zs\" and 136 hex digits (\(ShieldedAddress.textLength) characters), got \(n) characters"
        case .addressByteLength(let n): "a shielded address is 64 bytes (pk ‖ tk), got \(n)"
        case .addressNotHex: "a shielded address has lower-case hex digits only after \"zs\""
        case .addressChecksum: "the shielded address's checksum does not match: mistyped or altered"
        case .ownerKeyOutOfField: "the address's owner key is not below the BN254 scalar field order r"
        case .nonCanonicalTransmissionKey: "the address's transmission key is not a canonical curve25519 encoding"
        case .lowOrderTransmissionKey: "the address's transmission key is a low-order point (no secret can be agreed with it)"
        case .libraryFailure(let what): "OpenSSL failure: \(what)"
        }
    }
}
