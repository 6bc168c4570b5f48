import PostgresDriver
import Settlement
import ZK

/// Reading the shielded pool back (schema: migration `0009_shielded`): the pool's image at a
/// snapshot's batch and the effects of the batches after it, for `open`/`persistedChain`, and
/// the effects of a range of batches for followers (`committedBatches`). Every read is paged.
extension PostgresSettlementStore {
    /// Rows per page when reading commitments and nullifiers for an image.
    static let shieldedImagePageRows = 10_000
    /// Batches per page when reading effects (each may carry a full lane of notes).
    static let shieldedEffectsPageBatches = 16

    /// The pool as of batch `at`: every commitment (positions 0 up to the note count of the newest
    /// roots row at or before `at`), every nullifier of a batch at or before `at`, and the note
    /// roots of the newest `ShieldedPoolImage.rootHistoryLimit` roots rows, oldest first. Nil when
    /// no batch at or before `at` changed the pool.
    func shieldedImage(at batch: UInt64, on conn: ReconnectingConnection) async throws -> ShieldedPoolImage? {
        let at = Int64(bitPattern: batch)
        let history = try await conn.idempotent { c in
            try await c.query("""
                SELECT batch_number, note_count, note_root FROM shielded_roots WHERE batch_number <= $1
                ORDER BY batch_number DESC LIMIT $2
                """, [.int64(at), .int64(Int64(ShieldedPoolImage.rootHistoryLimit))])
        }
        guard let newest = history.first else { return nil }
        let noteCount = try newest.int64(1)
        var commitments: [Fr] = []
        commitments.reserveCapacity(Int(clamping: noteCount))
        while commitments.count < noteCount {
            let from = Int64(commitments.count)
            let rows = try await conn.idempotent { c in
                try await c.query("""
                    SELECT position, batch_number, commitment FROM shielded_notes
                    WHERE position >= $1 AND position < $2 ORDER BY position LIMIT $3
                    """, [.int64(from), .int64(noteCount), .int64(Int64(Self.shieldedImagePageRows))])
            }
            guard !rows.isEmpty else {
                throw SettlementStoreError.corrupt("the pool at batch \(batch) has \(noteCount) notes, only \(commitments.count) are stored")
            }
            for row in rows {
                let position = try row.int64(0)
                guard position == commitments.count, try row.int64(1) <= at else {
                    throw SettlementStoreError.corrupt("note \(position) where note \(commitments.count) of a batch at or before \(batch) belongs")
                }
                commitments.append(try Self.fieldElement(row.bytes(2), "the commitment of note \(position)"))
            }
        }
        var nullifiers: [Fr] = []
        var after: (batch: Int64, idx: Int32) = (-1, -1)
        while true {
            let key = after
            let rows = try await conn.idempotent { c in
                try await c.query("""
                    SELECT batch_number, idx, nullifier FROM shielded_nullifiers
                    WHERE (batch_number, idx) > ($1, $2) AND batch_number <= $3
                    ORDER BY batch_number, idx LIMIT $4
                    """, [.int64(key.batch), .int32(key.idx), .int64(at), .int64(Int64(Self.shieldedImagePageRows))])
            }
            for row in rows {
                let b = try row.int64(0)
                nullifiers.append(try Self.fieldElement(row.bytes(2), "a nullifier of batch \(b)"))
                after = (b, Int32(clamping: try row.int64(1)))
            }
            if rows.count < Self.shieldedImagePageRows { break }
        }
        let roots = try history.reversed().map { row in
            let b = UInt64(bitPattern: try row.int64(0))
            return (batch: b, root: try Self.fieldElement(row.bytes(2), "the note root after batch \(b)"))
        }
        return ShieldedPoolImage(batch: batch, commitments: commitments, nullifiers: nullifiers, noteRootHistory: roots)
    }

    /// The effects of every batch in (`after`, `through`] that changed the pool, by batch: its
    /// nullifiers in insertion order, its notes in position order, its roots after.
    func shieldedEffects(after: Int64, through: Int64, on conn: ReconnectingConnection) async throws -> [UInt64: ShieldedBatchEffects] {
        var out: [UInt64: ShieldedBatchEffects] = [:]
        var from = after
        while from < through {
            let lo = from
            let page = Int64(Self.shieldedEffectsPageBatches)
            let roots = try await conn.idempotent { c in
                try await c.query("""
                    SELECT batch_number, note_count, note_root, nullifier_root FROM shielded_roots
                    WHERE batch_number > $1 AND batch_number <= $2 ORDER BY batch_number LIMIT $3
                    """, [.int64(lo), .int64(through), .int64(page)])
            }
            guard let last = roots.last else { break }
            let first = try roots[0].int64(0), hi = try last.int64(0)
            let (noteRows, nullifierRows) = try await conn.idempotent { c in
                let notes = try await c.query("""
                    SELECT batch_number, position, commitment, ciphertext FROM shielded_notes
                    WHERE batch_number BETWEEN $1 AND $2 ORDER BY position
                    """, [.int64(first), .int64(hi)])
                let nullifiers = try await c.query("""
                    SELECT batch_number, nullifier FROM shielded_nullifiers
                    WHERE batch_number BETWEEN $1 AND $2 ORDER BY batch_number, idx
                    """, [.int64(first), .int64(hi)])
                return (notes, nullifiers)
            }
            var notes: [Int64: [AppendedNote]] = [:]
            for row in noteRows {
                let b = try row.int64(0), p = UInt64(bitPattern: try row.int64(1))
                notes[b, default: []].append(AppendedNote(position: p, commitment: try Self.fieldElement(row.bytes(2), "the commitment of note \(p)"),
                                                          ciphertext: try row.bytes(3)))
            }
            var spent: [Int64: [Fr]] = [:]
            for row in nullifierRows {
                let b = try row.int64(0)
                spent[b, default: []].append(try Self.fieldElement(row.bytes(1), "a nullifier of batch \(b)"))
            }
            for row in roots {
                let b = try row.int64(0)
                let number = UInt64(bitPattern: b)
                let after = try Self.shieldedRoots(row, from: 1, batch: number)
                let batchNotes = notes[b] ?? []
                if let firstNote = batchNotes.first {
                    guard batchNotes.last!.position + 1 == UInt64(after.noteCount),
                          batchNotes.last!.position - firstNote.position + 1 == UInt64(batchNotes.count) else {
                        throw SettlementStoreError.corrupt("batch \(number)'s notes are not contiguous up to its note count \(after.noteCount)")
                    }
                }
                out[number] = ShieldedBatchEffects(nullifiers: spent[b] ?? [], notes: batchNotes, rootsAfter: after)
            }
            from = hi
            if roots.count < page { break }
        }
        return out
    }
}
