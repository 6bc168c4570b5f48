/// Where a transaction is in its life (ARCHITECTURE.md, "Life of a transaction").
public enum TransactionStatus: Int, Sendable, Hashable, CustomStringConvertible {
    /// Validated and queued in the pool.
    case pending = 1
    /// In a batch whose PostgreSQL transaction committed (durable).
    case sequenced = 2
    /// Its batch's commitment is in an L1 transaction.
    case posted = 3
    /// That L1 transaction has enough confirmations.
    case l1Confirmed = 4
    /// The challenge period is over (or validity was proven).
    case finalized = 5
    /// Refused, with a reason; never executed.
    case rejected = 6
    /// Its batch lost a fraud proof.
    case reverted = 7

    /// In a durable batch and not reverted: SEQUENCED or any later L1 step.
    public var isDurablyAccepted: Bool {
        switch self {
        case .sequenced, .posted, .l1Confirmed, .finalized: true
        case .pending, .rejected, .reverted: false
        }
    }

    public var description: String {
        switch self {
        case .pending: "PENDING"
        case .sequenced: "SEQUENCED"
        case .posted: "POSTED"
        case .l1Confirmed: "L1_CONFIRMED"
        case .finalized: "FINALIZED"
        case .rejected: "REJECTED"
        case .reverted: "REVERTED"
        }
    }
}

/// The engine's answer to a submission: SEQUENCED (durable, with its batch) or REJECTED (with a
/// reason). Delivered only after the batch's database transaction committed.
public struct Receipt: Sendable, Hashable {
    public let id: Digest32
    public let status: TransactionStatus
    public let reason: String
    public let batchNumber: UInt64
    public let indexInBatch: Int
    public let stateRoot: Digest32

    public init(id: Digest32, status: TransactionStatus, reason: String = "", batchNumber: UInt64 = 0,
                indexInBatch: Int = 0, stateRoot: Digest32 = .zero) {
        self.id = id
        self.status = status
        self.reason = reason
        self.batchNumber = batchNumber
        self.indexInBatch = indexInBatch
        self.stateRoot = stateRoot
    }

    public static func rejected(_ id: Digest32, _ reason: String) -> Receipt {
        Receipt(id: id, status: .rejected, reason: reason)
    }

    /// The reason prefix of an answer that is not a verdict on the transfer but "could not be
    /// handled now, retry" (a unary call fails with UNAVAILABLE instead; see `rejection_reason`
    /// in settlement.proto).
    public static let unavailablePrefix = "UNAVAILABLE: "

    /// Whether this is such a retryable non-answer rather than a refusal.
    public var isUnavailable: Bool { status == .rejected && reason.hasPrefix(Self.unavailablePrefix) }
}

/// A transfer that passed stateless validation: its signer is recovered and equals `from`.
public struct ValidatedTransfer: Sendable {
    public let signed: SignedTransfer
    public let id: Digest32
    public var transfer: Transfer { signed.transfer }
    public var sender: Address { signed.transfer.from }
    /// When the engine received it (for confirmation latency).
    public let receivedAt: ContinuousClock.Instant
    /// For an inbox marker only: the forced transfer it applies, when that transfer passed the
    /// stateless checks (nil: the marker only advances the inbox nonce). See `L1InboxItem`.
    public let forced: SignedTransfer?

    public init(signed: SignedTransfer, id: Digest32, receivedAt: ContinuousClock.Instant, forced: SignedTransfer? = nil) {
        self.signed = signed
        self.id = id
        self.receivedAt = receivedAt
        self.forced = forced
    }
}
