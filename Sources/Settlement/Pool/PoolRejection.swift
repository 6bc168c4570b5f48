/// Why the pool refused a transaction at the door (before it cost any storage).
///
/// `full` and `senderShare` mean "retry later" (the engine answers RESOURCE_EXHAUSTED); the others
/// are final for this transfer (a REJECTED receipt with `description` as the reason). See
/// docs/admission.md.
public enum PoolRejection: Error, Sendable, Equatable, CustomStringConvertible {
    case full(capacity: Int)
    case duplicate
    case nonceTooLow(got: UInt64, expected: UInt64)
    case nonceTooFarAhead(got: UInt64, expected: UInt64, limit: Int)
    /// The sender's balance at the current state does not cover this transfer's value + fee plus
    /// the value + fee of its transfers already waiting ahead of it.
    case insufficientBalance(has: UInt256, pending: UInt256, needs: UInt256)
    /// The sender already holds its share of the pool.
    case senderShare(limit: Int)
    /// Value + fee does not fit in 256 bits (no balance can pay it).
    case costOverflows
    /// The transfer is waiting in the pool and `limit` submissions of it already wait for its
    /// answer (see `TransactionPool.add`).
    case tooManyCopies(limit: Int)

    public var description: String {
        switch self {
        case .full(let c): "transaction pool is full (\(c) pending); retry later"
        case .duplicate: "transaction already submitted"
        case .nonceTooLow(let g, let e): "nonce \(g) already used: the sender's next nonce is \(e)"
        case .nonceTooFarAhead(let g, let e, let l): "nonce \(g) is more than \(l) ahead of the sender's next nonce \(e)"
        case .insufficientBalance(let has, let pending, let needs):
            pending.isZero
                ? "insufficient balance: has \(has), needs \(needs) (value + fee)"
                : "insufficient balance: has \(has), \(pending) already committed to pending transfers, needs \(needs) more (value + fee)"
        case .costOverflows: "value plus fee overflows 256 bits"
        case .tooManyCopies(let l): "this transfer is pending and \(l) submissions of it already wait for its receipt; retry later"
        case .senderShare(let l): "the sender already has \(l) transactions pending (its share of the pool); retry later"
        }
    }

    /// Whether the refusal means "the pool is busy, retry later" rather than "this transfer is bad".
    public var isRetryable: Bool {
        switch self {
        case .full, .senderShare, .tooManyCopies: true
        default: false
        }
    }
}
