import ArgumentParser
import Foundation
import Persistence
import PostgresDriver
import Settlement

#if canImport(Glibc)
import Glibc
#endif

/// `settlement-bench crypto`: `CryptoBenchmark` (recovery and Keccak) with a side-by-side summary.
struct CryptoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crypto",
        abstract: "Signature recovery vs raw libsecp256k1; Keccak-256 (64 B) vs OpenSSL SHA3-256.")

    @Option(help: "Seconds per measurement.")
    var seconds: Double = 3

    @Option(help: "Threads for the all-core recovery run (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Print one JSON document instead of the tables.")
    var json = false

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
    }

    func run() async throws {
        let json = self.json, seconds = self.seconds, threads = self.threads
        // `openssl speed` stops itself with SIGALRM, and a child inherits the signal mask of the
        // thread that spawns it: from a Swift concurrency (libdispatch) thread, which blocks
        // signals, it would never stop. So the benchmark runs on a thread of its own.
        let (r, k) = await onSignalFriendlyThread {
            CryptoBenchmark.runAll(seconds: seconds, threads: threads, log: { json ? note($0) : print($0) })
        }
        if json {
            var keccak: [String: Any] = ["oursGenericPerSecond": k.oursGeneric, "oursNodePerSecond": k.oursNode,
                                         "oursGenericWallPerSecond": k.oursGenericWall, "oursNodeWallPerSecond": k.oursNodeWall]
            if let o = k.openssl { keccak["opensslSHA3PerSecond"] = o }
            if let g = k.ratioGeneric { keccak["ratioGeneric"] = g }
            if let n = k.ratioNode { keccak["ratioNode"] = n }
            printJSON(["benchmark": "crypto", "seconds": seconds, "threads": r.threads,
                       "recovery": ["rawSinglePerSecond": r.rawSingle, "oursSinglePerSecond": r.oursSingle,
                                    "ratioSingle": r.ratioSingle, "rawParallelPerSecond": r.rawParallel,
                                    "oursParallelPerSecond": r.oursParallel, "ratioParallel": r.ratioParallel,
                                    "rawParallelWallPerSecond": r.rawParallelWall,
                                    "oursParallelWallPerSecond": r.oursParallelWall],
                       "keccak64": keccak])
            return
        }
        print("")
        print(Fmt.columns([
            ["path", "ours", "machine's limit", "limit is", "ratio"],
            ["signature recovery, 1 thread", Fmt.rate(r.oursSingle), Fmt.rate(r.rawSingle), "raw libsecp256k1",
             Fmt.ratio(r.ratioSingle)],
            ["signature recovery, \(r.threads) threads", Fmt.rate(r.oursParallel), Fmt.rate(r.rawParallel),
             "raw libsecp256k1", Fmt.ratio(r.ratioParallel)],
            ["keccak256 64 B, hash(_:)", Fmt.rate(k.oursGeneric), k.openssl.map(Fmt.rate) ?? "-", "OpenSSL SHA3-256",
             Fmt.ratio(k.ratioGeneric)],
            ["keccak256 64 B, hash(left:right:)", Fmt.rate(k.oursNode), k.openssl.map(Fmt.rate) ?? "-",
             "OpenSSL SHA3-256", Fmt.ratio(k.ratioNode)],
        ]))
        print("(rates per CPU second of the measuring threads; targets: recovery ratio ≥ 0.9, keccak ratio ≥ 1.0)")
    }
}

