extension SettlementStore {
    /// The whole state after `batch` — accounts and shielded pool — rebuilt from the store as the
    /// engine rebuilds itself at start (`SettlementEngine.replay`: the newest snapshot at or before
    /// `batch` with the pool's image, then each later batch's diff and shielded effects, every
    /// recorded root checked), the pool's window holding `shieldedRootWindow` batches. Throws when
    /// `batch` is not durable or the stored chain does not replay to its roots.
    ///
    /// What proofs against old roots need: the proposer's defense (a game's pre-state) and
    /// historical account proofs (withdrawal claims).
    public func rollupState(afterBatch batch: UInt64, shieldedRootWindow: Int) async throws -> RollupState {
        let chain = try await persistedChain(upTo: batch)
        var state = StateManager(retainedBatches: 1, shieldedRootWindow: shieldedRootWindow)
        let (last, _) = try SettlementEngine.replay(chain, into: &state)
        guard last == batch else { throw EngineError.corruptState("batch \(batch) is not in the database (its chain ends at \(last))") }
        return RollupState(state)
    }
}
