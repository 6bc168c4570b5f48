import Foundation
import Logging
import PostgresDriver
import Settlement
import Synchronization

/// `SettlementStore` on PostgreSQL (schema: migration `0002_settlement`).
///
/// Connections (all `ReconnectingConnection`s, opened on first use, re-opened with backoff after
/// a loss):
/// - one **writer** for `open` and `commit` (the engine has one committer task);
/// - `readerCount` **readers** (default 2), used round-robin by the queries, so status queries
///   never wait behind a batch's COPY. Readers only run single statements, so concurrent
///   callers may share one safely;
/// - one **maintenance** connection for `saveSnapshot` (large uploads stay off both paths).
///
/// A commit is one database transaction: the batch row (with its state diff and root), its
/// executed transactions by binary COPY, its shielded lane and pool rows when it has any
/// (`+ShieldedWrite`), and `NOTIFY settlement_batches, '<number>'`. It is
/// idempotent: when the batch is already durable (a previous attempt committed but its outcome
/// was lost) committing it again is a no-op; a *different* batch under that number is refused
/// (`SettlementStoreError.batchConflict`). Commits run with `synchronous_commit = on` whatever
/// the server's default, so an acknowledged batch survives a server crash. Connection losses are retried on a new connection
/// inside the call for up to `reconnectTimeout`; past that the error is thrown and the next call
/// starts over.
public final class PostgresSettlementStore: SettlementStore {
    /// The channel notified (payload: the batch number in decimal) in every commit transaction.
    public static let notificationChannel = "settlement_batches"
    /// Serialises concurrent first opens of an empty database ("SETLGENS").
    static let genesisLockKey: Int64 = 0x5345_544C_4745_4E53
    /// Batches per page when reading the chain back in `open`.
    static let loadPageSize = 64

    let writer: ReconnectingConnection
    let readers: [ReconnectingConnection]
    let maintenance: ReconnectingConnection
    /// The sequencer lease and heartbeats (short statements that must not wait behind a COPY).
    let leaseConnection: ReconnectingConnection
    /// LISTENs to `notificationChannel` once `batchNotifications()` is first called.
    let listener: ReconnectingConnection
    let feed = Lock<BatchFeedState>(BatchFeedState())
    private let nextReader = Atomic<Int>(0)
    /// The signing domain of the genesis `open` was given: transactions read back are in it (a
    /// database holds one deployment's chain; rows keep only the chain id).
    private let deployment = Lock<SigningDomain?>(nil)
    let logger: Logger

    /// A store on the database at `conninfo` (a `postgresql://` URL or `key=value` string).
    /// Nothing connects until the first call.
    ///
    /// - Parameters:
    ///   - readerCount: connections for queries (at least 1).
    ///   - reconnectTimeout: how long one call keeps trying to reconnect before it throws.
    public init(conninfo: String, readerCount: Int = 2, reconnectTimeout: Duration = .seconds(10),
                logger: Logger = Logger(label: "persistence.store")) {
        func make(_ role: String) -> ReconnectingConnection {
            var l = logger
            l[metadataKey: "connection"] = "\(role)"
            return ReconnectingConnection(conninfo: conninfo, reconnectTimeout: reconnectTimeout, logger: l)
        }
        writer = make("writer")
        readers = (0..<max(1, readerCount)).map { make("reader-\($0)") }
        maintenance = make("maintenance")
        leaseConnection = make("lease")
        listener = make("listener")
        self.logger = logger
    }

    /// Closes every connection; a later call opens new ones.
    public func close() async {
        await writer.close()
        for r in readers { await r.close() }
        await maintenance.close()
        await leaseConnection.close()
        stopBatchFeed()
        await listener.close()
    }

    // MARK: - Open

