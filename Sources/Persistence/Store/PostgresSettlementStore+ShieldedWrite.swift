import PostgresDriver
import Settlement
import ZK

/// Writing a batch's shielded lane and pool effects (schema: migration `0009_shielded`), inside
/// the commit transaction of `write(_:received:on:)`, after the batch row.
extension PostgresSettlementStore {
    /// Columns of `shielded_transactions` in COPY order.
    static let shieldedTransactionColumns = ["batch_number", "idx", "id", "kind", "status", "reason", "received_at", "encoded"]

    /// Writes `batch`'s shielded rows: its lane by COPY (indices after the transfers), its notes
    /// and nullifiers by COPY, and its roots row. Issues no statement at all when the lane is
    /// empty and there are no effects (the transparent path costs what it did).
    static func writeShielded(_ batch: SealedBatch, received: ReceivedClock,
                              on c: isolated PostgresConnection) throws {
        let number = Int64(bitPattern: batch.number)
        if !batch.shielded.isEmpty {
            let base = batch.transactions.count
            let sequenced = Int16(TransactionStatus.sequenced.rawValue), rejected = Int16(TransactionStatus.rejected.rawValue)
            let loaded = try c.copyIn(table: "shielded_transactions", columns: shieldedTransactionColumns) { (w) throws(PostgresError) in
                for (i, s) in batch.shielded.enumerated() {
                    try w.beginRow()
                    try w.write(int64: number)
                    try w.write(int32: Int32(base + i))
                    try w.write(digest: s.id)
                    try w.write(int16: Int16(s.tx.kind.rawValue))
                    try w.write(int16: s.accepted ? sequenced : rejected)
                    try w.write(text: s.reason)
                    try w.write(timestampMicrosecondsSince2000: received.microsecondsSince2000(s.receivedAt))
                    try w.write(bytes: s.tx.encoded)
                }
            }
            guard loaded == batch.shielded.count else {
                throw PostgresError(.protocolMismatch, "COPY of batch \(batch.number)'s shielded lane loaded \(loaded) of \(batch.shielded.count)")
            }
        }
        guard let effects = batch.shieldedEffects, !effects.isEmpty else { return }
        if !effects.notes.isEmpty {
            try c.copyIn(table: "shielded_notes", columns: ["position", "batch_number", "commitment", "ciphertext"]) { (w) throws(PostgresError) in
                for note in effects.notes {
                    try w.beginRow()
                    try w.write(int64: Int64(bitPattern: note.position))
                    try w.write(int64: number)
                    try w.write(bytes: note.commitment.bigEndianBytes)
                    try w.write(bytes: note.ciphertext)
                }
            }
        }
        if !effects.nullifiers.isEmpty {
            try c.copyIn(table: "shielded_nullifiers", columns: ["nullifier", "batch_number", "idx"]) { (w) throws(PostgresError) in
                for (i, n) in effects.nullifiers.enumerated() {
                    try w.beginRow()
                    try w.write(bytes: n.bigEndianBytes)
                    try w.write(int64: number)
                    try w.write(int32: Int32(i))
                }
            }
        }
        let roots = effects.rootsAfter
        try c.query("""
            INSERT INTO shielded_roots (batch_number, note_count, note_root, nullifier_root) VALUES ($1, $2, $3, $4)
            """, [.int64(number), .int64(Int64(roots.noteCount)), .bytes(roots.noteRoot.bigEndianBytes),
                  .bytes(roots.nullifierRoot.bytes)])
    }

    /// The ids of `batch`'s shielded lane concatenated, as `checkExisting` compares them.
    static func shieldedIds(of batch: SealedBatch) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(batch.shielded.count * 32)
        for s in batch.shielded { out.append(contentsOf: s.id.bytes) }
        return out
    }

    /// A field element stored as 32 big-endian bytes; `SettlementStoreError.corrupt` for another
    /// length or a value ≥ r (never reduced: a stored value out of range is not ours).
    static func fieldElement(_ bytes: [UInt8], _ what: @autoclosure () -> String) throws -> Fr {
        guard bytes.count == 32, let value = Fr(bigEndian: bytes) else {
            throw SettlementStoreError.corrupt("\(what()) is not a field element (\(bytes.count) bytes, or a value ≥ r)")
        }
        return value
    }
}
