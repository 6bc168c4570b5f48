import PostgresDriver
import Settlement

/// `FinalityStore` on PostgreSQL (schema: `l1_commitments` of migrations 0004 and 0006,
/// `batches.l1_status`). Runs on the maintenance connection: finality work is never on the
/// commit path.
extension PostgresSettlementStore: FinalityStore {
    static let commitmentColumns = """
        id, first_batch, last_batch, prev_root, new_root, data_hash, data, tx_count, calldata_gas, uncompressed_gas,
        l1_tx_hash, status, l1_block_number, l1_block_hash,
        coalesce((extract(epoch FROM confirmed_at) * 1000)::int8, 0)
        """
    /// The same, `data` read as NULL (an empty `data` in the record).
    static let commitmentColumnsWithoutData = """
        id, first_batch, last_batch, prev_root, new_root, data_hash, NULL::bytea, tx_count, calldata_gas, uncompressed_gas,
        l1_tx_hash, status, l1_block_number, l1_block_hash,
        coalesce((extract(epoch FROM confirmed_at) * 1000)::int8, 0)
        """

    public func latestCommitment() async throws -> CommitmentRecord? {
        let rows = try await maintenance.idempotent { c in
            try await c.query("SELECT \(Self.commitmentColumns) FROM l1_commitments WHERE status <> 'reverted' ORDER BY id DESC LIMIT 1")
        }
        return try rows.first.map(Self.commitment)
    }

    public func nextCommitmentIndex() async throws -> UInt64 {
        let rows = try await maintenance.idempotent { c in
            try await c.query("SELECT coalesce(max(id) + 1, 0) FROM l1_commitments")
        }
        return UInt64(bitPattern: try rows[0].int64(0))
    }

    public func pendingRollback() async throws -> CommitmentRecord? {
        let rows = try await maintenance.idempotent { c in
            try await c.query("""
                SELECT \(Self.commitmentColumns) FROM l1_commitments WHERE status = 'reverted' AND NOT rolled_back
                ORDER BY id LIMIT 1
                """)
        }
        return try rows.first.map(Self.commitment)
    }

    public func unsettledCommitments() async throws -> [CommitmentRecord] {
        // Without `data` (NULL in its place, read as empty): this runs every step and a commitment
        // stays unsettled for the whole challenge period, so reading its megabytes each time
        // grew with the chain.
        let rows = try await maintenance.idempotent { c in
            try await c.query("""
                SELECT \(Self.commitmentColumnsWithoutData) FROM l1_commitments WHERE status IN ('posted', 'l1_confirmed') ORDER BY id
                """)
        }
        return try rows.map(Self.commitment)
    }

    public func commitmentData(index: UInt64) async throws -> [UInt8]? {
        let rows = try await maintenance.idempotent { c in
            try await c.query("SELECT data FROM l1_commitments WHERE id = $1", [.int64(Int64(bitPattern: index))])
        }
        return try rows.first.map { try $0.bytesOrNil(0) ?? [] }
    }

    public func batchData(from: UInt64, to: UInt64) async throws -> (prevRoot: Digest32, newRoot: Digest32, batches: [BatchData.Batch]) {
        let lo = Int64(bitPattern: from), hi = Int64(bitPattern: to)
        let roots = try await maintenance.idempotent { c in
            try await c.query("SELECT number, new_root FROM batches WHERE number IN ($1 - 1, $2) ORDER BY number", [.int64(lo), .int64(hi)])
        }
        guard roots.count == 2 else {
            throw SettlementStoreError.corrupt("batches \(from &- 1) and \(to) are not both durable")
        }
        let prevRoot = try Self.digest(roots[0].bytes(1), "batch \(from &- 1) new_root")
        let newRoot = try Self.digest(roots[roots.count - 1].bytes(1), "batch \(to) new_root")
        let rows = try await maintenance.idempotent { c in
            try await c.query("""
                SELECT batch_number, sender, recipient, value, fee, nonce, chain_id, signature FROM transactions
                WHERE batch_number BETWEEN $1 AND $2 ORDER BY batch_number, idx
                """, [.int64(lo), .int64(hi)])
        }
        var byBatch: [UInt64: [SignedTransfer]] = [:]
        for row in rows {
            let number = UInt64(bitPattern: try row.int64(0))
            guard let sender = Address(bytes: try row.bytes(1)), let recipient = Address(bytes: try row.bytes(2)),
                  let value = UInt256(bigEndianBytes: try row.bytes(3)), let fee = UInt256(bigEndianBytes: try row.bytes(4))
            else { throw SettlementStoreError.corrupt("batch \(number): a transaction with malformed fields") }
            let transfer = Transfer(from: sender, to: recipient, value: value, fee: fee, nonce: UInt64(bitPattern: try row.int64(5)))
            byBatch[number, default: []].append(SignedTransfer(transfer: transfer, domain: try signingDomain(chainId: UInt64(bitPattern: try row.int64(6))),
                                                               signature: try row.bytes(7)))
        }
        let lanes = try await maintenance.idempotent { c in
            try await c.query("""
                SELECT batch_number, encoded FROM shielded_transactions
                WHERE batch_number BETWEEN $1 AND $2 ORDER BY batch_number, idx
                """, [.int64(lo), .int64(hi)])
        }
        var laneByBatch: [UInt64: [ShieldedTransaction]] = [:]
        for row in lanes {
            let number = UInt64(bitPattern: try row.int64(0))
            do { laneByBatch[number, default: []].append(try ShieldedTransaction(encoded: try row.bytes(1))) } catch {
                throw SettlementStoreError.corrupt("batch \(number): a stored shielded transaction does not decode (\(error))")
            }
        }
        return (prevRoot, newRoot, (from...to).map {
            BatchData.Batch(number: $0, transfers: byBatch[$0] ?? [], shielded: laneByBatch[$0] ?? [])
        })
    }

