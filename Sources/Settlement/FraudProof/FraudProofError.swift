/// Why a fraud-proof input was refused: a malformed encoding, a witness that does not prove what
/// it claims, or a challenge-game move that the rules do not allow.
///
/// For the arbiter every case means "revert this L1 transaction, the game is unchanged": the
/// sender may send a corrected one while its clock lasts.
public enum FraudProofError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A byte encoding (one-step proof, challenge game) failed strict decoding.
    case malformed(String)
    /// A witness does not verify against the root it must be checked against. `index` is its
    /// position in the one-step proof (0 sender, 1 recipient, 2 fee account).
    case invalidWitness(index: Int, address: Address)
    /// The proof carries `actual` witnesses where re-execution reads exactly `expected`.
    case witnessCount(expected: Int, actual: Int)
    /// A root update would empty an account. Transfers never do (see `AccountWitness`), so
    /// stateless deletion is not supported.
    case deletionUnsupported(Address)
    /// The proof starts from another root than the one the game agreed on.
    case preRootMismatch(expected: Digest32, actual: Digest32)
    /// The proof's transaction is not the one at the disputed position of the committed data.
    case wrongTransaction
    /// The proof's inclusion path does not lead from its transaction at `position` to the
    /// commitment's data root: the transaction (or its place) is not what was committed.
    case notInCommittedData(position: Int)
    /// A challenge-game move that the game's current state does not allow.
    case invalidMove(String)
    /// The move came after its deadline: the mover has already lost on time.
    case moveTooLate(deadlineMs: UInt64, atMs: UInt64)
    /// The caller's clock (L1 block time) went back behind the game's last move.
    case clockWentBack(lastMoveAtMs: UInt64, atMs: UInt64)

    /// A one-line explanation (the arbiter's revert reason).
    public var description: String {
        switch self {
        case .malformed(let why): "malformed \(why)"
        case .invalidWitness(let index, let address): "witness \(index) for \(address) does not verify"
        case .witnessCount(let expected, let actual): "expected \(expected) witnesses, got \(actual)"
        case .deletionUnsupported(let address): "cannot empty account \(address) from a witness"
        case .preRootMismatch(let expected, let actual): "proof pre-root \(actual) is not the agreed root \(expected)"
        case .wrongTransaction: "the proof's transaction is not the disputed one"
        case .notInCommittedData(let position): "the inclusion proof does not show the transaction at position \(position) of the committed data"
        case .invalidMove(let why): "invalid move: \(why)"
        case .moveTooLate(let deadline, let at): "move at \(at) ms is after its deadline \(deadline) ms"
        case .clockWentBack(let last, let at): "time \(at) ms is before the last move at \(last) ms"
        }
    }
}
