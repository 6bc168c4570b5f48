/// Why a note could not be sealed, or a ciphertext or memo was refused before decryption. A
/// ciphertext that simply is not for a key is no error: `NoteEncryption.open` answers nil.
public enum NoteEncryptionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A note ciphertext is exactly 121 bytes.
    case ciphertextLength(Int)
    /// A memo is exactly 32 bytes.
    case memoLength(Int)
    /// The text of a ciphertext is not hex.
    case notHex
    /// The note is not owned by the address it is sealed to (its owner key differs).
    case ownerMismatch
    /// X25519 with the recipient's transmission key gave no secret (a low-order point).
    case keyAgreementFailed
    /// OpenSSL failed in an operation that valid input cannot make fail.
    case libraryFailure(String)

    public var description: String {
        switch self {
        case .ciphertextLength(let n): "a note ciphertext is \(NoteCiphertext.length) bytes, got \(n)"
        case .memoLength(let n): "a note memo is \(NoteMemo.length) bytes, got \(n)"
        case .notHex: "a note ciphertext must be hex (\(2 * NoteCiphertext.length) digits, 0x optional)"
        case .ownerMismatch: "the note's owner key is not the address's: the recipient could not spend it"
        case .keyAgreementFailed: "no secret can be agreed with the address's transmission key (a low-order point)"
        case .libraryFailure(let what): "OpenSSL failure: \(what)"
        }
    }
}
