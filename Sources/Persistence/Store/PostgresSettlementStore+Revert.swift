import PostgresDriver
import Settlement

/// `ChainRevertStore` on PostgreSQL (schema: migration `0007_chain_reverts`).
extension PostgresSettlementStore: ChainRevertStore {
    public func revertChain(fromBatch: UInt64, term: UInt64, commitmentIndex: UInt64?) async throws -> ChainRevert? {
        let from = Int64(bitPattern: fromBatch)
        guard fromBatch >= 1 else { throw SettlementStoreError.corrupt("batch 0 (genesis) cannot be reverted") }
        let result: (Int64, Int64, [UInt8], [PostgresRow], [PostgresRow])? = try await writer.idempotent { conn in
            try await conn.transaction { c in
                try c.execute("SET LOCAL synchronous_commit = on")
                let span = try c.query("SELECT max(number) FROM batches WHERE number >= $1", [.int64(from)])
                guard let to = try span.first?.int64OrNil(0) else { return nil }
                // Fenced like a commit: only the current sequencer may rewrite the chain's tail.
                let probe = SealedBatch(number: fromBatch, prevRoot: .zero, newRoot: .zero, createdAtMs: 0, transactions: [],
                                        diff: .empty, term: term)
                try Self.checkTerm(of: probe, on: c)
                let valid = try c.query("SELECT new_root FROM batches WHERE number = $1", [.int64(from - 1)])
                guard let validRoot = try valid.first?.bytes(0) else {
                    throw SettlementStoreError.corrupt("batch \(fromBatch - 1) is missing")
                }
                let revert = try c.query("""
                    INSERT INTO chain_reverts (from_batch, to_batch, valid_root, term, commitment_index)
                    VALUES ($1, $2, $3, $4, $5) RETURNING id
                    """, [.int64(from), .int64(to), .bytes(validRoot), .int64(Int64(bitPattern: term)),
                          commitmentIndex.map { PostgresValue.int64(Int64(bitPattern: $0)) }])
                let id = try revert[0].int64(0)
                let accepted = try c.query("""
                    SELECT sender, recipient, value, fee, nonce, chain_id, signature, batch_number FROM transactions
                    WHERE batch_number >= $1 AND status = $2 ORDER BY batch_number, idx
                    """, [.int64(from), .int16(Int16(TransactionStatus.sequenced.rawValue))])
                let acceptedShielded = try c.query("""
                    SELECT batch_number, encoded FROM shielded_transactions
                    WHERE batch_number >= $1 AND status = $2 ORDER BY batch_number, idx
                    """, [.int64(from), .int16(Int16(TransactionStatus.sequenced.rawValue))])
                try c.query("INSERT INTO reverted_batches SELECT b.*, $2 FROM batches b WHERE number >= $1",
                            [.int64(from), .int64(id)])
                try c.query("INSERT INTO reverted_transactions SELECT t.*, $2 FROM transactions t WHERE batch_number >= $1",
                            [.int64(from), .int64(id)])
                try c.query("DELETE FROM transactions WHERE batch_number >= $1", [.int64(from)])
                try Self.revertShielded(fromBatch: from, revertId: id, on: c)
                try c.query("DELETE FROM batches WHERE number >= $1", [.int64(from)])
                try c.query("DELETE FROM snapshots WHERE batch_number >= $1", [.int64(from)])
                // Every commitment over these batches is void (the L1 reverted the first of them
                // and refuses the rest), and this rollback handles them all.
                try c.query("""
                    UPDATE l1_commitments SET status = 'reverted', reverted_at = coalesce(reverted_at, now()), rolled_back = true
                    WHERE last_batch >= $1 OR (status = 'reverted' AND NOT rolled_back)
                    """, [.int64(from)])
                try c.notify(Self.notificationChannel, payload: "revert:\(id)")
                return (id, to, validRoot, accepted, acceptedShielded)
            }
        }
        guard let (id, to, validRoot, rows, laneRows) = result else { return nil }
        let accepted = try rows.map(revertedTransfer)
        let acceptedShielded = try laneRows.map(revertedShielded)
        logger.warning("chain reverted", metadata: ["revert": "\(id)", "from_batch": "\(fromBatch)", "to_batch": "\(to)",
                                                    "accepted_transactions": "\(accepted.count)"])
        return ChainRevert(id: UInt64(id), fromBatch: fromBatch, toBatch: UInt64(to),
                           validRoot: try Self.digest(validRoot, "valid root"), accepted: accepted, acceptedShielded: acceptedShielded)
    }

