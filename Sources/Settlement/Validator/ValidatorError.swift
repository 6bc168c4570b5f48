/// Why a validator or the proposer's defense could not check or play a commitment.
public enum ValidatorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The L1 lists commitment `index` but returns no data for it.
    case missingCommitmentData(index: UInt64)
    /// Commitment `index`'s data does not decode as `BatchData` (the arbiter accepted it, so the
    /// L1 client and the arbiter disagree).
    case undecodableData(index: UInt64, reason: String)
    /// The state the party rebuilt for commitment `index` is not at its previous root.
    case stateMismatch(index: UInt64, expected: Digest32, actual: Digest32)
    /// The state after L2 batch `batch` cannot be rebuilt from the store.
    case stateUnavailable(batch: UInt64)

    public var description: String {
        switch self {
        case .missingCommitmentData(let i): "no data for commitment \(i)"
        case .undecodableData(let i, let why): "commitment \(i)'s data does not decode: \(why)"
        case .stateMismatch(let i, let expected, let actual):
            "the state rebuilt for commitment \(i) is at \(actual), its previous root is \(expected)"
        case .stateUnavailable(let b): "the state after batch \(b) cannot be rebuilt from the store"
        }
    }
}
