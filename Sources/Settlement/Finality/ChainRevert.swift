/// A revert of the chain's tail after the L1 reverted a commitment (a proposer lost a fraud-proof
/// game): every batch from `fromBatch` on is undone, and the chain continues from `validRoot`,
/// the root after batch `fromBatch − 1`.
public struct ChainRevert: Sendable, Equatable {
    public let id: UInt64
    public let fromBatch: UInt64
    /// The newest batch that was reverted.
    public let toBatch: UInt64
    public let validRoot: Digest32
    /// The accepted transfers of the reverted batches, in execution order: what the sequencer
    /// offers again (those still valid are sequenced anew).
    public let acceptedTransfers: [SignedTransfer]

    public init(id: UInt64, fromBatch: UInt64, toBatch: UInt64, validRoot: Digest32, acceptedTransfers: [SignedTransfer]) {
        self.id = id
        self.fromBatch = fromBatch
        self.toBatch = toBatch
        self.validRoot = validRoot
        self.acceptedTransfers = acceptedTransfers
    }
}

/// Storage for chain reverts (implemented by `PostgresSettlementStore`).
public protocol ChainRevertStore: Sendable {
    /// Moves batches `fromBatch...` and their transactions out of the live chain in one database
    /// transaction, fenced by `term` like a commit, drops snapshots that include them, and
    /// announces it. Returns what was reverted (nil when there was nothing from `fromBatch` on).
    func revertChain(fromBatch: UInt64, term: UInt64, commitmentIndex: UInt64?) async throws -> ChainRevert?
    /// The newest revert's id and first batch, if any (followers compare it with the last they handled).
    func latestRevert() async throws -> (id: UInt64, fromBatch: UInt64)?
}
