import Logging
import Persistence
import PostgresDriver
import Settlement

/// A **simulated** L1 chain stored in PostgreSQL (schema: migration `0005_l1_simulator`), so every
/// replica on the database sees the same L1. It is not a real chain: no consensus, no gas, no
/// signatures; see ARCHITECTURE.md, "L1 simulator".
///
/// - Blocks are produced on a timer (`start()`) by whichever replica holds the producer lease, or
///   by `produceBlock()`; each takes mempool transactions in submission order. Hashes are
///   deterministic under the seed (`L1SimulatedBlock`).
/// - `reorg(depth:dropTransactions:extraBlocks:)` replaces the newest blocks by another branch.
/// - Reads (`L1Client`) replay the canonical chain through `L1Arbiter` in memory (incrementally,
///   from a checkpoint after a reorg) and answer from that replay; each read first catches up
///   with the database, so it sees every block committed before it started.
/// - Every new block or reorg sends `NOTIFY l1_sim_blocks` with the new head number.
public actor L1Simulator: L1Client {
    /// Serialises chain writes (production, reorgs, submissions) across replicas: "L1SIMCHN".
    static let chainLockKey: Int64 = 0x4C31_5349_4D43_484E
    /// The channel notified on every new head.
    public static let notificationChannel = "l1_sim_blocks"

    public nonisolated let config: L1SimulatorConfig
    /// Chain writes: production, reorgs, submissions.
    let writer: ReconnectingConnection
    /// Chain reads for the replay.
    let reader: ReconnectingConnection
    let logger: Logger
    var replay: L1SimulatorReplay
    var opened = false
    var timer: Task<Void, Never>?

    /// A simulator on the database at `conninfo` (migrated to 0005 or later). Connects lazily;
    /// `open()` (or any other call) creates or checks the chain.
    public init(conninfo: String, config: L1SimulatorConfig, logger: Logger = Logger(label: "persistence.l1-simulator")) {
        self.config = config
        self.logger = logger
        writer = ReconnectingConnection(conninfo: conninfo, logger: logger)
        reader = ReconnectingConnection(conninfo: conninfo, logger: logger)
        replay = L1SimulatorReplay(arbiterConfig: config.arbiter, window: config.checkpointWindow)
    }

    /// Creates the chain (the chain row and the genesis block) in an empty database, or checks
    /// that the stored chain was created with this configuration. Called by every other method;
    /// the schema must be migrated first.
    public func open() async throws {
        guard !opened else { return }
        let config = self.config
        try await writer.withConnection { conn in
            try await conn.transaction { c in
                try c.query("SELECT pg_advisory_xact_lock($1)", [.int64(Self.chainLockKey)])
                try Self.createOrCheckChain(c, config)
            }
        }
        opened = true
    }

    /// Stops the timer and closes the connections.
    public func close() async {
        await stop()
        await writer.close()
        await reader.close()
    }

    // MARK: - L1Client

    public func head() async throws -> L1BlockHeader {
        try await sync()
        guard let tip = replay.tip else { throw L1SimulatorError.corrupt("no canonical block") }
        return tip
    }

    public func block(number: UInt64) async throws -> L1BlockHeader? {
        try await sync()
        return replay.header(number)
    }

    public func receipt(_ transactionHash: Digest32) async throws -> L1Receipt? {
        try await sync()
        return replay.receipt(transactionHash)
    }

    public func receipts(fromBlock: UInt64, toBlock: UInt64) async throws -> [L1Receipt] {
        try await sync()
        return replay.receipts(from: fromBlock, to: toBlock)
    }

    public func commitments(fromIndex: UInt64) async throws -> [(commitment: L1Commitment, block: L1BlockHeader)] {
        try await sync()
        return replay.state.commitments.filter { !$0.reverted && $0.commitment.index >= fromIndex }
            .map { ($0.commitment, $0.block) }
    }

    /// Challenge games against commitment `index` neither resolved nor voided at the head.
    public func openGames(against index: UInt64) async throws -> Int {
        try await sync()
        return replay.state.openGames(against: index).count
    }

    public func isFinal(_ index: UInt64) async throws -> Bool {
        try await sync()
        guard let tip = replay.tip else { return false }
        return replay.state.isFinal(index, atMs: tip.timestampMs, challengePeriodMs: config.arbiter.challengePeriodMs)
    }

    public func commitmentData(index: UInt64) async throws -> [UInt8]? {
        try await sync()
        return index < UInt64(replay.state.commitments.count) ? replay.state.commitments[Int(index)].data : nil
    }

    public func game(id: UInt64) async throws -> L1Game? {
        try await sync()
        return replay.state.game(id)
    }

    public func deposits(fromID: UInt64, limit: Int) async throws -> [L1Deposit] {
        try await sync()
        let all = replay.state.deposits
        guard limit > 0, fromID < UInt64(all.count) else { return [] }
        let end = Int(fromID) + min(limit, all.count - Int(fromID))
        return Array(all[Int(fromID) ..< end])
    }

    public func inboxItems(fromID: UInt64, limit: Int) async throws -> [L1InboxItem] {
        try await sync()
        let all = replay.state.inbox
        guard limit > 0, fromID < UInt64(all.count) else { return [] }
        let end = Int(fromID) + min(limit, all.count - Int(fromID))
        return Array(all[Int(fromID) ..< end])
    }

    /// The arbiter's whole state at the canonical head (validators, deposits, bonds), for tests,
    /// demos and the validator tooling.
    public func arbiterState() async throws -> L1ArbiterState {
        try await sync()
        return replay.state
    }

    // MARK: - Replay

    /// Brings the replay up to the canonical chain in the database: reads the canonical hashes of
    /// the checkpoint window, resumes from the newest block it agrees with, and applies what
    /// follows (each read is one statement, so one consistent snapshot).
    func sync() async throws {
        try await open()
        // Most reads find the chain as it was (the finality engine reads several times per
        // unsettled commitment every step): one row tells. A block hash commits to its parent's,
        // so the same canonical head hash means the same canonical chain.
        if let tip = replay.tip {
            let head = try await reader.idempotent { c in
                try await c.query("SELECT number, hash FROM l1_sim_blocks WHERE canonical ORDER BY number DESC LIMIT 1")
            }
            if let row = head.first, UInt64(bitPattern: try row.int64(0)) == tip.number,
               try Self.digest(row.bytes(1), "block hash") == tip.hash {
                return
            }
        }
        for _ in 0 ..< 8 {
            let from = Int64(bitPattern: replay.syncFrom)
            let hashRows = try await reader.idempotent { c in
                try await c.query("SELECT number, hash FROM l1_sim_blocks WHERE canonical AND number >= $1 ORDER BY number",
                                  [.int64(from)])
            }
            let canonical = try hashRows.map { row in
                (number: UInt64(bitPattern: try row.int64(0)), hash: try Self.digest(row.bytes(1), "block hash"))
            }
            guard let newest = canonical.last else {
                throw L1SimulatorError.corrupt("no canonical block at or above \(from)")
            }
            let resume = replay.resumePoint(canonical: canonical)
            if resume == newest.number { return }
            let after = resume.map { Int64(bitPattern: $0) } ?? -1
            let rows = try await reader.idempotent { c in
                try await c.query("""
                    SELECT b.number, b.hash, b.parent_hash, b.timestamp_ms, t.tx_hash, t.encoded
                    FROM l1_sim_blocks b LEFT JOIN l1_sim_transactions t ON t.block_hash = b.hash
                    WHERE b.canonical AND b.number > $1 ORDER BY b.number, t.idx
                    """, [.int64(after)])
            }
            if try replay.apply(try Self.blocks(from: rows), after: resume) { return }
        }
        throw L1SimulatorError.concurrentChange
    }

    /// Groups joined block/transaction rows into blocks, decoding and checking each transaction.
    static func blocks(from rows: [PostgresRow]) throws -> [L1FetchedBlock] {
        var out: [L1FetchedBlock] = []
        var header: L1BlockHeader?
        var transactions: [(hash: Digest32, transaction: L1Transaction)] = []
        for row in rows {
            let number = UInt64(bitPattern: try row.int64(0))
            if header?.number != number {
                if let header { out.append(L1FetchedBlock(header: header, transactions: transactions)) }
                header = L1BlockHeader(number: number, hash: try digest(row.bytes(1), "block hash"),
                                       parentHash: try digest(row.bytes(2), "parent hash"),
                                       timestampMs: UInt64(bitPattern: try row.int64(3)))
                transactions = []
            }
            guard !(try row.isNull(4)) else { continue }
            let hash = try digest(row.bytes(4), "transaction hash")
            let encoded = try row.bytes(5)
            let transaction: L1Transaction
            do { transaction = try L1Transaction(encoded: encoded) } catch {
                throw L1SimulatorError.corrupt("transaction \(hash) in block \(number): \(error)")
            }
            guard Keccak256.hash(encoded) == hash else {
                throw L1SimulatorError.corrupt("transaction \(hash) in block \(number) does not hash to its id")
            }
            transactions.append((hash, transaction))
        }
        if let header { out.append(L1FetchedBlock(header: header, transactions: transactions)) }
        return out
    }

    static func digest(_ bytes: [UInt8], _ what: String) throws(L1SimulatorError) -> Digest32 {
        guard let d = Digest32(bytes: bytes) else { throw .corrupt("\(what) of \(bytes.count) bytes") }
        return d
    }
}
