import Logging
import PostgresDriver
import Settlement
import Synchronization

/// The batch feed's moving parts (one LISTEN connection per store, fanned out to every caller).
struct BatchFeedState: Sendable {
    var started = false
    var sinks: [AsyncStream<UInt64?>.Continuation] = []
    var finalitySinks: [AsyncStream<FinalityNotice>.Continuation] = []
    var tasks: [Task<Void, Never>] = []
}

/// `ReplicationStore` on PostgreSQL (schema: migration `0003_replicas`).
///
/// Lease times use the database's `clock_timestamp()`, never a replica's clock, so replicas with
/// skewed clocks still agree on expiry. Lease statements run on their own connection so a renewal
/// never waits behind a batch's COPY.
extension PostgresSettlementStore: ReplicationStore {
    /// Serialises lease acquisitions, including the very first (when the lease row does not exist
    /// yet and there is nothing to lock): "SETLLEAS".
    static let leaseLockKey: Int64 = 0x5345_544C_4C45_4153

    public func acquireLease(replica: String, endpoint: String, ttlMs: Int) async throws -> UInt64? {
        try await leaseConnection.idempotent { conn in
            try await conn.transaction { c in
                try c.execute("SET LOCAL lock_timeout = '2s'")
                try c.query("SELECT pg_advisory_xact_lock($1)", [.int64(Self.leaseLockKey)])
                // A leader frozen (SIGSTOP, a VM pause, a GC stall) in the middle of a commit holds
                // the lease row FOR SHARE for as long as it is frozen, and FOR UPDATE below would
                // wait for it. Once its lease has expired by the database's clock, its open commit
                // transactions are ended by terminating their sessions (they hold the table's
                // RowShareLock; only commits do, acquisitions are serialised above). The frozen
                // leader then finds its connection gone, retries, and is fenced.
                try c.query("""
                    SELECT pg_terminate_backend(l.pid) FROM pg_locks l, sequencer_lease s
                    WHERE l.locktype = 'relation' AND l.relation = 'sequencer_lease'::regclass
                      AND l.mode = 'RowShareLock' AND l.granted AND l.pid <> pg_backend_pid()
                      AND s.expires_at < clock_timestamp() AND s.holder <> $1
                    """, [.text(replica)])
                // FOR UPDATE waits for a commit holding the row FOR SHARE (the fencing check).
                let rows = try c.query("""
                    SELECT holder, term, expires_at > clock_timestamp() FROM sequencer_lease FOR UPDATE
                    """)
                var previous: String?
                if let row = rows.first {
                    let holder = try row.string(0)
                    if try row.bool(2), holder != replica { return nil }
                    previous = holder
                }
                // Never reuse a term, even one whose lease row was lost or whose batches outlive it.
                let next = try c.query("""
                    SELECT greatest((SELECT coalesce(max(term), 0) FROM sequencer_lease),
                                    (SELECT coalesce(max(term), 0) FROM leader_terms),
                                    (SELECT coalesce(max(term), 0) FROM batches)) + 1
                    """)
                let term = try next[0].int64(0)
                try c.query("""
                    INSERT INTO sequencer_lease (singleton, holder, endpoint, term, acquired_at, expires_at)
                    VALUES (true, $1, $2, $3, clock_timestamp(), clock_timestamp() + $4 * interval '1 millisecond')
                    ON CONFLICT (singleton) DO UPDATE SET holder = excluded.holder, endpoint = excluded.endpoint,
                        term = excluded.term, acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
                    """, [.text(replica), .text(endpoint), .int64(term), .int64(Int64(ttlMs))])
                try c.query("INSERT INTO leader_terms (term, holder, endpoint, previous) VALUES ($1, $2, $3, $4)",
                            [.int64(term), .text(replica), .text(endpoint), previous.map { PostgresValue.text($0) }])
                return UInt64(term)
            }
        }
    }

    public func renewLease(replica: String, term: UInt64, ttlMs: Int) async throws -> Bool {
        let rows = try await leaseConnection.idempotent { c in
            try await c.query("""
                UPDATE sequencer_lease SET expires_at = clock_timestamp() + $3 * interval '1 millisecond'
                WHERE holder = $1 AND term = $2 RETURNING term
                """, [.text(replica), .int64(Int64(bitPattern: term)), .int64(Int64(ttlMs))])
        }
        return !rows.isEmpty
    }

    public func releaseLease(replica: String, term: UInt64) async throws {
        _ = try await leaseConnection.idempotent { c in
            try await c.query("""
                UPDATE sequencer_lease SET expires_at = clock_timestamp() - interval '1 millisecond'
                WHERE holder = $1 AND term = $2
                """, [.text(replica), .int64(Int64(bitPattern: term))])
        }
    }

    public func currentLease() async throws -> SequencerLeaseHolder? {
        let rows = try await leaseConnection.idempotent { c in
            try await c.query("""
                SELECT holder, endpoint, term, (extract(epoch FROM expires_at - clock_timestamp()) * 1000)::int8
                FROM sequencer_lease
                """)
        }
        guard let row = rows.first else { return nil }
        return SequencerLeaseHolder(replica: try row.string(0), endpoint: try row.string(1),
                                    term: UInt64(bitPattern: try row.int64(2)), remainingMs: try row.int64(3))
    }

    public func heartbeat(replica: String, endpoint: String, role: String, appliedBatch: UInt64) async throws {
        _ = try await leaseConnection.idempotent { c in
            try await c.query("""
                INSERT INTO replicas (id, endpoint, role, applied_batch) VALUES ($1, $2, $3, $4)
                ON CONFLICT (id) DO UPDATE SET endpoint = excluded.endpoint, role = excluded.role,
                    applied_batch = excluded.applied_batch, last_seen = now()
                """, [.text(replica), .text(endpoint), .text(role), .int64(Int64(bitPattern: appliedBatch))])
        }
    }

