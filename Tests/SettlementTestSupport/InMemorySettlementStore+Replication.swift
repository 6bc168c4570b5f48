import Settlement

/// `ReplicationStore` in memory: the lease of a replica set living in one process (by this
/// process's clock; terms never reused), heartbeats, and the committed chain as a feed.
extension InMemorySettlementStore: ReplicationStore {
    public func acquireLease(replica: String, endpoint: String, ttlMs: Int) async throws -> UInt64? {
        state.withLock { s in
            let now = ContinuousClock.now
            if let lease = s.lease, lease.expires > now, lease.replica != replica { return nil }
            s.highestTerm += 1
            s.lease = (replica, endpoint, s.highestTerm, now + .milliseconds(ttlMs))
            return s.highestTerm
        }
    }

    public func renewLease(replica: String, term: UInt64, ttlMs: Int) async throws -> Bool {
        state.withLock { s in
            guard let lease = s.lease, lease.replica == replica, lease.term == term else { return false }
            s.lease = (replica, lease.endpoint, term, ContinuousClock.now + .milliseconds(ttlMs))
            return true
        }
    }

    public func releaseLease(replica: String, term: UInt64) async throws {
        state.withLock { s in
            guard let lease = s.lease, lease.replica == replica, lease.term == term else { return }
            s.lease = (replica, lease.endpoint, term, ContinuousClock.now)
        }
    }

    public func currentLease() async throws -> SequencerLeaseHolder? {
        state.withLock { s in
            s.lease.map { l in
                let left = ContinuousClock.now.duration(to: l.expires).components
                return SequencerLeaseHolder(replica: l.replica, endpoint: l.endpoint, term: l.term,
                                            remainingMs: left.seconds * 1_000 + left.attoseconds / 1_000_000_000_000_000)
            }
        }
    }

    public func heartbeat(replica: String, endpoint: String, role: String, appliedBatch: UInt64) async throws {
        state.withLock { $0.heartbeats[replica] = (endpoint, role, appliedBatch) }
    }

    public func committedBatches(after: UInt64, limit: Int) async throws -> [CommittedBatch] {
        state.withLock { s in
            s.diffs.filter { $0.number > after }.prefix(max(limit, 0)).compactMap { d in
                guard let b = s.batches[d.number], let e = s.executed[d.number] else { return nil }
                return CommittedBatch(number: d.number, prevRoot: b.prevRoot, newRoot: b.newRoot, term: e.term,
                                      committedAtMs: e.committedAtMs, diff: d.diff,
                                      transactions: e.transactions.map { CommittedTransaction(id: $0.id, accepted: $0.accepted, reason: $0.reason) }
                                          + (s.shieldedExecuted[d.number] ?? []),
                                      shielded: s.shieldedEffects[d.number])
            }
        }
    }

    public func batchNotifications() async -> AsyncStream<UInt64?> {
        let (stream, sink) = AsyncStream<UInt64?>.makeStream()
        state.withLock { $0.batchSinks.append(sink) }
        return stream
    }

    public func finalityNotifications() async -> AsyncStream<FinalityNotice> {
        let (stream, sink) = AsyncStream<FinalityNotice>.makeStream()
        state.withLock { $0.finalitySinks.append(sink) }
        return stream
    }
}
