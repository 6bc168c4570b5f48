import Synchronization

/// Proofs against old roots: withdrawal claims prove an account against a finalized commitment's
/// root, days behind the head with a real challenge period, far beyond `retained_batches`.
extension SettlementEngine {
    /// `address`'s account with its Merkle proof against the root after `batch`. Served from
    /// memory while the batch is retained; otherwise from the state rebuilt from the store
    /// (`SettlementStore.rollupState(afterBatch:shieldedRootWindow:)`: accounts and pool, so the
    /// proof carries the pool's roots once it is used). One rebuild runs at a time
    /// and the last `HistoricalStates.capacity` are kept, so claims against the same commitments
    /// pay for them once. Callers bound which batches may be asked for (a client alternating
    /// between many old batches would otherwise buy a whole-state rebuild per request): the
    /// withdrawal service serves only the two newest final commitments.
    /// Whole-state rebuilds `historicalAccount` has done (tests and metrics: the cost old batches
    /// impose).
    public var historicalRebuilds: Int { historicalStates.rebuilds }

    public func historicalAccount(_ address: Address, atBatch batch: UInt64) async throws -> AccountProof {
        // Still held in memory (proofs only fail for a batch that is not retained).
        if let held = try? account(address, atBatch: batch) { return held }
        let store = self.store
        let window = config.shielded?.rootWindow ?? ShieldedPool.defaultWindow
        let state = try await historicalStates.state(after: batch) {
            try await store.rollupState(afterBatch: batch, shieldedRootWindow: window)
        }
        let tree = state.accounts
        return AccountProof(address: address, account: tree.account(address) ?? .empty, batch: batch, root: state.root,
                            proof: tree.proof(for: address), shieldedRoots: state.shieldedRoots, accountRoot: tree.root)
    }
}

/// The states last rebuilt for old batches (at most `capacity`, least recently used dropped first:
/// each holds a whole state in memory), and a gate that lets one rebuild run at a time.
final class HistoricalStates: Sendable {
    /// States kept: the two newest final commitments' (what withdrawal claims may ask for).
    static let capacity = 2
    /// Most recently used last.
    private let recent = Lock<[(batch: UInt64, state: RollupState)]>([])
    private let gate = AsyncSemaphore(permits: 1)
    private let rebuildCount = Atomic<Int>(0)

    /// Whole-state rebuilds done so far (what a client asking for old batches costs the engine).
    var rebuilds: Int { rebuildCount.load(ordering: .relaxed) }

    func state(after batch: UInt64, rebuild: @Sendable () async throws -> RollupState) async throws -> RollupState {
        if let hit = cached(batch) { return hit }
        await gate.acquire()
        defer { gate.release() }
        if let hit = cached(batch) { return hit }
        let state = try await rebuild()
        rebuildCount.add(1, ordering: .relaxed)
        recent.withLock {
            $0.append((batch, state))
            if $0.count > Self.capacity { $0.removeFirst($0.count - Self.capacity) }
        }
        return state
    }

    private func cached(_ batch: UInt64) -> RollupState? {
        recent.withLock { entries in
            guard let i = entries.firstIndex(where: { $0.batch == batch }) else { return nil }
            let hit = entries.remove(at: i)
            entries.append(hit)
            return hit.state
        }
    }
}