    public func recordCommitment(_ record: CommitmentRecord, term: UInt64?) async throws {
        let c = record.commitment
        _ = try await maintenance.idempotent { conn in
            try await conn.transaction { t in
                if let term {
                    // Fenced like a commit: a deposed leader records nothing, so it posts nothing.
                    let probe = SealedBatch(number: c.firstBatch, prevRoot: .zero, newRoot: .zero, createdAtMs: 0, transactions: [],
                                            diff: .empty, term: term)
                    try Self.checkTerm(of: probe, on: t)
                }
                // The column `data_hash` holds the commitment's data root (`BatchDataTree`).
                let inserted = try t.query("""
                    INSERT INTO l1_commitments (id, first_batch, last_batch, prev_root, new_root, data_hash, data, data_bytes,
                        tx_count, calldata_gas, uncompressed_gas, l1_tx_hash, status, posted_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())
                    ON CONFLICT (id) DO UPDATE SET first_batch = excluded.first_batch, last_batch = excluded.last_batch,
                        prev_root = excluded.prev_root, new_root = excluded.new_root, data_hash = excluded.data_hash,
                        data = excluded.data, data_bytes = excluded.data_bytes, tx_count = excluded.tx_count,
                        calldata_gas = excluded.calldata_gas, uncompressed_gas = excluded.uncompressed_gas,
                        l1_tx_hash = excluded.l1_tx_hash, status = excluded.status, posted_at = excluded.posted_at,
                        confirmed_at = NULL, finalized_at = NULL, reverted_at = NULL, rolled_back = false
                    WHERE l1_commitments.status = 'reverted'
                    RETURNING id
                    """, [.int64(Int64(bitPattern: c.index)), .int64(Int64(bitPattern: c.firstBatch)),
                          .int64(Int64(bitPattern: c.lastBatch)), .bytes(c.prevRoot.bytes), .bytes(c.newRoot.bytes),
                          .bytes(c.dataRoot.bytes), .bytes(record.data), .int32(Int32(record.data.count)),
                          .int32(Int32(record.transactionCount)), .int64(Int64(record.calldataGas)),
                          .int64(Int64(record.uncompressedCalldataGas)), .bytes(record.l1TransactionHash.bytes),
                          .text(record.status.rawValue)])
                if inserted.isEmpty {
                    // Recorded before (a retry): fine if it is this very commitment, never overwritten.
                    let rows = try t.query("SELECT first_batch, last_batch, prev_root, new_root, data_hash FROM l1_commitments WHERE id = $1",
                                           [.int64(Int64(bitPattern: c.index))])
                    guard let row = rows.first, UInt64(bitPattern: try row.int64(0)) == c.firstBatch,
                          UInt64(bitPattern: try row.int64(1)) == c.lastBatch, try row.bytes(2) == c.prevRoot.bytes,
                          try row.bytes(3) == c.newRoot.bytes, try row.bytes(4) == c.dataRoot.bytes else {
                        throw SettlementStoreError.corrupt("commitment \(c.index) is already recorded with other contents")
                    }
                }
                try Self.setBatchStatus(record, on: t)
            }
        }
    }

    public func updateCommitment(_ record: CommitmentRecord) async throws {
        let c = record.commitment
        _ = try await maintenance.idempotent { conn in
            try await conn.transaction { t in
                try t.query("""
                    UPDATE l1_commitments SET status = $2, l1_tx_hash = $3, l1_block_number = $4, l1_block_hash = $5,
                        confirmed_at = CASE WHEN $2 IN ('l1_confirmed', 'finalized') THEN coalesce(confirmed_at, now())
                                            WHEN $2 = 'reverted' THEN confirmed_at END,
                        finalized_at = CASE WHEN $2 = 'finalized' THEN coalesce(finalized_at, now()) END,
                        reverted_at = CASE WHEN $2 = 'reverted' THEN coalesce(reverted_at, now()) END
                    WHERE id = $1
                    """, [.int64(Int64(bitPattern: c.index)), .text(record.status.rawValue),
                          .bytes(record.l1TransactionHash.bytes), record.l1Block.map { .int64(Int64(bitPattern: $0.number)) },
                          record.l1Block.map { .bytes($0.hash.bytes) }])
                try Self.setBatchStatus(record, on: t)
            }
        }
    }

