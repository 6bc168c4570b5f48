/// The sequencer lease as the database holds it.
public struct SequencerLeaseHolder: Sendable, Equatable {
    /// The holder's replica id.
    public let replica: String
    /// Where the holder takes forwarded transactions (`host:port` of its RPC server).
    public let endpoint: String
    /// The fencing term: grows by one with every change of holder.
    public let term: UInt64
    /// Milliseconds until the lease expires, by the database's clock (negative: expired).
    public let remainingMs: Int64

    public init(replica: String, endpoint: String, term: UInt64, remainingMs: Int64) {
        self.replica = replica
        self.endpoint = endpoint
        self.term = term
        self.remainingMs = remainingMs
    }
}

/// One executed transaction of a committed batch, as another replica reads it back.
public struct CommittedTransaction: Sendable, Equatable {
    public let id: Digest32
    public let accepted: Bool
    public let reason: String

    public init(id: Digest32, accepted: Bool, reason: String) {
        self.id = id
        self.accepted = accepted
        self.reason = reason
    }
}

/// A durable batch read back from the store: what a follower applies to its state and announces
/// to its subscribers.
public struct CommittedBatch: Sendable {
    public let number: UInt64
    public let prevRoot: Digest32
    public let newRoot: Digest32
    /// The term of the leader that committed it.
    public let term: UInt64
    /// When it committed, milliseconds since the Unix epoch (database clock).
    public let committedAtMs: UInt64
    public let diff: StateDiff
    /// In execution order.
    public let transactions: [CommittedTransaction]
    /// What the batch's shielded lane changed in the pool (nil: nothing).
    public let shielded: ShieldedBatchEffects?

    public init(number: UInt64, prevRoot: Digest32, newRoot: Digest32, term: UInt64, committedAtMs: UInt64,
                diff: StateDiff, transactions: [CommittedTransaction], shielded: ShieldedBatchEffects? = nil) {
        self.shielded = shielded
        self.number = number
        self.prevRoot = prevRoot
        self.newRoot = newRoot
        self.term = term
        self.committedAtMs = committedAtMs
        self.diff = diff
        self.transactions = transactions
    }
}

/// Thrown by `SettlementStore.commit` when the batch's term is no longer the lease's: another
/// replica became the sequencer, so this one must stop sequencing (fencing).
public struct LeadershipLost: Error, Sendable, CustomStringConvertible {
    /// The term the batch was sequenced under.
    public let term: UInt64
    /// The lease's current term (nil when no lease exists).
    public let currentTerm: UInt64?

    public init(term: UInt64, currentTerm: UInt64?) {
        self.term = term
        self.currentTerm = currentTerm
    }

    public var description: String {
        "fenced: the batch was sequenced in term \(term) but the lease is at term \(currentTerm.map { "\($0)" } ?? "none")"
    }
}

/// What replicas sharing one database need beyond `SettlementStore`: the sequencer lease,
/// heartbeats, and the committed chain as a feed (`LISTEN/NOTIFY` plus catch-up reads).
public protocol ReplicationStore: Sendable {
    /// Takes the lease for `replica` when it is free, expired, or already held by `replica` (a
    /// restarted process with the same id); the term grows by one. Returns the new term, or nil
    /// when another replica holds a live lease.
    func acquireLease(replica: String, endpoint: String, ttlMs: Int) async throws -> UInt64?
    /// Extends the lease if `replica` still holds it at `term`; false when it was taken over.
    func renewLease(replica: String, term: UInt64, ttlMs: Int) async throws -> Bool
    /// Gives the lease up (it expires at once) if `replica` holds it at `term`.
    func releaseLease(replica: String, term: UInt64) async throws
    /// The current lease, if any.
    func currentLease() async throws -> SequencerLeaseHolder?
    /// Records that `replica` is alive (for operators and the report).
    func heartbeat(replica: String, endpoint: String, role: String, appliedBatch: UInt64) async throws
    /// Durable batches with numbers greater than `after`, in order, at most `limit`.
    func committedBatches(after: UInt64, limit: Int) async throws -> [CommittedBatch]
    /// Numbers of batches as they commit (from any replica). A `nil` element means notifications
    /// may have been missed (the listening connection was re-established): re-read the tables.
    func batchNotifications() async -> AsyncStream<UInt64?>
    /// Commitments' L1 status changes as the leader stores them (best effort: the tables hold
    /// the statuses; this only lets followers tell their subscribers).
    func finalityNotifications() async -> AsyncStream<FinalityNotice>
}