    /// Migrates the schema (under the migrator's advisory lock), writes genesis as batch 0 into an
    /// empty database or checks that the database was made from this genesis, and reads the chain
    /// back: the newest snapshot and the diffs of every batch after it.
    ///
    /// The diffs are read in pages of `loadPageSize` batches (bounded result sets) but all are
    /// returned at once, as `PersistedChain` requires; with regular snapshots that stays small.
    /// The shielded pool comes with them: its image at the snapshot and the effects of the
    /// batches after it (`+ShieldedLoad`).
    public func open(genesis: Genesis, genesisDiff: StateDiff, genesisRoot: Digest32) async throws -> PersistedChain {
        let migrator = try Migrator(logger: logger)
        try await writer.idempotent { conn in _ = try await migrator.migrate(on: conn) }
        try await initialiseGenesis(genesis, diff: genesisDiff, root: genesisRoot)
        deployment.withLock { $0 = SigningDomain(genesis: genesis) }
        let chain = try await loadChain()
        logger.info("settlement store opened", metadata: [
            "snapshot": "\(chain.snapshot.map { "\($0.batch)" } ?? "none")",
            "batches": "\(chain.diffs.count)",
            "head": "\(chain.diffs.last?.number ?? chain.snapshot?.batch ?? 0)",
        ])
        return chain
    }

    /// The signing domain of a stored transaction with chain id `chainId`.
    func signingDomain(chainId: UInt64) throws -> SigningDomain {
        guard let domain = deployment.withLock({ $0 }) else {
            throw SettlementStoreError.corrupt("transactions are read before the store was opened with its genesis")
        }
        guard domain.chainId == chainId else {
            throw SettlementStoreError.corrupt("a transaction of chain \(chainId) in the database of chain \(domain.chainId)")
        }
        return domain
    }

    private func initialiseGenesis(_ genesis: Genesis, diff: StateDiff, root: Digest32) async throws {
        let hash = genesis.hash
        let chainId = genesis.chainId
        let diffBytes = diff.serialized
        try await writer.idempotent { conn in
            try await conn.transaction { c in
                try c.execute("SET LOCAL synchronous_commit = on")
                try c.query("SELECT pg_advisory_xact_lock($1)", [.int64(Self.genesisLockKey)])
                let meta = try c.query("SELECT value FROM chain_meta WHERE key = 'genesis_hash'")
                if let row = meta.first {
                    let stored = try Self.digest(row.bytes(0), "chain_meta.genesis_hash")
                    guard stored == hash else {
                        throw SettlementStoreError.genesisMismatch(stored: stored, expected: hash)
                    }
                    let zero = try c.query("SELECT new_root FROM batches WHERE number = 0")
                    guard let z = zero.first else { throw SettlementStoreError.corrupt("genesis is recorded but batch 0 is missing") }
                    let storedRoot = try Self.digest(z.bytes(0), "batch 0 new_root")
                    guard storedRoot == root else {
                        throw SettlementStoreError.corrupt(
                            "batch 0 (genesis) has root \(storedRoot) but this genesis gives \(root): the state commitment changed")
                    }
                    return
                }
                let existing = try c.query("SELECT count(*) FROM batches")
                guard try existing[0].int64(0) == 0 else {
                    throw SettlementStoreError.corrupt("batches exist but no genesis is recorded")
                }
                try c.query("INSERT INTO chain_meta (key, value) VALUES ('genesis_hash', $1), ('chain_id', $2)",
                            [.bytes(hash.bytes), .bytes(Self.bigEndian(chainId))])
                try c.query("""
                    INSERT INTO batches (number, prev_root, new_root, tx_count, accepted_count, created_at, term, state_diff)
                    VALUES (0, $1, $2, 0, 0, now(), 0, $3)
                    """, [.bytes(Digest32.zero.bytes), .bytes(root.bytes), .bytes(diffBytes)])
                try c.notify(Self.notificationChannel, payload: "0")
            }
        }
    }

