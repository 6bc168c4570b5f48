import Settlement
import ZK

/// The shielded pool in memory, as the PostgreSQL store keeps it: a batch's lane (numbered after
/// its transfers) and its effects (notes, nullifiers, roots) are recorded with the batch, read
/// back as the pool's image at a snapshot and the effects after it, and removed by a revert
/// (the lane's accepted ids then read REVERTED).
extension InMemorySettlementStore {
    /// The most notes one `shieldedNotes` call returns (as the PostgreSQL store).
    public static let maxNotesPerScan = 10_000
    /// The most nullifiers one `spentNullifiers` call takes (as the PostgreSQL store).
    public static let maxNullifiersPerQuery = 1_024

    public func shieldedNotes(from position: UInt64, limit: Int) async throws -> [StoredNote] {
        let n = min(limit, Self.maxNotesPerScan)
        guard n > 0 else { return [] }
        return state.withLock { s in
            let start = s.notes.firstIndex { $0.position >= position } ?? s.notes.endIndex
            return Array(s.notes[start...].prefix(n))
        }
    }

    public func spentNullifiers(_ nullifiers: [Fr]) async throws -> [Fr: UInt64] {
        guard nullifiers.count <= Self.maxNullifiersPerQuery else {
            throw TestStoreError("\(nullifiers.count) nullifiers in one query, at most \(Self.maxNullifiersPerQuery)")
        }
        return state.withLock { s in
            var out: [Fr: UInt64] = [:]
            for n in nullifiers { if let b = s.spent[n] { out[n] = b } }
            return out
        }
    }

    public func latestShieldedRoots() async throws -> (batch: UInt64, roots: ShieldedRoots)? {
        state.withLock { s in s.shieldedEffects.max { $0.key < $1.key }.map { ($0.key, $0.value.rootsAfter) } }
    }

    /// Records `batch`'s lane and effects (its transfers are recorded already).
    static func recordShielded(_ batch: SealedBatch, in s: inout State) {
        let base = batch.transactions.count
        for (i, t) in batch.shielded.enumerated() {
            s.transactions[t.id] = StoredTransaction(
                id: t.id, status: t.accepted ? .sequenced : .rejected, reason: t.reason, batchNumber: batch.number,
                index: base + i, stateRoot: batch.newRoot, updatedAtMs: batch.createdAtMs)
        }
        if !batch.shielded.isEmpty {
            s.shieldedExecuted[batch.number] = batch.shielded.map { CommittedTransaction(id: $0.id, accepted: $0.accepted, reason: $0.reason) }
            s.shieldedLanes[batch.number] = batch.shielded.map(\.tx)
        }
        guard let effects = batch.shieldedEffects, !effects.isEmpty else { return }
        s.shieldedEffects[batch.number] = effects
        for n in effects.nullifiers { s.spent[n] = batch.number }
        s.notes += effects.notes.map { StoredNote(position: $0.position, commitment: $0.commitment, ciphertext: $0.ciphertext, batch: batch.number) }
    }

    /// Removes batch `n`'s shielded rows; its accepted lane reads REVERTED.
    static func revertShielded(batch n: UInt64, root: Digest32, transfers: Int, in s: inout State) {
        for (i, t) in (s.shieldedExecuted[n] ?? []).enumerated() {
            s.transactions[t.id] = nil
            guard t.accepted else { continue }
            s.reverted[t.id] = StoredTransaction(id: t.id, status: .reverted, reason: "its batch was reverted after a lost fraud-proof game",
                                                 batchNumber: n, index: transfers + i, stateRoot: root, updatedAtMs: 0)
        }
        s.shieldedExecuted[n] = nil
        s.shieldedLanes[n] = nil
        guard let effects = s.shieldedEffects.removeValue(forKey: n) else { return }
        for x in effects.nullifiers { s.spent[x] = nil }
        s.notes.removeAll { $0.batch == n }
    }

    /// The pool at batch `at` (nil when no batch up to it changed the pool).
    static func shieldedImage(at batch: UInt64, in s: State) -> ShieldedPoolImage? {
        let changed = s.shieldedEffects.filter { $0.key <= batch }.sorted { $0.key < $1.key }
        guard !changed.isEmpty else { return nil }
        return ShieldedPoolImage(batch: batch, commitments: s.notes.filter { $0.batch <= batch }.map(\.commitment),
                                 nullifiers: changed.flatMap(\.value.nullifiers),
                                 noteRootHistory: changed.suffix(ShieldedPoolImage.rootHistoryLimit).map { ($0.key, $0.value.rootsAfter.noteRoot) })
    }

    /// The chain as persisted up to `batch` (nil: all), with the pool beside it.
    static func chain(upTo batch: UInt64?, in s: State) -> PersistedChain {
        let limit = batch ?? .max
        let snap = s.snapshot.flatMap { $0.batch <= limit ? $0 : nil }
        let after = snap?.batch
        let diffs = s.diffs.filter { (after == nil || $0.number > after!) && $0.number <= limit }
        let numbers = Set(diffs.map(\.number))
        return PersistedChain(snapshot: snap, diffs: diffs, shieldedBase: snap.flatMap { shieldedImage(at: $0.batch, in: s) },
                              shielded: s.shieldedEffects.filter { numbers.contains($0.key) })
    }
}
