import Persistence
import PostgresDriver
import Settlement

/// Reorg injection (tests and demos).
extension L1Simulator {
    /// Replaces the newest `depth` canonical blocks by a new branch of `depth + extraBlocks`
    /// empty blocks forking from the block before them. The new blocks carry a new branch number,
    /// so their hashes differ from the dropped ones; parent hashes link them to the fork point.
    ///
    /// The dropped blocks' transactions go back to the mempool, in their original submission
    /// order, and are included again by the next blocks (what a real chain usually does), or,
    /// with `dropTransactions`, disappear (their senders must re-send: `receipt` returns nil).
    /// Dropped blocks stay in the database, no longer canonical. Returns the new branch's headers.
    @discardableResult
    public func reorg(depth: Int, dropTransactions: Bool, extraBlocks: Int = 0) async throws -> [L1BlockHeader] {
        try await open()
        let config = self.config
        return try await writer.withConnection { conn in
            try await conn.transaction { c in
                try Self.reorg(c, config, depth: depth, dropTransactions: dropTransactions, extraBlocks: max(extraBlocks, 0))
            }
        }
    }

    private static func reorg(_ c: isolated PostgresConnection, _ config: L1SimulatorConfig, depth: Int,
                              dropTransactions: Bool, extraBlocks: Int) throws -> [L1BlockHeader] {
        try c.query("SELECT pg_advisory_xact_lock($1)", [.int64(chainLockKey)])
        let chain = try chainRow(c)
        let (head, _) = try canonicalHead(c)
        guard depth >= 1, UInt64(depth) <= head.number else {
            throw L1SimulatorError.invalidReorgDepth(depth: depth, head: head.number)
        }
        let forkNumber = head.number - UInt64(depth)
        guard let forkRow = try c.query("SELECT hash, timestamp_ms FROM l1_sim_blocks WHERE canonical AND number = $1",
                                        [.int64(Int64(bitPattern: forkNumber))]).first else {
            throw L1SimulatorError.corrupt("no canonical block \(forkNumber)")
        }
        let fork = L1BlockHeader(number: forkNumber, hash: try digest(forkRow.bytes(0), "block hash"), parentHash: .zero,
                                 timestampMs: UInt64(bitPattern: try forkRow.int64(1)))
        let forkParam = PostgresValue.int64(Int64(bitPattern: forkNumber))
        if dropTransactions {
            try c.query("UPDATE l1_sim_blocks SET canonical = false WHERE canonical AND number > $1", [forkParam])
        } else {
            // Back to the mempool with their original submission order (explicit seq).
            try c.query("""
                WITH dropped AS (
                    UPDATE l1_sim_blocks SET canonical = false WHERE canonical AND number > $1 RETURNING hash)
                INSERT INTO l1_sim_mempool (seq, tx_hash, encoded)
                SELECT t.seq, t.tx_hash, t.encoded FROM l1_sim_transactions t JOIN dropped d ON d.hash = t.block_hash
                ON CONFLICT DO NOTHING
                """, [forkParam])
        }
        let branch = chain.branch + 1
        try c.query("UPDATE l1_sim_chain SET branch = $1", [.int64(Int64(bitPattern: branch))])
        var parent = fork
        var built: [L1BlockHeader] = []
        for _ in 0 ..< depth + extraBlocks {
            let number = parent.number + 1
            let timestamp = parent.timestampMs + chain.blockTimeMs
            let hash = L1SimulatedBlock.hash(seed: chain.seed, branch: branch, parentHash: parent.hash, number: number,
                                             timestampMs: timestamp, transactionsRoot: .zero)
            let header = L1BlockHeader(number: number, hash: hash, parentHash: parent.hash, timestampMs: timestamp)
            try insertBlock(c, header, transactionsRoot: .zero, transactionCount: 0, branch: branch,
                            producer: config.producerID)
            built.append(header)
            parent = header
        }
        try notifyHead(c, parent.number)
        return built
    }
}
