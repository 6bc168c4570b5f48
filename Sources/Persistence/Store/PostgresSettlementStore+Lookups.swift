import PostgresDriver
import Settlement

/// Batched look-ups: a whole `SubscribeStatus` subscription's ids in two queries (the transactions,
/// then the reverted ones among those not found), not one per id. Transfers and shielded
/// transactions alike: each table is joined with the ids on its own (a join with their UNION has
/// no statistics for `id`, and with many ids the planner chose to scan every transaction).
extension PostgresSettlementStore {
    /// The ids travel as one `bytea` of 32-byte digests, split by the server (no array type needed).
    public func transactions(_ ids: [Digest32]) async throws -> [Digest32: StoredTransaction] {
        guard !ids.isEmpty else { return [:] }
        let packed = ids.flatMap(\.bytes)
        let count = Int64(ids.count)
        let rows = try await reader().idempotent { c in
            try await c.query("""
                WITH wanted AS (SELECT substring($1 FROM (i * 32 + 1)::int FOR 32) AS id FROM generate_series(0, $2 - 1) AS i)
                SELECT DISTINCT ON (t.id)
                       t.id,
                       CASE WHEN t.status = \(TransactionStatus.sequenced.rawValue) AND b.l1_status > 0
                            THEN b.l1_status ELSE t.status END,
                       t.reason, t.batch_number, t.idx, b.new_root,
                       (extract(epoch FROM b.committed_at) * 1000)::int8
                FROM (SELECT t.id, t.batch_number, t.idx, t.status, t.reason FROM wanted w JOIN transactions t ON t.id = w.id
                      UNION ALL
                      SELECT t.id, t.batch_number, t.idx, t.status, t.reason
                      FROM wanted w JOIN shielded_transactions t ON t.id = w.id) t
                JOIN batches b ON b.number = t.batch_number
                ORDER BY t.id, t.batch_number DESC, t.idx DESC
                """, [.bytes(packed), .int64(count)])
        }
        var out: [Digest32: StoredTransaction] = [:]
        for row in rows {
            let id = try Self.digest(row.bytes(0), "transaction id")
            let raw = try row.int(1)
            guard let status = TransactionStatus(rawValue: raw) else {
                throw SettlementStoreError.corrupt("transaction \(id) has unknown status \(raw)")
            }
            out[id] = StoredTransaction(id: id, status: status, reason: try row.string(2),
                                        batchNumber: UInt64(bitPattern: try row.int64(3)), index: try row.int(4),
                                        stateRoot: try Self.digest(row.bytes(5), "batch root"),
                                        updatedAtMs: UInt64(bitPattern: try row.int64(6)))
        }
        let missing = ids.filter { out[$0] == nil }
        if !missing.isEmpty {
            for (id, t) in try await revertedTransactions(missing) { out[id] = t }
        }
        return out
    }

    /// `revertedTransaction` for many ids in one query.
    private func revertedTransactions(_ ids: [Digest32]) async throws -> [Digest32: StoredTransaction] {
        let packed = ids.flatMap(\.bytes)
        let count = Int64(ids.count)
        let rows = try await reader().idempotent { c in
            try await c.query("""
                WITH wanted AS (SELECT substring($1 FROM (i * 32 + 1)::int FOR 32) AS id FROM generate_series(0, $2 - 1) AS i)
                SELECT DISTINCT ON (t.id)
                       t.id, t.batch_number, t.idx, b.new_root, (extract(epoch FROM r.reverted_at) * 1000)::int8
                FROM (SELECT t.id, t.batch_number, t.idx, t.status, t.revert_id FROM wanted w JOIN reverted_transactions t ON t.id = w.id
                      UNION ALL
                      SELECT t.id, t.batch_number, t.idx, t.status, t.revert_id
                      FROM wanted w JOIN reverted_shielded_transactions t ON t.id = w.id) t
                JOIN reverted_batches b ON b.number = t.batch_number AND b.revert_id = t.revert_id
                JOIN chain_reverts r ON r.id = t.revert_id
                WHERE t.status = $3
                ORDER BY t.id, t.revert_id DESC
                """, [.bytes(packed), .int64(count), .int16(Int16(TransactionStatus.sequenced.rawValue))])
        }
        var out: [Digest32: StoredTransaction] = [:]
        for row in rows {
            let id = try Self.digest(row.bytes(0), "transaction id")
            out[id] = StoredTransaction(id: id, status: .reverted, reason: "its batch was reverted after a lost fraud-proof game",
                                        batchNumber: UInt64(bitPattern: try row.int64(1)), index: try row.int(2),
                                        stateRoot: try Self.digest(row.bytes(3), "reverted batch root"),
                                        updatedAtMs: UInt64(bitPattern: try row.int64(4)))
        }
        return out
    }
}