    /// The newest snapshot at or before `batch` and every diff after it up to `batch` (used by
    /// background snapshot writing; runs on the maintenance connection).
    public func persistedChain(upTo batch: UInt64) async throws -> PersistedChain {
        try await loadChain(upTo: batch, on: maintenance)
    }

    private func loadChain(upTo limit: UInt64? = nil, on conn: ReconnectingConnection? = nil) async throws -> PersistedChain {
        let conn = conn ?? writer
        let upTo = limit.map { Int64(bitPattern: $0) } ?? Int64.max
        let snapRows = try await conn.idempotent { c in
            try await c.query("""
                SELECT s.batch_number, s.root, s.data, b.new_root
                FROM snapshots s LEFT JOIN batches b ON b.number = s.batch_number
                WHERE s.batch_number <= $1
                ORDER BY s.batch_number DESC LIMIT 1
                """, [.int64(upTo)])
        }
        var snapshot: StateSnapshot?
        if let row = snapRows.first {
            let number = UInt64(bitPattern: try row.int64(0))
            let root = try Self.digest(row.bytes(1), "snapshot root")
            let decoded: StateSnapshot
            do { decoded = try StateSnapshot(serialized: row.bytes(2)) } catch {
                throw SettlementStoreError.corrupt("snapshot at batch \(number): \(error)")
            }
            guard decoded.batch == number, decoded.root == root else {
                throw SettlementStoreError.corrupt("snapshot row \(number) holds a snapshot of batch \(decoded.batch) with root \(decoded.root)")
            }
            let batchRoot = try row.bytesOrNil(3).map { try Self.digest($0, "batch \(number) new_root") }
            guard batchRoot == root else {
                throw SettlementStoreError.corrupt("snapshot at batch \(number) has root \(root), the batch has \(batchRoot.map { "\($0)" } ?? "no row")")
            }
            snapshot = decoded
        }
        var diffs: [(number: UInt64, diff: StateDiff, root: Digest32)] = []
        var after = snapshot.map { Int64(bitPattern: $0.batch) } ?? -1
        while true {
            let from = after
            let rows = try await conn.idempotent { c in
                try await c.query("""
                    SELECT number, new_root, state_diff FROM batches WHERE number > $1 AND number <= $3
                    ORDER BY number LIMIT $2
                    """, [.int64(from), .int64(Int64(Self.loadPageSize)), .int64(upTo)])
            }
            for row in rows {
                let number = try row.int64(0)
                let root = try Self.digest(row.bytes(1), "batch \(number) new_root")
                let diff: StateDiff
                do { diff = try StateDiff(serialized: row.bytes(2)) } catch {
                    throw SettlementStoreError.corrupt("state diff of batch \(number): \(error)")
                }
                diffs.append((UInt64(bitPattern: number), diff, root))
                after = number
            }
            if rows.count < Self.loadPageSize { break }
        }
        var base: ShieldedPoolImage?
        if let snapshot { base = try await shieldedImage(at: snapshot.batch, on: conn) }
        var shielded: [UInt64: ShieldedBatchEffects] = [:]
        if let last = diffs.last {
            shielded = try await shieldedEffects(after: snapshot.map { Int64(bitPattern: $0.batch) } ?? -1,
                                                 through: Int64(bitPattern: last.number), on: conn)
        }
        return PersistedChain(snapshot: snapshot, diffs: diffs, shieldedBase: base, shielded: shielded)
    }

    // MARK: - Commit

    /// Makes `batch` durable: its row, its executed transactions (binary COPY, status SEQUENCED or
    /// REJECTED with the reason), its shielded rows and a notification, in one transaction. A
    /// no-op when the batch is already durable; `SettlementStoreError.batchConflict` when a
    /// different batch (other transactions or another shielded lane) has its number,
    /// `.chainBreak` when it does not extend the durable chain.
    public func commit(_ batch: SealedBatch) async throws {
        let received = ReceivedClock()
        let outcome = try await writer.idempotent { conn in
            try await conn.transaction { c in try Self.write(batch, received: received, on: c) }
        }
        if outcome == .alreadyDurable {
            logger.notice("batch already durable; commit was a no-op", metadata: ["batch": "\(batch.number)"])
        }
    }

