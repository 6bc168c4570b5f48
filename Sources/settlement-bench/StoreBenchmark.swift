import Foundation
import Persistence
import PostgresDriver
import Settlement

/// Throughput of `PostgresSettlementStore.commit` next to the raw binary COPY of the same rows.
///
/// Batches are synthetic but shaped like real ones: `batchSize` transactions with 65-byte
/// signatures and EIP-712 ids, about one in ten rejected with a reason, and a state diff of
/// `2 × batchSize + 1` accounts (every sender and recipient distinct, plus the fee account),
/// chained by root. Figures, each over the same rows:
/// - **store**: `commit` per batch (batch row + diff, COPY of its transactions, NOTIFY, COMMIT with
///   `synchronous_commit = on`), one after another as the engine's committer does;
/// - **raw COPY, one stream**: every row in one COPY into a table with the same columns and no
///   index, key or constraint: the machine's limit for this row shape through libpq;
/// - **raw COPY per batch**: the same table, one transaction (COPY + durable COMMIT) per batch:
///   adds the per-commit cost;
/// - **indexes per batch** / **indexes + foreign key per batch**: the store's `transactions`
///   indexes, without and with a foreign key to `batches`: what the indexes and a foreign key
///   would cost.
public enum StoreBenchmark {
    /// One measured path.
    public struct Figures: Sendable, CustomStringConvertible {
        public let label: String
        public let batches: Int
        public let transactions: Int
        public let seconds: Double
        /// Per-batch commit latencies in seconds, sorted (empty for one-stream figures).
        public let latencies: [Double]

        public var batchesPerSecond: Double { Double(batches) / seconds }
        public var transactionsPerSecond: Double { Double(transactions) / seconds }

        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            return latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
        }

