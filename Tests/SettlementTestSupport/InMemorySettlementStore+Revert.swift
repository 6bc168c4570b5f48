import Settlement

/// `ChainRevertStore` in memory, as the PostgreSQL store behaves: the batches from `fromBatch`
/// on leave the live chain (their accepted transactions then read as REVERTED), snapshots that
/// include them are dropped, and every commitment over them is marked reverted and rolled back.
extension InMemorySettlementStore: ChainRevertStore {
    public func revertChain(fromBatch: UInt64, term: UInt64, commitmentIndex: UInt64?) async throws -> ChainRevert? {
        guard fromBatch >= 1 else { throw TestStoreError("batch 0 (genesis) cannot be reverted") }
        let (revert, sinks) = try state.withLock { s -> (ChainRevert?, [AsyncStream<UInt64?>.Continuation]) in
            guard let to = s.batches.keys.filter({ $0 >= fromBatch }).max() else { return (nil, []) }
            try Self.checkTerm(term, lease: s.lease?.term)
            guard let valid = s.batches[fromBatch - 1] else { throw TestStoreError("batch \(fromBatch - 1) is missing") }
            var accepted: [RevertedTransfer] = []
            var acceptedShielded: [RevertedShielded] = []
            for n in fromBatch ... to {
                for (tx, executed) in zip(s.shieldedLanes[n] ?? [], s.shieldedExecuted[n] ?? []) where executed.accepted {
                    acceptedShielded.append(RevertedShielded(batch: n, transaction: tx))
                }
                for (i, t) in (s.executed[n]?.transactions ?? []).enumerated() {
                    s.transactions[t.id] = nil
                    guard t.accepted else { continue }
                    accepted.append(RevertedTransfer(batch: n, transfer: t.signed))
                    s.reverted[t.id] = StoredTransaction(id: t.id, status: .reverted,
                                                         reason: "its batch was reverted after a lost fraud-proof game",
                                                         batchNumber: n, index: i, stateRoot: s.batches[n]?.newRoot ?? .zero,
                                                         updatedAtMs: 0)
                }
                Self.revertShielded(batch: n, root: s.batches[n]?.newRoot ?? .zero,
                                    transfers: s.executed[n]?.transactions.count ?? 0, in: &s)
                s.batches[n] = nil
                s.executed[n] = nil
                s.l1Status[n] = nil
            }
            s.diffs.removeAll { $0.number >= fromBatch }
            if let snap = s.snapshot, snap.batch >= fromBatch { s.snapshot = nil }
            for (index, entry) in s.commitments where entry.record.commitment.lastBatch >= fromBatch
                || (entry.record.status == .reverted && !entry.rolledBack) {
                var record = entry.record
                record.status = .reverted
                s.commitments[index] = (record, true)
            }
            let revert = ChainRevert(id: UInt64(s.reverts.count) + 1, fromBatch: fromBatch, toBatch: to, validRoot: valid.newRoot,
                                     accepted: accepted, acceptedShielded: acceptedShielded)
            s.reverts.append(revert)
            return (revert, s.batchSinks)
        }
        // Like the database's notification: the feed must be read again.
        for sink in sinks { sink.yield(nil) }
        return revert
    }

    public func latestRevert() async throws -> (id: UInt64, fromBatch: UInt64)? {
        state.withLock { s in s.reverts.last.map { ($0.id, $0.fromBatch) } }
    }

    public func reverts(after id: UInt64) async throws -> [ChainRevert] {
        state.withLock { s in s.reverts.filter { $0.id > id } }
    }

    /// Every chain revert so far, oldest first.
    public var chainReverts: [ChainRevert] { state.withLock { $0.reverts } }
}
