import ZK

/// The pool's state as this replica holds it in memory (on the leader possibly a few batches
/// ahead of the durable head while batches are in flight).
public struct ShieldedHead: Sendable, Equatable {
    /// The newest batch applied.
    public let batch: UInt64
    /// The note tree's and nullifier set's roots after it.
    public let roots: ShieldedRoots
    /// The note roots a spend may be proven under now, oldest first.
    public let recentRoots: [Fr]
}

/// The shielded lane's public API (docs/shielded.md): submissions, the pool's head, and what
/// wallets scan.
extension SettlementEngine {
    /// Whether this engine takes shielded transactions (configured with `ShieldedSettings`).
    public var acceptsShielded: Bool { config.shielded != nil }

    /// Verifies `tx` (shape, binding, a shield's signature, the proof) on the caller's task and
    /// queues it for the shielded lane of a coming batch; `onReceipt` gets its SEQUENCED (after
    /// commit) or REJECTED receipt, with the reason, exactly once. Resubmitting one already
    /// durable answers with its stored receipt. Throws when the engine cannot take it at all
    /// (no shielded lane, not the sequencer, the lane's queue full).
    public func submitShielded(_ tx: ShieldedTransaction, onReceipt: @escaping ReceiptHandler) async throws(SubmitError) {
        throw .unavailable("the shielded lane is not built yet")
    }

    /// Submits and waits for the receipt.
    public func submitShieldedAndWait(_ tx: ShieldedTransaction) async throws(SubmitError) -> Receipt {
        let box = ReceiptBox()
        try await submitShielded(tx) { box.deliver($0) }
        return await box.value
    }

    /// The pool's roots and recent-root window in memory.
    public var shieldedHead: ShieldedHead {
        ShieldedHead(batch: 0, roots: .empty, recentRoots: [NoteTree.emptyHashes[NoteTree.depth]])
    }

    /// Durable notes from `position` on, at most `limit` (from the store: any replica serves it).
    public func shieldedNotes(from position: UInt64, limit: Int) async throws -> [StoredNote] {
        try await store.shieldedNotes(from: position, limit: limit)
    }

    /// The durable batch each spent one of `nullifiers` was spent in.
    public func spentNullifiers(_ nullifiers: [Fr]) async throws -> [Fr: UInt64] {
        try await store.spentNullifiers(nullifiers)
    }
}
