import PostgresDriver
import Settlement
import ZK

/// The shielded pool's queries (schema: migration `0009_shielded`): what wallets scan and what
/// `GetNullifierStatus` asks, from durable batches only, on the reader connections.
extension PostgresSettlementStore {
    /// The most notes one `shieldedNotes` call returns (a larger `limit` is clamped to it).
    public static let maxNotesPerScan = 10_000
    /// The most nullifiers one `spentNullifiers` call takes (more is refused).
    public static let maxNullifiersPerQuery = 1_024

    /// Durable notes from `position` on, in position order, at most `min(limit, maxNotesPerScan)`.
    public func shieldedNotes(from position: UInt64, limit: Int) async throws -> [StoredNote] {
        let n = min(limit, Self.maxNotesPerScan)
        guard n > 0, position <= UInt64(Int64.max) else { return [] }
        let rows = try await reader().idempotent { c in
            try await c.query("""
                SELECT position, commitment, ciphertext, batch_number FROM shielded_notes
                WHERE position >= $1 ORDER BY position LIMIT $2
                """, [.int64(Int64(position)), .int64(Int64(n))])
        }
        return try rows.map { row in
            let p = UInt64(bitPattern: try row.int64(0))
            return StoredNote(position: p, commitment: try Self.fieldElement(row.bytes(1), "the commitment of note \(p)"),
                              ciphertext: try row.bytes(2), batch: UInt64(bitPattern: try row.int64(3)))
        }
    }

    /// For each of `nullifiers` spent in a durable batch, that batch; one query. More than
    /// `maxNullifiersPerQuery` is refused with `SettlementStoreError.requestTooLarge`.
    public func spentNullifiers(_ nullifiers: [Fr]) async throws -> [Fr: UInt64] {
        guard !nullifiers.isEmpty else { return [:] }
        guard nullifiers.count <= Self.maxNullifiersPerQuery else {
            throw SettlementStoreError.requestTooLarge("\(nullifiers.count) nullifiers in one query, at most \(Self.maxNullifiersPerQuery)")
        }
        // The nullifiers travel as one `bytea` of 32-byte values, split by the server.
        let packed = nullifiers.flatMap(\.bigEndianBytes)
        let count = Int64(nullifiers.count)
        let rows = try await reader().idempotent { c in
            try await c.query("""
                SELECT nullifier, batch_number FROM shielded_nullifiers
                WHERE nullifier = ANY (ARRAY(SELECT substring($1 FROM (i * 32 + 1)::int FOR 32) FROM generate_series(0, $2 - 1) AS i))
                """, [.bytes(packed), .int64(count)])
        }
        var out: [Fr: UInt64] = [:]
        for row in rows {
            out[try Self.fieldElement(row.bytes(0), "a stored nullifier")] = UInt64(bitPattern: try row.int64(1))
        }
        return out
    }

    /// The roots after the newest durable batch that changed the pool (nil: the pool is empty).
    public func latestShieldedRoots() async throws -> (batch: UInt64, roots: ShieldedRoots)? {
        let rows = try await reader().idempotent { c in
            try await c.query("""
                SELECT batch_number, note_count, note_root, nullifier_root FROM shielded_roots
                ORDER BY batch_number DESC LIMIT 1
                """)
        }
        return try rows.first.map { row in
            let batch = UInt64(bitPattern: try row.int64(0))
            return (batch, try Self.shieldedRoots(row, from: 1, batch: batch))
        }
    }

    /// The roots in columns `from` (note_count), `from + 1` (note_root), `from + 2`
    /// (nullifier_root) of a `shielded_roots` row.
    static func shieldedRoots(_ row: PostgresRow, from k: Int, batch: UInt64) throws -> ShieldedRoots {
        let count = try row.int64(k)
        guard count >= 0, count <= Int64(Int.max) else { throw SettlementStoreError.corrupt("batch \(batch): note count \(count)") }
        return ShieldedRoots(noteRoot: try fieldElement(row.bytes(k + 1), "the note root after batch \(batch)"),
                             noteCount: Int(count),
                             nullifierRoot: try digest(row.bytes(k + 2), "the nullifier root after batch \(batch)"))
    }

    /// The chain revert's shielded part, in its transaction: the lane of the batches from `from`
    /// on moves to `reverted_shielded_transactions` (its accepted ids then read REVERTED), and
    /// their notes, nullifiers and roots are deleted.
    static func revertShielded(fromBatch from: Int64, revertId: Int64, on c: isolated PostgresConnection) throws {
        try c.query("""
            WITH moved AS (DELETE FROM shielded_transactions WHERE batch_number >= $1 RETURNING *)
            INSERT INTO reverted_shielded_transactions SELECT moved.*, $2 FROM moved
            """, [.int64(from), .int64(revertId)])
        try c.query("""
            WITH notes AS (DELETE FROM shielded_notes WHERE batch_number >= $1),
                 nullifiers AS (DELETE FROM shielded_nullifiers WHERE batch_number >= $1)
            DELETE FROM shielded_roots WHERE batch_number >= $1
            """, [.int64(from)])
    }
}
