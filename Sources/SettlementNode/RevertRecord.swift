import Settlement

/// Why the chain is reverted.
public enum RevertCause: Sendable, Equatable {
    /// The L1 reverted commitment `commitment`: its proposer (this node) lost a challenge game.
    case lostGame(commitment: UInt64)
    /// A credited deposit was removed or changed by an L1 reorg deeper than the safe depth.
    case lostDeposit

    var commitmentIndex: UInt64? {
        if case .lostGame(let c) = self { return c }
        return nil
    }
}

/// One step of `SettlementNode.revert(fromBatch:cause:)`, in the order they happen.
public enum RevertStep: Sendable, Equatable {
    /// The deposit and inbox watchers are held; no pass is running.
    case watchersSuspended
    /// The engine suspended sequencing, reverted the store, rolled its state back to the batch
    /// before `fromBatch` and put the reverted transactions back in its pool.
    case engineRolledBack(fromBatch: UInt64)
    /// The watchers forgot their cursors and the credits of the undone batches: they start again
    /// from the rolled-back state's bridge and inbox nonces.
    case watchersReset
    /// The finality engine noted the revert (a requested rollback it covers is done).
    case finalityNoted
    /// The engine sequences again, from the rolled-back state.
    case sequencingResumed
    /// The watchers run again.
    case watchersResumed
}

/// One revert the node ran: what asked for it, the steps it went through, and its outcome.
public struct RevertRecord: Sendable, Equatable {
    public let fromBatch: UInt64
    public let cause: RevertCause
    public internal(set) var steps: [RevertStep] = []
    /// What the store reverted (nil: the attempt failed, see `failure`).
    public internal(set) var revert: ChainRevert?
    public internal(set) var failure: String?
}
