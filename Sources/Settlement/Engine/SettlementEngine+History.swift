import Synchronization

/// Proofs against old roots: withdrawal claims prove an account against a finalized commitment's
/// root, days behind the head with a real challenge period, far beyond `retained_batches`.
extension SettlementEngine {
    /// `address`'s account with its Merkle proof against the root after `batch`. Served from
    /// memory while the batch is retained; otherwise from the state rebuilt from the store (the
    /// newest snapshot at or before `batch` plus the diffs after it). One rebuild runs at a time
    /// and the last one is kept, so claims against the same commitment pay for it once.
    public func historicalAccount(_ address: Address, atBatch batch: UInt64) async throws -> AccountProof {
        // Still held in memory (proofs only fail for a batch that is not retained).
        if let held = try? account(address, atBatch: batch) { return held }
        let store = self.store
        let tree = try await historicalStates.state(after: batch) {
            guard let snapshot = try await store.snapshot(atBatch: batch) else {
                throw EngineError.corruptState("batch \(batch) is not in the database")
            }
            return try StateManager(restoringFrom: snapshot, retainedBatches: 0).tree
        }
        return AccountProof(address: address, account: tree.account(address) ?? .empty, batch: batch, root: tree.root,
                            proof: tree.proof(for: address))
    }
}

/// The last state rebuilt for an old batch, and a gate that lets one rebuild run at a time (each
/// holds a whole state in memory).
final class HistoricalStates: Sendable {
    private let last = Mutex<(batch: UInt64, tree: SparseMerkleTree)?>(nil)
    private let gate = AsyncSemaphore(permits: 1)

    func state(after batch: UInt64, rebuild: @Sendable () async throws -> SparseMerkleTree) async throws -> SparseMerkleTree {
        if let hit = cached(batch) { return hit }
        await gate.acquire()
        defer { gate.release() }
        if let hit = cached(batch) { return hit }
        let tree = try await rebuild()
        last.withLock { $0 = (batch, tree) }
        return tree
    }

    private func cached(_ batch: UInt64) -> SparseMerkleTree? {
        last.withLock { $0.flatMap { $0.batch == batch ? $0.tree : nil } }
    }
}
