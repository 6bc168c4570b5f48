import Persistence
import PostgresDriver
import Settlement

/// The chain row and the genesis block, and the statements production and reorgs share.
extension L1Simulator {
    /// Inserts the chain row and genesis block, or checks the stored chain against `config`.
    /// Runs inside a transaction holding the chain lock.
    static func createOrCheckChain(_ c: isolated PostgresConnection, _ config: L1SimulatorConfig) throws {
        let fingerprint = config.arbiter.fingerprint
        let rows = try c.query("SELECT seed, block_time_ms, genesis_timestamp_ms, arbiter_fingerprint FROM l1_sim_chain")
        if let row = rows.first {
            var problems: [String] = []
            let seed = UInt64(bitPattern: try row.int64(0))
            if seed != config.seed { problems.append("seed \(config.seed), the chain's is \(seed)") }
            let blockTime = UInt64(bitPattern: try row.int64(1))
            if blockTime != config.blockTimeMs {
                problems.append("block time \(config.blockTimeMs) ms, the chain's is \(blockTime) ms")
            }
            let genesis = UInt64(bitPattern: try row.int64(2))
            if let wanted = config.genesisTimestampMs, wanted != genesis {
                problems.append("genesis timestamp \(wanted), the chain's is \(genesis)")
            }
            if try row.bytes(3) != fingerprint.bytes { problems.append("the arbiter configuration differs") }
            guard problems.isEmpty else { throw L1SimulatorError.configurationMismatch(problems.joined(separator: "; ")) }
            return
        }
        let timestamp: UInt64
        if let fixed = config.genesisTimestampMs {
            timestamp = fixed
        } else {
            let now = try c.query("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::int8")
            timestamp = UInt64(bitPattern: try now[0].int64(0))
        }
        try c.query("""
            INSERT INTO l1_sim_chain (seed, block_time_ms, genesis_timestamp_ms, arbiter_fingerprint)
            VALUES ($1, $2, $3, $4)
            """, [.int64(Int64(bitPattern: config.seed)), .int64(Int64(bitPattern: config.blockTimeMs)),
                  .int64(Int64(bitPattern: timestamp)), .bytes(fingerprint.bytes)])
        let hash = L1SimulatedBlock.hash(seed: config.seed, branch: 0, parentHash: .zero, number: 0,
                                         timestampMs: timestamp, transactionsRoot: .zero)
        try insertBlock(c, L1BlockHeader(number: 0, hash: hash, parentHash: .zero, timestampMs: timestamp),
                        transactionsRoot: .zero, transactionCount: 0, branch: 0, producer: config.producerID)
    }

    /// The chain row's seed, block time and current branch, locked for update.
    static func chainRow(_ c: isolated PostgresConnection) throws -> (seed: UInt64, blockTimeMs: UInt64, branch: UInt64) {
        guard let row = try c.query("SELECT seed, block_time_ms, branch FROM l1_sim_chain FOR UPDATE").first else {
            throw L1SimulatorError.corrupt("no chain row")
        }
        return (UInt64(bitPattern: try row.int64(0)), UInt64(bitPattern: try row.int64(1)),
                UInt64(bitPattern: try row.int64(2)))
    }

    /// The canonical head and how long ago (database clock, whole ms rounded down) it was produced.
    static func canonicalHead(_ c: isolated PostgresConnection) throws -> (header: L1BlockHeader, ageMs: Int64) {
        guard let row = try c.query("""
            SELECT number, hash, parent_hash, timestamp_ms,
                   floor(extract(epoch FROM clock_timestamp() - produced_at) * 1000)::int8
            FROM l1_sim_blocks WHERE canonical ORDER BY number DESC LIMIT 1
            """).first else { throw L1SimulatorError.corrupt("no canonical block") }
        let header = L1BlockHeader(number: UInt64(bitPattern: try row.int64(0)), hash: try digest(row.bytes(1), "block hash"),
                                   parentHash: try digest(row.bytes(2), "parent hash"),
                                   timestampMs: UInt64(bitPattern: try row.int64(3)))
        return (header, try row.int64(4))
    }

    /// Inserts a canonical block row.
    static func insertBlock(_ c: isolated PostgresConnection, _ header: L1BlockHeader, transactionsRoot: Digest32,
                            transactionCount: Int, branch: UInt64, producer: String) throws {
        try c.query("""
            INSERT INTO l1_sim_blocks (hash, number, parent_hash, timestamp_ms, tx_root, tx_count, branch, canonical, producer)
            VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8)
            """, [.bytes(header.hash.bytes), .int64(Int64(bitPattern: header.number)), .bytes(header.parentHash.bytes),
                  .int64(Int64(bitPattern: header.timestampMs)), .bytes(transactionsRoot.bytes),
                  .int32(Int32(transactionCount)), .int64(Int64(bitPattern: branch)), .text(producer)])
    }

    /// Tells listeners about the new head.
    static func notifyHead(_ c: isolated PostgresConnection, _ number: UInt64) throws {
        try c.query("SELECT pg_notify($1, $2)", [.text(notificationChannel), .text(String(number))])
    }
}