    enum CommitOutcome: Sendable, Equatable { case inserted, alreadyDurable }

    /// Columns of `transactions` in COPY order.
    package static let transactionColumns = ["batch_number", "idx", "id", "sender", "recipient", "value", "fee", "nonce",
                                     "chain_id", "signature", "status", "reason", "received_at"]

    /// Settings of the commit transaction. Durable means durable whatever the server's default:
    /// a commit acknowledged under `synchronous_commit = off` is lost if the server crashes within
    /// the next ~200 ms. And a commit transaction silent for 10 s is ended by the server: its
    /// statements follow each other, so that is not a live engine but a frozen one (SIGSTOP, a VM
    /// pause) whose uncommitted rows would hold back the new leader's commits (the lease-row lock
    /// below lets a takeover end it sooner; this bounds whatever that does not cover).
    static let commitSettings = "SET LOCAL synchronous_commit = on; SET LOCAL idle_in_transaction_session_timeout = \(commitIdleTimeoutMs)"
    /// See `commitSettings`.
    public static let commitIdleTimeoutMs = 10_000

    /// The body of the commit transaction.
    static func write(_ batch: SealedBatch, received: ReceivedClock,
                      on c: isolated PostgresConnection) throws -> CommitOutcome {
        let number = Int64(bitPattern: batch.number)
        let accepted = batch.transactions.reduce(0) { $0 + ($1.accepted ? 1 : 0) }
        try c.execute(commitSettings)
        // The lease row is locked FOR SHARE before the batch row is written, so that this
        // transaction holds the lease table's RowShareLock for as long as its batch row is
        // uncommitted: a replica taking over from a leader frozen here terminates exactly the
        // sessions holding that lock (`acquireLease`). Locked after the INSERT (as it was), a leader
        // frozen between the two held the batch number's unique-index slot unnoticed, and the new
        // leader's commit of that number waited for it without limit. The term is checked below,
        // after the INSERT, as before (an already durable batch is answered as such).
        let current = try lockLease(on: c)
        let inserted = try c.query("""
            INSERT INTO batches (number, prev_root, new_root, tx_count, accepted_count, created_at, term, state_diff,
                                 account_count)
            SELECT $1, $2, $3, $4, $5, timestamptz 'epoch' + $6 * interval '1 millisecond', $7, $8, $9
            WHERE $1 = 0 OR EXISTS (SELECT 1 FROM batches WHERE number = $1 - 1 AND new_root = $2)
            ON CONFLICT (number) DO NOTHING
            RETURNING number
            """, [.int64(number), .bytes(batch.prevRoot.bytes), .bytes(batch.newRoot.bytes),
                  .int32(Int32(batch.transactions.count)), .int32(Int32(accepted)),
                  .int64(Int64(bitPattern: batch.createdAtMs)), .int64(Int64(bitPattern: batch.term)),
                  .bytes(batch.diff.serialized), .int64(Int64(batch.accountCount))])
        guard !inserted.isEmpty else {
            try checkExisting(batch, on: c)
            return .alreadyDurable
        }
        try checkTerm(of: batch, current: current)
        let loaded = try c.copyIn(table: "transactions", columns: transactionColumns) { (w) throws(PostgresError) in
            try encodeTransactions(of: batch, received: received, into: &w)
        }
        guard loaded == batch.transactions.count else {
            throw PostgresError(.protocolMismatch, "COPY of batch \(batch.number) loaded \(loaded) of \(batch.transactions.count) transactions")
        }
        try writeShielded(batch, received: received, on: c)
        try c.notify(notificationChannel, payload: String(batch.number))
        return .inserted
    }