    /// Transfers and shielded transactions alike, in execution order.
    public func acceptedTransactionIds(from: UInt64, to: UInt64) async throws -> [(batch: UInt64, id: Digest32)] {
        let rows = try await maintenance.idempotent { c in
            try await c.query("""
                SELECT batch_number, idx, id FROM transactions WHERE batch_number BETWEEN $1 AND $2 AND status = $3
                UNION ALL
                SELECT batch_number, idx, id FROM shielded_transactions WHERE batch_number BETWEEN $1 AND $2 AND status = $3
                ORDER BY batch_number, idx
                """, [.int64(Int64(bitPattern: from)), .int64(Int64(bitPattern: to)),
                      .int16(Int16(TransactionStatus.sequenced.rawValue))])
        }
        return try rows.map { (UInt64(bitPattern: try $0.int64(0)), try Self.digest($0.bytes(2), "transactions.id")) }
    }

    public func acceptedTransactionIds(from: UInt64, to: UInt64, among: Set<Digest32>) async throws -> [(batch: UInt64, id: Digest32)] {
        guard !among.isEmpty else { return [] }
        // The ids as one text parameter (hex, comma-separated): the connection has no array values.
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(among.count * 65)
        for id in among {
            if !text.isEmpty { text.append(UInt8(ascii: ",")) }
            for b in id.bytes { text.append(digits[Int(b >> 4)]); text.append(digits[Int(b & 15)]) }
        }
        let list = String(decoding: text, as: UTF8.self)
        let rows = try await maintenance.idempotent { c in
            try await c.query("""
                WITH wanted AS (SELECT decode(h, 'hex') AS id FROM unnest(string_to_array($4, ',')) h)
                SELECT batch_number, idx, id FROM transactions
                WHERE id IN (SELECT id FROM wanted) AND batch_number BETWEEN $1 AND $2 AND status = $3
                UNION ALL
                SELECT batch_number, idx, id FROM shielded_transactions
                WHERE id IN (SELECT id FROM wanted) AND batch_number BETWEEN $1 AND $2 AND status = $3
                ORDER BY batch_number, idx
                """, [.int64(Int64(bitPattern: from)), .int64(Int64(bitPattern: to)),
                      .int16(Int16(TransactionStatus.sequenced.rawValue)), .text(list)])
        }
        return try rows.map { (UInt64(bitPattern: try $0.int64(0)), try Self.digest($0.bytes(2), "transactions.id")) }
    }

    /// The channel announcing commitments' status changes (payload: `FinalityNotice`).
    public static let finalityChannel = "settlement_finality"

    static func setBatchStatus(_ record: CommitmentRecord, on t: isolated PostgresConnection) throws {
        try t.query("UPDATE batches SET l1_status = $3 WHERE number BETWEEN $1 AND $2",
                    [.int64(Int64(bitPattern: record.commitment.firstBatch)), .int64(Int64(bitPattern: record.commitment.lastBatch)),
                     .int16(Int16(record.status.transactionStatus.rawValue))])
        let notice = FinalityNotice(firstBatch: record.commitment.firstBatch, lastBatch: record.commitment.lastBatch,
                                    status: record.status.transactionStatus, root: record.commitment.newRoot)
        try t.notify(finalityChannel, payload: notice.payload)
    }

    static func commitment(_ row: PostgresRow) throws -> CommitmentRecord {
        let index = UInt64(bitPattern: try row.int64(0))
        let c = L1Commitment(index: index, firstBatch: UInt64(bitPattern: try row.int64(1)),
                             lastBatch: UInt64(bitPattern: try row.int64(2)), prevRoot: try digest(row.bytes(3), "prev_root"),
                             newRoot: try digest(row.bytes(4), "new_root"), dataRoot: try digest(row.bytes(5), "data_hash"))
        guard let status = CommitmentStatus(rawValue: try row.string(11)) else {
            throw SettlementStoreError.corrupt("commitment \(index) has unknown status")
        }
        var block: L1BlockHeader?
        if let number = try row.int64OrNil(12), let hash = try row.bytesOrNil(13) {
            // Only number and hash are stored; the finality engine re-reads the header from L1.
            block = L1BlockHeader(number: UInt64(bitPattern: number), hash: try digest(hash, "l1_block_hash"), parentHash: .zero,
                                  timestampMs: 0)
        }
        return CommitmentRecord(commitment: c, data: try row.bytesOrNil(6) ?? [], transactionCount: try row.int(7),
                                calldataGas: try row.int(8), uncompressedCalldataGas: try row.int(9),
                                l1TransactionHash: try digest(row.bytesOrNil(10) ?? [], "l1_tx_hash"), status: status, l1Block: block)
    }
}