    public func reverts(after id: UInt64) async throws -> [ChainRevert] {
        let after = Int64(bitPattern: id)
        let (heads, rows, laneRows) = try await maintenance.idempotent { c in
            let heads = try await c.query("SELECT id, from_batch, to_batch, valid_root FROM chain_reverts WHERE id > $1 ORDER BY id",
                                          [.int64(after)])
            let rows = try await c.query("""
                SELECT sender, recipient, value, fee, nonce, chain_id, signature, batch_number, revert_id FROM reverted_transactions
                WHERE revert_id > $1 AND status = $2 ORDER BY revert_id, batch_number, idx
                """, [.int64(after), .int16(Int16(TransactionStatus.sequenced.rawValue))])
            let laneRows = try await c.query("""
                SELECT batch_number, encoded, revert_id FROM reverted_shielded_transactions
                WHERE revert_id > $1 AND status = $2 ORDER BY revert_id, batch_number, idx
                """, [.int64(after), .int16(Int16(TransactionStatus.sequenced.rawValue))])
            return (heads, rows, laneRows)
        }
        var accepted: [Int64: [RevertedTransfer]] = [:]
        for row in rows { accepted[try row.int64(8), default: []].append(try revertedTransfer(row)) }
        var acceptedShielded: [Int64: [RevertedShielded]] = [:]
        for row in laneRows { acceptedShielded[try row.int64(2), default: []].append(try revertedShielded(row)) }
        return try heads.map { h in
            let id = try h.int64(0)
            return ChainRevert(id: UInt64(id), fromBatch: UInt64(bitPattern: try h.int64(1)), toBatch: UInt64(bitPattern: try h.int64(2)),
                               validRoot: try Self.digest(h.bytes(3), "valid root"), accepted: accepted[id] ?? [],
                               acceptedShielded: acceptedShielded[id] ?? [])
        }
    }

    /// Columns: sender, recipient, value, fee, nonce, chain_id, signature, batch_number.
    private func revertedTransfer(_ row: PostgresRow) throws -> RevertedTransfer {
        guard let sender = Address(bytes: try row.bytes(0)), let recipient = Address(bytes: try row.bytes(1)),
              let value = UInt256(bigEndianBytes: try row.bytes(2)), let fee = UInt256(bigEndianBytes: try row.bytes(3))
        else { throw SettlementStoreError.corrupt("a reverted transaction with malformed fields") }
        let transfer = SignedTransfer(transfer: Transfer(from: sender, to: recipient, value: value, fee: fee,
                                                         nonce: UInt64(bitPattern: try row.int64(4))),
                                      domain: try signingDomain(chainId: UInt64(bitPattern: try row.int64(5))),
                                      signature: try row.bytes(6))
        return RevertedTransfer(batch: UInt64(bitPattern: try row.int64(7)), transfer: transfer)
    }

    /// Columns: batch_number, encoded.
    private func revertedShielded(_ row: PostgresRow) throws -> RevertedShielded {
        let batch = UInt64(bitPattern: try row.int64(0))
        do { return RevertedShielded(batch: batch, transaction: try ShieldedTransaction(encoded: try row.bytes(1))) } catch {
            throw SettlementStoreError.corrupt("batch \(batch): a reverted shielded transaction does not decode (\(error))")
        }
    }

    /// A transaction (transfer or shielded) found only in a reverted batch: REVERTED, with that
    /// batch and its root.
    func revertedTransaction(_ id: Digest32) async throws -> StoredTransaction? {
        let key = id.bytes
        let rows = try await reader().idempotent { c in
            try await c.query("""
                SELECT t.batch_number, t.idx, b.new_root, (extract(epoch FROM r.reverted_at) * 1000)::int8
                FROM (SELECT id, batch_number, idx, status, revert_id FROM reverted_transactions WHERE id = $1
                      UNION ALL
                      SELECT id, batch_number, idx, status, revert_id FROM reverted_shielded_transactions WHERE id = $1) t
                JOIN reverted_batches b ON b.number = t.batch_number AND b.revert_id = t.revert_id
                JOIN chain_reverts r ON r.id = t.revert_id
                WHERE t.status = $2
                ORDER BY t.revert_id DESC LIMIT 1
                """, [.bytes(key), .int16(Int16(TransactionStatus.sequenced.rawValue))])
        }
        guard let row = rows.first else { return nil }
        return StoredTransaction(id: id, status: .reverted, reason: "its batch was reverted after a lost fraud-proof game",
                                 batchNumber: UInt64(bitPattern: try row.int64(0)), index: try row.int(1),
                                 stateRoot: try Self.digest(row.bytes(2), "reverted batch root"),
                                 updatedAtMs: UInt64(bitPattern: try row.int64(3)))
    }

    public func latestRevert() async throws -> (id: UInt64, fromBatch: UInt64)? {
        let rows = try await maintenance.idempotent { c in
            try await c.query("SELECT id, from_batch FROM chain_reverts ORDER BY id DESC LIMIT 1")
        }
        return try rows.first.map { (UInt64(bitPattern: try $0.int64(0)), UInt64(bitPattern: try $0.int64(1))) }
    }
}