    /// Fencing: the batch's term must be the lease's current term. The lease row is held
    /// `FOR SHARE` until this transaction ends, so a replica taking the lease over (an UPDATE of
    /// that row) waits for this commit, and its catch-up read afterwards sees this batch. With no
    /// lease row only term 0 (a standalone engine) may commit.
    static func checkTerm(of batch: SealedBatch, on c: isolated PostgresConnection) throws {
        try checkTerm(of: batch, current: try lockLease(on: c))
    }

    /// Locks the lease row `FOR SHARE` until the transaction ends and returns its term (nil when
    /// there is no lease row).
    static func lockLease(on c: isolated PostgresConnection) throws -> UInt64? {
        let rows = try c.query("SELECT term FROM sequencer_lease FOR SHARE")
        return try rows.first.map { UInt64(bitPattern: try $0.int64(0)) }
    }

    /// The fencing comparison of `checkTerm(of:on:)` against a term read by `lockLease(on:)`.
    static func checkTerm(of batch: SealedBatch, current: UInt64?) throws {
        if current == nil && batch.term == 0 { return }
        guard current == batch.term else { throw LeadershipLost(term: batch.term, currentTerm: current) }
    }

    /// Writes one COPY row per executed transaction of `batch` (columns `transactionColumns`).
    package static func encodeTransactions(of batch: SealedBatch, received: ReceivedClock,
                                   into w: inout BinaryCopyWriter) throws(PostgresError) {
        let number = Int64(bitPattern: batch.number)
        let sequenced = Int16(TransactionStatus.sequenced.rawValue), rejected = Int16(TransactionStatus.rejected.rawValue)
        for (i, t) in batch.transactions.enumerated() {
            let tx = t.tx
            try w.beginRow()
            try w.write(int64: number)
            try w.write(int32: Int32(i))
            try w.write(digest: tx.id)
            try w.write(bytes: tx.transfer.from.bytes)
            try w.write(bytes: tx.transfer.to.bytes)
            try w.write(uint256: tx.transfer.value)
            try w.write(uint256: tx.transfer.fee)
            try w.write(int64: Int64(bitPattern: tx.transfer.nonce))
            try w.write(int64: Int64(bitPattern: tx.signed.chainId))
            try w.write(bytes: tx.signed.signature)
            try w.write(int16: t.accepted ? sequenced : rejected)
            try w.write(text: t.reason)
            try w.write(timestampMicrosecondsSince2000: received.microsecondsSince2000(tx.receivedAt))
        }
    }

    /// The batch row was not inserted: the batch is already durable (identical: fine), a
    /// different batch has its number, or it does not follow the durable chain.
    static func checkExisting(_ batch: SealedBatch, on c: isolated PostgresConnection) throws {
        let number = Int64(bitPattern: batch.number)
        let rows = try c.query("""
            SELECT prev_root, new_root, tx_count,
                   (SELECT string_agg(id, ''::bytea ORDER BY idx) FROM transactions WHERE batch_number = $1),
                   (SELECT string_agg(id, ''::bytea ORDER BY idx) FROM shielded_transactions WHERE batch_number = $1)
            FROM batches WHERE number = $1
            """, [.int64(number)])
        if let row = rows.first {
            let prev = try digest(row.bytes(0), "batch \(number) prev_root")
            let root = try digest(row.bytes(1), "batch \(number) new_root")
            let count = try row.int(2)
            let ids = try row.bytesOrNil(3) ?? []
            var offered: [UInt8] = []
            offered.reserveCapacity(batch.transactions.count * 32)
            for t in batch.transactions { offered.append(contentsOf: t.tx.id.bytes) }
            var differences: [String] = []
            if root != batch.newRoot { differences.append("durable root \(root), offered \(batch.newRoot)") }
            if prev != batch.prevRoot { differences.append("durable previous root \(prev), offered \(batch.prevRoot)") }
            if count != batch.transactions.count || ids != offered {
                differences.append("durable batch has \(count) transactions, offered \(batch.transactions.count), not the same ids")
            }
            let shielded = try row.bytesOrNil(4) ?? []
            if shielded != shieldedIds(of: batch) {
                differences.append("durable batch has \(shielded.count / 32) shielded transactions, offered \(batch.shielded.count), not the same ids")
            }
            guard differences.isEmpty else {
                throw SettlementStoreError.batchConflict(number: batch.number, detail: differences.joined(separator: "; "))
            }
            return
        }
        let previous = try c.query("SELECT new_root FROM batches WHERE number = $1", [.int64(number &- 1)])
        let stored = try previous.first.map { try digest($0.bytes(0), "batch \(number &- 1) new_root") }
        throw SettlementStoreError.chainBreak(number: batch.number, prevRoot: batch.prevRoot, storedPrevious: stored)
    }

