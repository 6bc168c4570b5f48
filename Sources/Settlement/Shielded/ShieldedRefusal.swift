/// Why a shielded transaction is refused. Every case names the rule, so a client is told exactly
/// what to fix (the RPC layer sends `description` with `INVALID_ARGUMENT` or
/// `FAILED_PRECONDITION`).
public enum ShieldedRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind does not match the public values, the transparent parts or the ciphertexts.
    case wrongShape(String)
    /// A nullifier repeats: within the transaction, or (`within: false`) earlier in the batch.
    case duplicateNullifier(within: Bool)
    /// A nullifier is already in the nullifier set: the note was spent before.
    case nullifierSpent
    /// The proof's root is not among the recent note-tree roots.
    case staleRoot
    /// The binding hash is not this transaction's.
    case bindingMismatch
    /// The shield's signature is malformed or not by its account.
    case badSignature(String)
    /// The proof does not verify for the statement.
    case invalidProof
    /// The bytes do not decode (length, a field element ≥ r, a point off the curve or outside G2).
    case malformed(String)

    public var description: String {
        switch self {
        case .wrongShape(let why): "malformed shielded transaction: \(why)"
        case .duplicateNullifier(within: true): "double spend: the transaction's two nullifiers are equal"
        case .duplicateNullifier(within: false): "double spend: a nullifier is spent earlier in the same batch"
        case .nullifierSpent: "double spend: a nullifier is already spent"
        case .staleRoot: "stale root: the note-tree root is not among the recent roots"
        case .bindingMismatch: "the proof's binding hash does not match the transaction (kind, party, ciphertexts or deployment changed)"
        case .badSignature(let why): "shield signature invalid: \(why)"
        case .invalidProof: "the spend proof does not verify"
        case .malformed(let why): "malformed shielded transaction: \(why)"
        }
    }
}
