/// A revert of the chain's tail after the L1 reverted a commitment (a proposer lost a fraud-proof
/// game): every batch from `fromBatch` on is undone, and the chain continues from `validRoot`,
/// the root after batch `fromBatch − 1`.
public struct ChainRevert: Sendable, Equatable {
    public let id: UInt64
    public let fromBatch: UInt64
    /// The newest batch that was reverted.
    public let toBatch: UInt64
    public let validRoot: Digest32
    /// The accepted transactions of the reverted batches, in execution order: what the sequencer
    /// offers again (those still valid are sequenced anew), and who hears REVERTED.
    public let accepted: [RevertedTransfer]
    /// The accepted shielded transactions of the reverted batches, in execution order: offered
    /// to the shielded lane again (their notes and nullifiers are undone), and announced REVERTED.
    public let acceptedShielded: [RevertedShielded]

    public init(id: UInt64, fromBatch: UInt64, toBatch: UInt64, validRoot: Digest32, accepted: [RevertedTransfer],
                acceptedShielded: [RevertedShielded] = []) {
        self.id = id
        self.fromBatch = fromBatch
        self.toBatch = toBatch
        self.validRoot = validRoot
        self.accepted = accepted
        self.acceptedShielded = acceptedShielded
    }

    /// The revert as a replica that applied batches up to `applied` only sees it.
    public func applied(upTo applied: UInt64) -> ChainRevert {
        ChainRevert(id: id, fromBatch: fromBatch, toBatch: toBatch, validRoot: validRoot,
                    accepted: accepted.filter { $0.batch <= applied },
                    acceptedShielded: acceptedShielded.filter { $0.batch <= applied })
    }

    /// The accepted transfers, in execution order.
    public var acceptedTransfers: [SignedTransfer] { accepted.map(\.transfer) }
}

/// An accepted transfer of a reverted batch, with that batch's number.
public struct RevertedTransfer: Sendable, Equatable {
    public let batch: UInt64
    public let transfer: SignedTransfer

    public init(batch: UInt64, transfer: SignedTransfer) {
        self.batch = batch
        self.transfer = transfer
    }
}

/// An accepted shielded transaction of a reverted batch, with that batch's number.
public struct RevertedShielded: Sendable, Equatable {
    public let batch: UInt64
    public let transaction: ShieldedTransaction

    public init(batch: UInt64, transaction: ShieldedTransaction) {
        self.batch = batch
        self.transaction = transaction
    }
}

/// Storage for chain reverts (implemented by `PostgresSettlementStore`).
public protocol ChainRevertStore: Sendable {
    /// Moves batches `fromBatch...` and their transactions out of the live chain in one database
    /// transaction, fenced by `term` like a commit, drops snapshots that include them, marks every
    /// commitment covering them reverted and rolled back, and announces it. Returns what was
    /// reverted (nil when there was nothing from `fromBatch` on).
    func revertChain(fromBatch: UInt64, term: UInt64, commitmentIndex: UInt64?) async throws -> ChainRevert?
    /// The newest revert's id and first batch, if any (followers compare it with the last they handled).
    func latestRevert() async throws -> (id: UInt64, fromBatch: UInt64)?
    /// The reverts after revert `id`, oldest first, with their accepted transactions (read back
    /// from the archive tables: what a follower needs to undo them and tell its subscribers).
    func reverts(after id: UInt64) async throws -> [ChainRevert]
}

/// Rolls the chain back when the L1 reverted a commitment (the settlement engine, on the leader).
/// The finality engine calls it until it succeeds, and posts nothing meanwhile.
public protocol ChainReverter: Sendable {
    /// Undoes every batch from `fromBatch` on (the first batch of reverted commitment
    /// `commitmentIndex`, or of a batch no commitment holds yet: a deposit credit lost to a deep
    /// L1 reorg), rebuilds the state at batch `fromBatch − 1`, and sequences the reverted
    /// transactions again.
    func revertChain(fromBatch: UInt64, commitmentIndex: UInt64?) async throws
}