    // MARK: - Queries

    /// The newest execution of transaction `id`, a transfer or a shielded transaction (a transfer
    /// rejected in one batch may be accepted in a later one), with its batch's root;
    /// `updatedAtMs` is when that batch committed. An accepted transaction reports its batch's L1
    /// status (POSTED, L1_CONFIRMED, FINALIZED, REVERTED) once its commitment has one.
    public func transaction(_ id: Digest32) async throws -> StoredTransaction? {
        let key = id.bytes
        let rows = try await reader().idempotent { c in
            try await c.query("""
                SELECT CASE WHEN t.status = \(TransactionStatus.sequenced.rawValue) AND b.l1_status > 0
                            THEN b.l1_status ELSE t.status END,
                       t.reason, t.batch_number, t.idx, b.new_root,
                       (extract(epoch FROM b.committed_at) * 1000)::int8
                FROM (SELECT batch_number, idx, status, reason FROM transactions WHERE id = $1
                      UNION ALL
                      SELECT batch_number, idx, status, reason FROM shielded_transactions WHERE id = $1) t
                JOIN batches b ON b.number = t.batch_number
                ORDER BY t.batch_number DESC, t.idx DESC
                LIMIT 1
                """, [.bytes(key)])
        }
        guard let row = rows.first else { return try await revertedTransaction(id) }
        let raw = try row.int(0)
        guard let status = TransactionStatus(rawValue: raw) else {
            throw SettlementStoreError.corrupt("transaction \(id) has unknown status \(raw)")
        }
        return StoredTransaction(id: id, status: status, reason: try row.string(1),
                                 batchNumber: UInt64(bitPattern: try row.int64(2)), index: try row.int(3),
                                 stateRoot: try Self.digest(row.bytes(4), "batch root"),
                                 updatedAtMs: UInt64(bitPattern: try row.int64(5)))
    }

    /// Batch `number` with its transaction ids in execution order (rejected ones included; the
    /// shielded lane after the transfers).
    public func batch(_ number: UInt64) async throws -> StoredBatch? {
        let n = Int64(bitPattern: number)
        let rows = try await reader().idempotent { c in
            try await c.query("""
                SELECT prev_root, new_root, (extract(epoch FROM created_at) * 1000)::int8,
                       (SELECT string_agg(id, ''::bytea ORDER BY idx)
                        FROM (SELECT id, idx FROM transactions WHERE batch_number = $1
                              UNION ALL
                              SELECT id, idx FROM shielded_transactions WHERE batch_number = $1) t)
                FROM batches WHERE number = $1
                """, [.int64(n)])
        }
        guard let row = rows.first else { return nil }
        let flat = try row.bytesOrNil(3) ?? []
        guard flat.count % 32 == 0 else { throw SettlementStoreError.corrupt("batch \(number): transaction ids of \(flat.count) bytes") }
        var ids: [Digest32] = []
        ids.reserveCapacity(flat.count / 32)
        flat.withUnsafeBytes { raw in
            for k in stride(from: 0, to: raw.count, by: 32) { ids.append(Digest32(loading: raw.baseAddress! + k)) }
        }
        return StoredBatch(number: number, prevRoot: try Self.digest(row.bytes(0), "prev_root"),
                           newRoot: try Self.digest(row.bytes(1), "new_root"), transactionIds: ids,
                           createdAtMs: UInt64(bitPattern: try row.int64(2)))
    }

