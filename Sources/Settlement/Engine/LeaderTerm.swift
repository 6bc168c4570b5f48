import Synchronization

/// One fencing term of this engine as the sequencer: the channel from its sequencer task to its
/// committer task, and whether the term was deposed (the lease was taken over, or a commit was
/// fenced). Every batch sequenced in the term carries `term`; the store refuses it once the lease
/// has moved on.
final class LeaderTerm: Sendable {
    let term: UInt64
    let commits: AsyncStream<PendingCommit>
    let commitSink: AsyncStream<PendingCommit>.Continuation
    private let deposed = Atomic<Bool>(false)
    private let suspended = Atomic<Bool>(false)

    init(term: UInt64) {
        self.term = term
        (commits, commitSink) = AsyncStream.makeStream(of: PendingCommit.self)
    }

    var isDeposed: Bool { deposed.load(ordering: .acquiring) }

    /// Ends the term: the sequencer stops at its next step, the committer abandons what is left.
    func depose() { deposed.store(true, ordering: .releasing) }

    var isSuspended: Bool { suspended.load(ordering: .acquiring) }

    /// Pauses sequencing without giving the lease up (a chain rollback): the sequencer stops at
    /// its next step, the committer makes durable what was sealed, and the term's tasks end; the
    /// same term number goes on in a new `LeaderTerm`.
    func suspend() { suspended.store(true, ordering: .releasing) }

    /// Whether the sequencer must stop: deposed or suspended.
    var isOver: Bool { isDeposed || isSuspended }
}

/// A sealed batch on its way from the sequencer to the committer.
struct PendingCommit: Sendable {
    let batch: SealedBatch
    let entries: [TransactionPool.Entry]
    /// The shielded lane's transactions, in lane order.
    var shieldedEntries: [ShieldedQueue.Entry] = []
    let closedAt: ContinuousClock.Instant
}