/// `settlement-bench state`: `StateBenchmark` with a side-by-side summary.
struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Sparse Merkle tree batch updates vs the raw Keccak node hash.")

    @Option(help: "Funded accounts in the genesis tree.")
    var accounts = 1_000_000

    @Option(help: "Transfer batches applied after genesis.")
    var batches = 20

    @Option(help: "Transfers per batch.")
    var transfersPerBatch = 1_000

    @Option(help: "Batches of history the state manager retains.")
    var retained = 64

    @Option(help: "PRNG seed for addresses and transfers.")
    var seed: UInt64 = 1

    @Flag(help: "Print one JSON document instead of the tables.")
    var json = false

    func validate() throws {
        guard accounts >= 2 else { throw ValidationError("--accounts must be at least 2") }
        guard batches >= 1, transfersPerBatch >= 1, retained >= 1 else {
            throw ValidationError("--batches, --transfers-per-batch and --retained must be positive")
        }
    }

    func run() async throws {
        var c = StateBenchmark.Configuration()
        c.accounts = accounts
        c.batches = batches
        c.transfersPerBatch = transfersPerBatch
        c.retainedBatches = retained
        c.seed = seed
        let json = self.json
        let config = c
        // The OpenSSL SHA3-256 rate of this machine, in the same run (see `onSignalFriendlyThread`
        // for why `openssl speed` must be started from a thread of its own).
        let (r, openssl) = await onSignalFriendlyThread { () -> (StateBenchmark.Report, Double?) in
            let r = StateBenchmark.run(config, log: { json ? note($0) : print($0) })
            return (r, CryptoBenchmark.opensslSHA3Rate(seconds: 3))
        }
        let opensslRate: Double = openssl ?? 0
        let ratioToOpenSSL: Double = opensslRate > 0 ? r.nodeHashesPerSecond / opensslRate : 0
        if json {
            printJSON(["benchmark": "state", "accounts": accounts, "batches": batches,
                       "transfersPerBatch": transfersPerBatch, "genesisSeconds": r.genesisSeconds,
                       "medianBatchSeconds": r.medianBatchSeconds, "nodeHashesPerBatch": r.nodeHashesPerBatch,
                       "nodeHashesPerSecond": r.nodeHashesPerSecond, "treeHashesPerSecond": r.treeHashesPerSecond,
                       "rawHashesPerSecond": r.rawHashesPerSecond, "ratio": r.ratio,
                       "medianInterleavedRatio": r.medianInterleavedRatio, "residentBytes": r.residentBytes,
                       "peakResidentBytes": r.peakResidentBytes, "treeBytes": r.treeBytes,
                       "opensslSHA3PerSecond": opensslRate, "ratioToOpenSSL": ratioToOpenSSL])
            return
        }
        func mib(_ n: Int) -> String { String(format: "%.1f MiB", Double(n) / 1_048_576) }
        print("")
        print(Fmt.columns([
            ["path", "ours", "machine's limit", "limit is", "ratio"],
            ["tree node hashes in apply(diff:)", Fmt.rate(r.nodeHashesPerSecond), Fmt.rate(r.rawHashesPerSecond),
             "raw keccak256(left:right:)", Fmt.ratio(r.ratio)],
            ["  same, median per batch (interleaved raw)", "", "", "", Fmt.ratio(r.medianInterleavedRatio)],
            ["all hashes in apply(diff:)", Fmt.rate(r.treeHashesPerSecond), Fmt.rate(r.rawHashesPerSecond),
             "raw keccak256(left:right:)", Fmt.ratio(r.treeHashesPerSecond / r.rawHashesPerSecond)],
            ["tree node hashes in apply(diff:)", Fmt.rate(r.nodeHashesPerSecond), openssl.map(Fmt.rate) ?? "-",
             "OpenSSL SHA3-256 64 B (openssl speed)", openssl.map { Fmt.ratio(r.nodeHashesPerSecond / $0) } ?? "-"],
        ]))
        print(String(format: "batch of %d transfers over %d accounts: median %.2f ms (%.0f node hashes); genesis %.2f s; "
                         + "RSS %@ (peak %@), tree %@", transfersPerBatch, accounts, r.medianBatchSeconds * 1e3,
                     r.nodeHashesPerBatch, r.genesisSeconds, mib(r.residentBytes), mib(r.peakResidentBytes),
                     mib(r.treeBytes)))
        print("(issue target: tree node hashes per second ≥ 0.7 of the OpenSSL SHA3-256 rate; the stricter comparison with "
              + "our own raw keccak is printed too)")
    }
}