    /// The newest durable batch (0 = genesis only; nil before `open` wrote genesis).
    public func latestBatchNumber() async throws -> UInt64? {
        let rows = try await reader().idempotent { c in try await c.query("SELECT max(number) FROM batches") }
        return try rows.first?.int64OrNil(0).map { UInt64(bitPattern: $0) }
    }

    /// Stores `snapshot` (replacing one of the same batch). Refused with
    /// `SettlementStoreError.snapshotNotDurable` unless its batch is durable with the same root:
    /// `open` rebuilds from the newest snapshot, which must never be ahead of the durable chain.
    public func saveSnapshot(_ snapshot: StateSnapshot) async throws {
        let n = Int64(bitPattern: snapshot.batch)
        let root = snapshot.root.bytes
        let data = snapshot.serialized
        let saved = try await maintenance.idempotent { c in
            try await c.query("""
                INSERT INTO snapshots (batch_number, root, data)
                SELECT $1, $2, $3 WHERE EXISTS (SELECT 1 FROM batches WHERE number = $1 AND new_root = $2)
                ON CONFLICT (batch_number) DO UPDATE SET root = excluded.root, data = excluded.data, created_at = now()
                RETURNING batch_number
                """, [.int64(n), .bytes(root), .bytes(data)])
        }
        guard saved.isEmpty else { return }
        let rows = try await maintenance.idempotent { c in
            try await c.query("SELECT new_root FROM batches WHERE number = $1", [.int64(n)])
        }
        let stored = try rows.first.map { try Self.digest($0.bytes(0), "batch \(n) new_root") }
        throw SettlementStoreError.snapshotNotDurable(batch: snapshot.batch, root: snapshot.root, storedRoot: stored)
    }

    // MARK: - Helpers

    func reader() -> ReconnectingConnection {
        let k = nextReader.wrappingAdd(1, ordering: .relaxed).oldValue
        return readers[k % readers.count]
    }

    static func digest(_ bytes: [UInt8], _ what: String) throws -> Digest32 {
        guard let d = Digest32(bytes: bytes) else {
            throw SettlementStoreError.corrupt("\(what) has \(bytes.count) bytes, expected 32")
        }
        return d
    }

    static func bigEndian(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
}

/// Converts the engine's monotonic receive instants to wall-clock time, from one reading of both
/// clocks (per batch).
package struct ReceivedClock: Sendable {
    let wallMicros: Int64
    let monotonic: ContinuousClock.Instant

    package init() {
        wallMicros = PostgresTimestamp.microsecondsSince2000(Date())
        monotonic = .now
    }

    func microsecondsSince2000(_ instant: ContinuousClock.Instant) -> Int64 {
        let age = monotonic - instant
        let micros = age.components.seconds * 1_000_000 + age.components.attoseconds / 1_000_000_000_000
        return wallMicros - micros
    }
}

extension BinaryCopyWriter {
    /// A 32-byte `bytea` field.
    mutating func write(digest: Digest32) throws(PostgresError) {
        try digest.withUnsafeBytes { (b) throws(PostgresError) in try self.write(bytes: b) }
    }

    /// A 256-bit number as a 32-byte big-endian `bytea` field.
    mutating func write(uint256 v: UInt256) throws(PostgresError) {
        var buffer: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        try withUnsafeMutableBytes(of: &buffer) { (raw) throws(PostgresError) in
            v.storeBigEndian(to: raw.baseAddress!)
            try write(bytes: UnsafeRawBufferPointer(raw))
        }
    }
}