        public var description: String {
            var s = String(format: "%@: %d tx in %.3f s = %.1f batches/s, %.0f tx/s", label, transactions, seconds,
                           batchesPerSecond, transactionsPerSecond)
            if !latencies.isEmpty {
                s += String(format: " (per batch: p50 %.2f ms, p99 %.2f ms)", percentile(0.5) * 1000, percentile(0.99) * 1000)
            }
            return s
        }
    }

    /// All figures of one run.
    public struct Report: Sendable, CustomStringConvertible {
        public let store: Figures
        public let rawOneStream: Figures
        public let rawPerBatch: Figures
        public let indexedPerBatch: Figures
        public let foreignKeyPerBatch: Figures

        public var description: String {
            [store, rawOneStream, rawPerBatch, indexedPerBatch, foreignKeyPerBatch].map(\.description).joined(separator: "\n")
                + String(format: "\nstore / raw one-stream COPY: %.2f", store.transactionsPerSecond / rawOneStream.transactionsPerSecond)
        }
    }

    /// Commits `batches` synthetic batches of `batchSize` transactions through a
    /// `PostgresSettlementStore` on `url`, then loads the same rows by raw COPY. `url` must name
    /// an empty database: the chain and some `store_bench_*` tables are written to it (the tables
    /// are dropped afterwards).
    public static func measure(url: String, batches: Int = 50, batchSize: Int = 1_000) async throws -> Report {
        let genesis = Genesis(chainId: 1337, allocations: [])
        let genesisRoot = StateManager(retainedBatches: 1).apply(diff: .empty)
        let sealed = makeBatches(count: batches, size: batchSize, startingFrom: genesisRoot, domain: SigningDomain(genesis: genesis))
        let total = batches * batchSize

        let store = PostgresSettlementStore(conninfo: url)
        _ = try await store.open(genesis: genesis, genesisDiff: .empty, genesisRoot: genesisRoot)
        var latencies: [Double] = []
        latencies.reserveCapacity(batches)
        let start = ContinuousClock.now
        for b in sealed {
            let t0 = ContinuousClock.now
            try await store.commit(b)
            latencies.append(seconds(ContinuousClock.now - t0))
        }
        let storeFigures = Figures(label: "store commit (batch row + diff + COPY + NOTIFY)", batches: batches,
                                   transactions: total, seconds: seconds(ContinuousClock.now - start),
                                   latencies: latencies.sorted())
        await store.close()

        let conn = try await PostgresConnection.connect(url)
        try await conn.execute("""
            DROP TABLE IF EXISTS store_bench_raw, store_bench_idx, store_bench_fk;
            CREATE TABLE store_bench_raw (LIKE transactions INCLUDING DEFAULTS);
            CREATE TABLE store_bench_idx (LIKE transactions INCLUDING DEFAULTS INCLUDING INDEXES);
            CREATE TABLE store_bench_fk (LIKE transactions INCLUDING DEFAULTS INCLUDING INDEXES,
                                         FOREIGN KEY (batch_number) REFERENCES batches);
            """)
        let received = ReceivedClock()
        let columns = PostgresSettlementStore.transactionColumns

        let oneStart = ContinuousClock.now
        try await conn.copyIn(table: "store_bench_raw", columns: columns) { (w) throws(PostgresError) in
            for b in sealed { try PostgresSettlementStore.encodeTransactions(of: b, received: received, into: &w) }
        }
        let one = Figures(label: "raw COPY, one stream, no index", batches: batches, transactions: total,
                          seconds: seconds(ContinuousClock.now - oneStart), latencies: [])
        try await conn.execute("TRUNCATE store_bench_raw")

        func perBatch(_ table: String, _ label: String) async throws -> Figures {
            var latencies: [Double] = []
            let start = ContinuousClock.now
            for b in sealed {
                let t0 = ContinuousClock.now
                try await conn.transaction { c in
                    try c.execute("SET LOCAL synchronous_commit = on")
                    try c.copyIn(table: table, columns: columns) { (w) throws(PostgresError) in
                        try PostgresSettlementStore.encodeTransactions(of: b, received: received, into: &w)
                    }
                }
                latencies.append(seconds(ContinuousClock.now - t0))
            }
            return Figures(label: label, batches: batches, transactions: total,
                           seconds: seconds(ContinuousClock.now - start), latencies: latencies.sorted())
        }
        let raw = try await perBatch("store_bench_raw", "raw COPY per batch, no index")
        let indexed = try await perBatch("store_bench_idx", "COPY per batch, store's indexes")
        let fk = try await perBatch("store_bench_fk", "COPY per batch, store's indexes + foreign key")
        try await conn.execute("DROP TABLE store_bench_raw, store_bench_idx, store_bench_fk")
        await conn.close()
        return Report(store: storeFigures, rawOneStream: one, rawPerBatch: raw, indexedPerBatch: indexed,
                      foreignKeyPerBatch: fk)
    }

    /// Runs `measure` and prints the report.
    @discardableResult
    public static func run(url: String, batches: Int = 50, batchSize: Int = 1_000) async throws -> Report {
        let report = try await measure(url: url, batches: batches, batchSize: batchSize)
        print(report)
        return report
    }

    /// Deterministic synthetic batches chained by root (see the type's documentation).
    static func makeBatches(count: Int, size: Int, startingFrom root: Digest32, domain: SigningDomain) -> [SealedBatch] {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {  // xorshift64*
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
        func address() -> Address {
            var b = [UInt8](repeating: 0, count: 20)
            for k in 0..<20 { b[k] = UInt8(truncatingIfNeeded: next()) }
            return Address(bytes: b)!
        }
        let fee = Address(hex: "0x00000000000000000000000000000000000fee00")!
        let now = ContinuousClock.now
        var prev = root
        var out: [SealedBatch] = []
        out.reserveCapacity(count)
        for n in 1...max(1, count) {
            var txs: [ExecutedTransaction] = []
            var changes: [(address: Address, account: Account)] = [(fee, Account(balance: UInt256(next() >> 20)))]
            txs.reserveCapacity(size)
            for _ in 0..<size {
                let from = address(), to = address()
                let transfer = Transfer(from: from, to: to, value: UInt256(next() >> 40), fee: UInt256(next() >> 60),
                                        nonce: next() >> 50)
                let signature = (0..<65).map { _ in UInt8(truncatingIfNeeded: next()) }
                let signed = SignedTransfer(transfer: transfer, domain: domain, signature: signature)
                let accepted = next() % 10 != 0
                txs.append(ExecutedTransaction(tx: ValidatedTransfer(signed: signed, id: signed.id, receivedAt: now),
                                               accepted: accepted,
                                               reason: accepted ? "" : "insufficient balance: has 12, needs 1000"))
                changes.append((from, Account(balance: UInt256(next() >> 8), nonce: next() >> 50)))
                changes.append((to, Account(balance: UInt256(next() >> 8), nonce: 0)))
            }
            let newRoot = Digest32(w0: next(), w1: next(), w2: next(), w3: next())
            out.append(SealedBatch(number: UInt64(n), prevRoot: prev, newRoot: newRoot,
                                   createdAtMs: UInt64(Date().timeIntervalSince1970 * 1000), transactions: txs,
                                   diff: StateDiff(changes)))
            prev = newRoot
        }
        return out
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