    /// The batches after `after`, each with its transactions (transfers, then the shielded lane)
    /// and its shielded effects.
    public func committedBatches(after: UInt64, limit: Int) async throws -> [CommittedBatch] {
        let from = Int64(bitPattern: after)
        let n = Int64(max(1, limit))
        let conn = readers[0]
        let batchRows = try await conn.idempotent { c in
            try await c.query("""
                SELECT number, prev_root, new_root, term, (extract(epoch FROM committed_at) * 1000)::int8, state_diff
                FROM batches WHERE number > $1 ORDER BY number LIMIT $2
                """, [.int64(from), .int64(n)])
        }
        guard let lastRow = batchRows.last else { return [] }
        let last = try lastRow.int64(0)
        let txRows = try await conn.idempotent { c in
            try await c.query("""
                SELECT batch_number, idx, id, status, reason FROM transactions
                WHERE batch_number > $1 AND batch_number <= $2
                UNION ALL
                SELECT batch_number, idx, id, status, reason FROM shielded_transactions
                WHERE batch_number > $1 AND batch_number <= $2
                ORDER BY batch_number, idx
                """, [.int64(from), .int64(last)])
        }
        let shielded = try await shieldedEffects(after: from, through: last, on: conn)
        var byBatch: [Int64: [CommittedTransaction]] = [:]
        let sequenced = TransactionStatus.sequenced.rawValue
        for row in txRows {
            let id = try Self.digest(row.bytes(2), "transactions.id")
            byBatch[try row.int64(0), default: []].append(
                CommittedTransaction(id: id, accepted: try row.int(3) == sequenced, reason: try row.string(4)))
        }
        return try batchRows.map { row in
            let number = try row.int64(0)
            let diff: StateDiff
            do { diff = try StateDiff(serialized: row.bytes(5)) } catch {
                throw SettlementStoreError.corrupt("state diff of batch \(number): \(error)")
            }
            return CommittedBatch(number: UInt64(bitPattern: number), prevRoot: try Self.digest(row.bytes(1), "prev_root"),
                                  newRoot: try Self.digest(row.bytes(2), "new_root"),
                                  term: UInt64(bitPattern: try row.int64(3)),
                                  committedAtMs: UInt64(bitPattern: try row.int64(4)), diff: diff,
                                  transactions: byBatch[number] ?? [], shielded: shielded[UInt64(bitPattern: number)])
        }
    }

    /// Starts LISTENing on first use. A keep-alive query every second notices a lost listening
    /// connection and re-opens it; that reconnect is reported as a `nil` element.
    public func batchNotifications() async -> AsyncStream<UInt64?> {
        let (stream, sink) = AsyncStream.makeStream(of: UInt64?.self, bufferingPolicy: .bufferingNewest(1_024))
        let start = feed.withLock { f -> Bool in
            f.sinks.append(sink)
            defer { f.started = true }
            return !f.started
        }
        guard start else { return stream }
        let listener = self.listener, logger = self.logger
        let relay = Task { [self] in
            for await event in listener.events {
                let value: UInt64??
                switch event {
                case .notification(let n) where n.channel == Self.finalityChannel:
                    if let notice = FinalityNotice(payload: n.payload) { for s in finalitySinks() { s.yield(notice) } }
                    continue
                case .notification(let n):
                    guard n.channel == Self.notificationChannel else { continue }
                    value = UInt64(n.payload).map { Optional($0) }
                case .reconnected:
                    value = .some(nil)
                }
                guard let value else { continue }
                for s in feedSinks() { s.yield(value) }
            }
        }
        let keepAlive = Task { [self] in
            var listening = false
            while !Task.isCancelled {
                do {
                    if !listening {
                        try await listener.listen(Self.notificationChannel)
                        try await listener.listen(Self.finalityChannel)
                        listening = true
                    } else {
                        _ = try await listener.idempotent { c in try await c.query("SELECT 1") }
                    }
                } catch {
                    logger.warning("batch notifications: listening connection unavailable", metadata: ["error": "\(error)"])
                    for s in feedSinks() { s.yield(nil) }
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        feed.withLock { $0.tasks = [relay, keepAlive] }
        return stream
    }

    private func feedSinks() -> [AsyncStream<UInt64?>.Continuation] { feed.withLock { $0.sinks } }
    private func finalitySinks() -> [AsyncStream<FinalityNotice>.Continuation] { feed.withLock { $0.finalitySinks } }

    /// Changes of commitments' L1 status as they are stored (by whichever replica leads). Starts
    /// the shared listener like `batchNotifications()`; notices sent while it reconnects are lost
    /// (the statuses themselves are in the tables).
    public func finalityNotifications() async -> AsyncStream<FinalityNotice> {
        let (stream, sink) = AsyncStream.makeStream(of: FinalityNotice.self, bufferingPolicy: .bufferingNewest(1_024))
        feed.withLock { $0.finalitySinks.append(sink) }
        _ = await batchNotifications()
        return stream
    }

    func stopBatchFeed() {
        let (tasks, sinks, finality) = feed.withLock { f in
            defer { f = BatchFeedState() }
            return (f.tasks, f.sinks, f.finalitySinks)
        }
        for t in tasks { t.cancel() }
        for s in sinks { s.finish() }
        for s in finality { s.finish() }
    }
}
