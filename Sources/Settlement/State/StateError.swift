/// What went wrong in the state layer.
public enum StateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A byte encoding (diff, snapshot, proof) failed validation.
    case malformed(String)
    /// A rebuilt state does not have the root it was recorded with.
    case rootMismatch(expected: Digest32, computed: Digest32)
    /// The batch is not (or no longer) retained in memory; `retained` is what is.
    case batchNotRetained(requested: UInt64, retained: ClosedRange<UInt64>?)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed \(why)"
        case .rootMismatch(let expected, let computed): "state root mismatch: expected \(expected), computed \(computed)"
        case .batchNotRetained(let requested, let retained):
            "batch \(requested) is not retained in memory (retained: \(retained.map { "\($0.lowerBound)...\($0.upperBound)" } ?? "none"))"
        }
    }
}