/// `--database-url`, or a temporary embedded PostgreSQL.
struct DatabaseOptions: ParsableArguments {
    @Option(help: ArgumentHelp("PostgreSQL URL (superuser, empty database). Default: start a temporary embedded "
                                   + "server (initdb in a temporary directory; removed afterwards). Env: SETTLEMENT_DATABASE_URL.",
                               valueName: "url"))
    var databaseURL: String?

    @Option(help: ArgumentHelp("Directory for the temporary server and data files (default: the system's).",
                               valueName: "dir"))
    var workDir: String?

    /// The URL, starting an embedded server when none was given; `body` gets the URL and a
    /// directory the server can read. The embedded server is stopped and removed afterwards.
    func withDatabase<R>(_ body: (_ url: String, _ workDirectory: String) async throws -> R) async throws -> R {
        let root = try makeWorkDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        if let url = databaseURL ?? ProcessInfo.processInfo.environment["SETTLEMENT_DATABASE_URL"] {
            return try await body(url, root)
        }
        let server = EmbeddedPostgres(.init(dataDirectory: root + "/pgdata", testMode: false))
        note("starting a temporary PostgreSQL in \(root) ...")
        try await server.start()
        EmbeddedCleanup.arm(server, directory: root)
        let url = await server.url()
        note("PostgreSQL ready at \(url) (durable settings: fsync and synchronous_commit on)")
        do {
            let r = try await body(url, root)
            try? await server.stop()
            EmbeddedCleanup.disarm()
            return r
        } catch {
            try? await server.stop()
            EmbeddedCleanup.disarm()
            throw error
        }
    }

