import Persistence
import PostgresDriver
import Settlement

/// Submissions, block production and the block timer.
extension L1Simulator {
    /// What one production attempt did.
    enum ProductionOutcome: Sendable {
        case produced(L1BlockHeader)
        /// Another replica holds the producer lease.
        case notProducer
        /// The head is younger than a block time; the next block is due in this many ms.
        case notDue(remainingMs: UInt64)
    }

    /// Puts `transaction` in the mempool (idempotent: a transaction already pending, or already
    /// included in the canonical chain, is not added again). Returns its hash.
    public func submit(_ transaction: L1Transaction) async throws -> Digest32 {
        try await open()
        let encoded = transaction.encoded
        // Decoding checks every size limit, so nothing undecodable ever reaches the chain.
        do {
            guard try L1Transaction(encoded: encoded) == transaction else {
                throw L1SimulatorError.invalidTransaction("does not round-trip its encoding")
            }
        } catch let error as L1CodecError {
            throw L1SimulatorError.invalidTransaction("\(error)")
        }
        let hash = Keccak256.hash(encoded)
        try await writer.withConnection { conn in
            try await conn.transaction { c in
                try c.query("SELECT pg_advisory_xact_lock($1)", [.int64(Self.chainLockKey)])
                try c.query("""
                    INSERT INTO l1_sim_mempool (tx_hash, encoded)
                    SELECT $1, $2 WHERE NOT EXISTS (
                        SELECT 1 FROM l1_sim_transactions t JOIN l1_sim_blocks b ON b.hash = t.block_hash
                        WHERE t.tx_hash = $1 AND b.canonical)
                    ON CONFLICT (tx_hash) DO NOTHING
                    """, [.bytes(hash.bytes), .bytes(encoded)])
            }
        }
        return hash
    }

    /// Produces one block now, whoever holds the producer lease and however young the head is
    /// (tests and demos).
    @discardableResult
    public func produceBlock() async throws -> L1BlockHeader {
        guard case .produced(let header) = try await produce(timer: false) else {
            throw L1SimulatorError.corrupt("manual production did not produce")
        }
        return header
    }

    /// The number of transactions waiting in the mempool.
    public func pendingTransactionCount() async throws -> Int {
        try await open()
        let rows = try await reader.idempotent { c in try await c.query("SELECT count(*) FROM l1_sim_mempool") }
        return try rows[0].int(0)
    }

    /// Starts the block timer: every block time this replica tries to take or renew the producer
    /// lease and, holding it, produces a block once the head is a block time old (database clock).
    public func start() async throws {
        try await open()
        guard timer == nil else { return }
        timer = Task { [weak self] in
            while !Task.isCancelled {
                guard let delay = await self?.tick() else { return }
                try? await Task.sleep(for: delay)
            }
        }
    }

    /// Stops the timer and gives the producer lease up, so another replica's timer takes over at
    /// its next tick.
    public func stop() async {
        guard let timer else { return }
        self.timer = nil
        timer.cancel()
        await timer.value
        let me = config.producerID
        do {
            _ = try await writer.withConnection { c in
                try await c.query("""
                    UPDATE l1_sim_chain SET producer_expires_at = clock_timestamp() - interval '1 millisecond'
                    WHERE producer = $1
                    """, [.text(me)])
            }
        } catch {
            logger.warning("could not release the L1 simulator producer lease", metadata: ["error": "\(error)"])
        }
    }

    /// One timer attempt; returns how long to wait for the next.
    private func tick() async -> Duration {
        let blockTime = Duration.milliseconds(Int64(config.blockTimeMs))
        do {
            switch try await produce(timer: true) {
            case .produced(let header):
                logger.debug("produced L1 block", metadata: ["number": "\(header.number)"])
                return blockTime
            case .notProducer:
                return blockTime
            case .notDue(let remaining):
                return .milliseconds(Int64(max(remaining, 5)))
            }
        } catch {
            logger.warning("L1 simulator block production failed", metadata: ["error": "\(error)"])
            return blockTime
        }
    }

    /// One production transaction. With `timer`, only the lease holder produces, and only when
    /// the head is at least a block time old, so no two replicas ever produce within a block time.
    func produce(timer: Bool) async throws -> ProductionOutcome {
        try await open()
        let config = self.config
        return try await writer.withConnection { conn in
            try await conn.transaction { c in try Self.produce(c, config, timer: timer) }
        }
    }

    private static func produce(_ c: isolated PostgresConnection, _ config: L1SimulatorConfig,
                                timer: Bool) throws -> ProductionOutcome {
        try c.query("SELECT pg_advisory_xact_lock($1)", [.int64(chainLockKey)])
        let chain = try chainRow(c)
        if timer {
            let lease = try c.query("""
                UPDATE l1_sim_chain SET producer = $1,
                    producer_expires_at = clock_timestamp() + $2 * interval '1 millisecond'
                WHERE producer IS NULL OR producer = $1 OR producer_expires_at < clock_timestamp()
                RETURNING 1
                """, [.text(config.producerID), .int64(Int64(bitPattern: config.effectiveProducerLeaseMs))])
            if lease.isEmpty { return .notProducer }
        }
        let (head, age) = try canonicalHead(c)
        let blockTime = Int64(bitPattern: chain.blockTimeMs)
        if timer, age < blockTime { return .notDue(remainingMs: UInt64(blockTime - max(age, 0))) }

        let pending = try c.query("SELECT seq, tx_hash, encoded FROM l1_sim_mempool ORDER BY seq LIMIT $1",
                                  [.int64(Int64(max(config.maxTransactionsPerBlock, 0)))])
        let hashes = try pending.map { try digest($0.bytes(1), "transaction hash") }
        let root = L1SimulatedBlock.transactionsRoot(hashes)
        let number = head.number + 1
        let timestamp = head.timestampMs + chain.blockTimeMs
        let hash = L1SimulatedBlock.hash(seed: chain.seed, branch: chain.branch, parentHash: head.hash, number: number,
                                         timestampMs: timestamp, transactionsRoot: root)
        let header = L1BlockHeader(number: number, hash: hash, parentHash: head.hash, timestampMs: timestamp)
        try insertBlock(c, header, transactionsRoot: root, transactionCount: pending.count, branch: chain.branch,
                        producer: config.producerID)
        for (i, row) in pending.enumerated() {
            try c.query("""
                INSERT INTO l1_sim_transactions (block_hash, idx, tx_hash, encoded, seq) VALUES ($1, $2, $3, $4, $5)
                """, [.bytes(hash.bytes), .int32(Int32(i)), .bytes(hashes[i].bytes), .bytes(try row.bytes(2)),
                      .int64(try row.int64(0))])
        }
        if let last = pending.last {
            try c.query("DELETE FROM l1_sim_mempool WHERE seq <= $1", [.int64(try last.int64(0))])
        }
        try notifyHead(c, number)
        return .produced(header)
    }
}
