import Settlement

/// `FinalityStore` in memory, as the PostgreSQL store behaves: a commitment is recorded (fenced
/// by the term when given) before it is sent, and each status change sets its batches' L1 status,
/// which transaction look-ups report, and is announced on the finality feed.
extension InMemorySettlementStore: FinalityStore {
    public func latestCommitment() async throws -> CommitmentRecord? {
        state.withLock { s in s.commitments.values.filter { $0.record.status != .reverted }.max { $0.record.commitment.index < $1.record.commitment.index }?.record }
    }

    public func nextCommitmentIndex() async throws -> UInt64 {
        state.withLock { s in s.commitments.keys.max().map { $0 + 1 } ?? 0 }
    }

    public func pendingRollback() async throws -> CommitmentRecord? {
        state.withLock { s in
            s.commitments.values.filter { $0.record.status == .reverted && !$0.rolledBack }
                .min { $0.record.commitment.index < $1.record.commitment.index }?.record
        }
    }

    public func unsettledCommitments() async throws -> [CommitmentRecord] {
        let moving: [CommitmentRecord] = state.withLock { s in
            s.commitments.values.map(\.record).filter { $0.status == .posted || $0.status == .l1Confirmed }
        }
        return moving.sorted { $0.commitment.index < $1.commitment.index }.map(Self.withoutData)
    }

    /// `record` with empty data, as `unsettledCommitments` returns it.
    private static func withoutData(_ r: CommitmentRecord) -> CommitmentRecord {
        CommitmentRecord(commitment: r.commitment, data: [], transactionCount: r.transactionCount, calldataGas: r.calldataGas,
                         uncompressedCalldataGas: r.uncompressedCalldataGas, l1TransactionHash: r.l1TransactionHash,
                         status: r.status, l1Block: r.l1Block)
    }

    public func commitmentData(index: UInt64) async throws -> [UInt8]? {
        state.withLock { $0.commitments[index]?.record.data }
    }

    public func batchData(from: UInt64, to: UInt64) async throws -> (prevRoot: Digest32, newRoot: Digest32, batches: [BatchData.Batch]) {
        try state.withLock { s in
            guard from >= 1, let before = s.batches[from - 1], let last = s.batches[to] else {
                throw TestStoreError("batches \(from &- 1) and \(to) are not both durable")
            }
            let batches = (from ... to).map { n in
                BatchData.Batch(number: n, transfers: (s.executed[n]?.transactions ?? []).map(\.signed),
                                shielded: s.shieldedLanes[n] ?? [])
            }
            return (before.newRoot, last.newRoot, batches)
        }
    }

    public func recordCommitment(_ record: CommitmentRecord, term: UInt64?) async throws {
        let c = record.commitment
        let sinks = try state.withLock { s in
            if let term { try Self.checkTerm(term, lease: s.lease?.term) }
            if let existing = s.commitments[c.index], existing.record.status != .reverted {
                guard existing.record.commitment == c else {
                    throw TestStoreError("commitment \(c.index) is already recorded with other contents")
                }
            } else {
                s.commitments[c.index] = (record, false)
            }
            return Self.setBatchStatus(record, in: &s)
        }
        Self.announce(record, to: sinks)
    }

    public func updateCommitment(_ record: CommitmentRecord) async throws {
        let sinks = state.withLock { s in
            guard var entry = s.commitments[record.commitment.index] else { return [AsyncStream<FinalityNotice>.Continuation]() }
            entry.record.status = record.status
            entry.record.l1TransactionHash = record.l1TransactionHash
            entry.record.l1Block = record.l1Block
            s.commitments[record.commitment.index] = entry
            return Self.setBatchStatus(record, in: &s)
        }
        Self.announce(record, to: sinks)
    }

    public func acceptedTransactionIds(from: UInt64, to: UInt64) async throws -> [(batch: UInt64, id: Digest32)] {
        state.withLock { s in
            guard from <= to else { return [] }
            return (from ... to).flatMap { n in
                (s.executed[n]?.transactions ?? []).filter(\.accepted).map { (batch: n, id: $0.id) }
                    + (s.shieldedExecuted[n] ?? []).filter(\.accepted).map { (batch: n, id: $0.id) }
            }
        }
    }

    private static func setBatchStatus(_ record: CommitmentRecord, in s: inout State) -> [AsyncStream<FinalityNotice>.Continuation] {
        let c = record.commitment
        for n in c.firstBatch ... max(c.firstBatch, c.lastBatch) where s.batches[n] != nil {
            s.l1Status[n] = record.status.transactionStatus
        }
        return s.finalitySinks
    }

    private static func announce(_ record: CommitmentRecord, to sinks: [AsyncStream<FinalityNotice>.Continuation]) {
        let notice = FinalityNotice(firstBatch: record.commitment.firstBatch, lastBatch: record.commitment.lastBatch,
                                    status: record.status.transactionStatus, root: record.commitment.newRoot)
        for sink in sinks { sink.yield(notice) }
    }
}