    /// A fresh directory traversable by the server's account (it may run as another user).
    private func makeWorkDirectory() throws -> String {
        let base = workDir ?? NSTemporaryDirectory()
        var template = Array(((base.hasSuffix("/") ? base : base + "/") + "settlement-bench-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw BenchError("cannot create a directory under \(base)") }
        let path = String(cString: made)
        chmod(path, 0o755)
        return path
    }
}

/// Stops the embedded server and removes its directory when the benchmark is interrupted
/// (SIGINT, SIGTERM), so no stray postgres is left running.
enum EmbeddedCleanup {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    static func arm(_ server: EmbeddedPostgres, directory: String) {
        lock.lock()
        defer { lock.unlock() }
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler {
                note("interrupted: stopping the temporary PostgreSQL")
                server.stopImmediately()
                try? FileManager.default.removeItem(atPath: directory)
                exit(130)
            }
            s.resume()
            sources.append(s)
        }
    }

    static func disarm() {
        lock.lock()
        defer { lock.unlock() }
        for s in sources { s.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

/// `settlement-bench copy`: `PostgresBenchmark` (binary COPY) with a side-by-side summary.
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Binary COPY through our libpq client vs the server loading the same file (and psql \\copy).")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Rows per load.")
    var rows = 1_000_000

    @Option(help: "Repetitions of each path (the best is kept).")
    var repetitions = 3

    @Flag(help: "Print one JSON document instead of the tables.")
    var json = false

    func validate() throws {
        guard rows > 0, repetitions > 0 else { throw ValidationError("--rows and --repetitions must be positive") }
    }

    func run() async throws {
        try await runReportingErrors {
            let c = try await database.withDatabase { url, dir in
                try await PostgresBenchmark.measureCopyThroughput(url: url, rows: rows, repetitions: repetitions,
                                                                  workDirectory: dir)
            }
            if json {
                func f(_ x: PostgresBenchmark.Figures) -> [String: Any] {
                    ["label": x.label, "rows": x.rows, "bytes": x.bytes, "seconds": x.seconds,
                     "rowsPerSecond": x.rowsPerSecond, "megabytesPerSecond": x.megabytesPerSecond]
                }
                var o: [String: Any] = ["benchmark": "copy", "ours": f(c.ours), "serverFile": f(c.serverFile),
                                        "ratio": c.ratio]
                if let p = c.psql {
                    o["psql"] = f(p)
                    o["ratioPsql"] = c.ours.rowsPerSecond / p.rowsPerSecond
                }
                printJSON(o)
                return
            }
            print(c.description)
            print("")
            var table = [["path", "ours", "machine's limit", "limit is", "ratio"],
                         ["binary COPY of \(Fmt.grouped(Double(rows))) rows", Fmt.rate(c.ours.rowsPerSecond) + " rows",
                          Fmt.rate(c.serverFile.rowsPerSecond) + " rows", "server-side COPY FROM file", Fmt.ratio(c.ratio)]]
            if let p = c.psql {
                table.append(["", "", Fmt.rate(p.rowsPerSecond) + " rows", "psql \\copy (libpq C)",
                              Fmt.ratio(c.ours.rowsPerSecond / p.rowsPerSecond)])
            }
            print(Fmt.columns(table))
        }
    }
}

/// `settlement-bench store`: `StoreBenchmark` (durable batch commits) with a side-by-side summary.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "PostgresSettlementStore.commit per batch vs raw COPY of the same rows.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Batches to commit.")
    var batches = 50

    @Option(help: "Transactions per batch.")
    var batchSize = 1_000

    @Flag(help: "Print one JSON document instead of the tables.")
    var json = false

    func validate() throws {
        guard batches > 0, batchSize > 0 else { throw ValidationError("--batches and --batch-size must be positive") }
    }

    func run() async throws {
        try await runReportingErrors {
            let r = try await database.withDatabase { url, _ in
                try await StoreBenchmark.measure(url: url, batches: batches, batchSize: batchSize)
            }
            let all = [r.store, r.rawOneStream, r.rawPerBatch, r.indexedPerBatch, r.foreignKeyPerBatch]
            if json {
                printJSON(["benchmark": "store", "batches": batches, "batchSize": batchSize,
                           "figures": all.map { f -> [String: Any] in
                               var o: [String: Any] = ["label": f.label, "transactions": f.transactions, "seconds": f.seconds,
                                                       "transactionsPerSecond": f.transactionsPerSecond,
                                                       "batchesPerSecond": f.batchesPerSecond]
                               if !f.latencies.isEmpty {
                                   o["batchP50Ms"] = f.latencies[f.latencies.count / 2] * 1000
                                   o["batchP99Ms"] = f.latencies[min(f.latencies.count - 1, f.latencies.count * 99 / 100)] * 1000
                               }
                               return o
                           },
                           "ratioStoreToRawOneStream": r.store.transactionsPerSecond / r.rawOneStream.transactionsPerSecond,
                           "ratioStoreToRawPerBatch": r.store.transactionsPerSecond / r.rawPerBatch.transactionsPerSecond])
                return
            }
            print(r.description)
            print("")
            print(Fmt.columns([
                ["path", "ours", "machine's limit", "limit is", "ratio"],
                ["store commit (\(batchSize) tx/batch)", Fmt.rate(r.store.transactionsPerSecond) + " tx",
                 Fmt.rate(r.rawOneStream.transactionsPerSecond) + " tx", "raw COPY, one stream, no index",
                 Fmt.ratio(r.store.transactionsPerSecond / r.rawOneStream.transactionsPerSecond)],
                ["", "", Fmt.rate(r.rawPerBatch.transactionsPerSecond) + " tx", "raw COPY + durable commit per batch",
                 Fmt.ratio(r.store.transactionsPerSecond / r.rawPerBatch.transactionsPerSecond)],
            ]))
        }
    }
}

/// Runs `body` on a new thread whose signal mask is empty, and returns its result. Child
/// processes started there (e.g. `openssl speed`, which times itself with SIGALRM) receive
/// signals normally, unlike children of the Swift concurrency pool's threads, which block them.
func onSignalFriendlyThread<R: Sendable>(_ body: @escaping @Sendable () -> R) async -> R {
    await withCheckedContinuation { (c: CheckedContinuation<R, Never>) in
        let t = Thread {
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            c.resume(returning: body())
        }
        t.stackSize = 8 << 20
        t.start()
    }
}
