import Foundation
import PostgresDriver

/// Throughput of bulk loading by binary COPY: our client path (`PostgresConnection.copyIn`, rows
/// encoded from memory and streamed over the socket) against the same bytes loaded by the server
/// from a file (`COPY ... FROM 'file'`, no client or protocol in the way: the machine's limit) and,
/// when `psql` is available, by `psql \copy` (libpq's C client streaming the file).
///
/// Row shape (a transaction row): `a bytea` (32), `b bytea` (20), `c bytea` (20), `d int8`,
/// `e int8`; table without indexes, logged (WAL included, as in production).
public enum PostgresBenchmark {
    public struct Figures: Sendable, CustomStringConvertible {
        public let label: String
        public let rows: Int
        /// Size of the binary COPY stream.
        public let bytes: Int
        /// Best (shortest) of the repetitions.
        public let seconds: Double

        public var rowsPerSecond: Double { Double(rows) / seconds }
        public var megabytesPerSecond: Double { Double(bytes) / 1_000_000 / seconds }

        public var description: String {
            String(format: "%@: %d rows in %.3f s = %.0f rows/s, %.1f MB/s",
                   label, rows, seconds, rowsPerSecond, megabytesPerSecond)
        }
    }

    public struct CopyComparison: Sendable, CustomStringConvertible {
        public let ours: Figures
        public let serverFile: Figures
        public let psql: Figures?
        /// ours / server-side file load (1.0 = as fast as the server can ingest).
        public var ratio: Double { ours.rowsPerSecond / serverFile.rowsPerSecond }

        public var description: String {
            var lines = [ours.description, serverFile.description]
            if let psql { lines.append(psql.description) }
            lines.append(String(format: "ratio ours / server-side file: %.2f", ratio))
            if let psql {
                lines.append(String(format: "ratio ours / psql \\copy: %.2f", ours.rowsPerSecond / psql.rowsPerSecond))
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Measures the three paths on the database at `url` (must allow superuser `COPY FROM` a file,
    /// as `EmbeddedPostgres` does). `workDirectory` holds the data file and must be readable by
    /// the server's account. Each path runs `repetitions` times into a truncated table.
    public static func measureCopyThroughput(
        url: String, rows: Int = 1_000_000, repetitions: Int = 3, workDirectory: String,
        psqlPath: String? = defaultPsqlPath()
    ) async throws -> CopyComparison {
        let data = BenchmarkRows(count: rows)
        let file = workDirectory + "/copy-bench-\(getpid()).pgcopy"
        let bytes = try data.writeCopyFile(to: file)
        defer { unlink(file) }
        chmod(file, 0o644)

        let conn = try await PostgresConnection.connect(url)
        defer { Task { await conn.close() } }
        try await conn.execute("DROP TABLE IF EXISTS copy_bench; CREATE TABLE copy_bench (a bytea, b bytea, c bytea, d int8, e int8)")

        func best(_ run: () async throws -> Void) async throws -> Double {
            var best = Double.infinity
            for _ in 0..<max(1, repetitions) {
                try await conn.execute("TRUNCATE copy_bench")
                let start = ContinuousClock.now
                try await run()
                let d = ContinuousClock.now - start
                best = min(best, Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
                let loaded = try await conn.query("SELECT count(*) FROM copy_bench")
                guard try loaded[0].int64(0) == Int64(rows) else {
                    throw PostgresError(.protocolMismatch, "benchmark loaded \(try loaded[0].int64(0)) rows, expected \(rows)")
                }
            }
            return best
        }

        let ours = try await best {
            try await conn.copyIn(table: "copy_bench", columns: ["a", "b", "c", "d", "e"]) { (w) throws(PostgresError) in
                try data.encode(into: &w)
            }
        }
        let quoted = file.replacingOccurrences(of: "'", with: "''")
        let server = try await best {
            try await conn.execute("COPY copy_bench FROM '\(quoted)' (FORMAT binary)")
        }
        var psqlFigures: Figures?
        if let psqlPath {
            let seconds = try await best {
                try await runPsql(psqlPath, url: url, command: "\\copy copy_bench FROM '\(quoted)' (FORMAT binary)")
            }
            psqlFigures = Figures(label: "psql \\copy (libpq C client)", rows: rows, bytes: bytes, seconds: seconds)
        }
        try await conn.execute("DROP TABLE copy_bench")
        return CopyComparison(
            ours: Figures(label: "PostgresConnection.copyIn (binary)", rows: rows, bytes: bytes, seconds: ours),
            serverFile: Figures(label: "server-side COPY FROM file", rows: rows, bytes: bytes, seconds: server),
            psql: psqlFigures)
    }

    /// Runs `measureCopyThroughput` and prints the figures and ratios.
    @discardableResult
    public static func runCopyBenchmark(
        url: String, rows: Int = 1_000_000, repetitions: Int = 3, workDirectory: String
    ) async throws -> CopyComparison {
        let result = try await measureCopyThroughput(url: url, rows: rows, repetitions: repetitions,
                                                     workDirectory: workDirectory)
        print(result)
        return result
    }

    /// `psql` next to the server binaries, else /usr/bin/psql, else nil.
    public static func defaultPsqlPath() -> String? {
        let candidates = [EmbeddedPostgres.findBinDirectory().map { $0 + "/psql" }, "/usr/bin/psql"].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private static func runPsql(_ psql: String, url: String, command: String) async throws {
        let log = NSTemporaryDirectory() + "copy-bench-psql-\(getpid()).log"
        defer { unlink(log) }
        let outcome = try await BlockingThread.run { () throws(PostgresError) in
            try Subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", command], asUser: nil, log: log)
        }
        guard outcome.status == 0 else { throw PostgresError(.statement, "psql failed: \(outcome.logTail)") }
    }
}

/// Deterministic pseudo-random rows of the benchmark shape in one flat buffer.
struct BenchmarkRows: Sendable {
    static let bytesPerRow = 32 + 20 + 20
    let count: Int
    let flat: [UInt8]
    let numbers: [Int64]

    init(count: Int) {
        self.count = count
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {  // xorshift64*
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
        var flat = [UInt8](repeating: 0, count: count * Self.bytesPerRow)
        flat.withUnsafeMutableBytes { raw in
            var i = 0
            while i + 8 <= raw.count {
                raw.storeBytes(of: next(), toByteOffset: i, as: UInt64.self)
                i += 8
            }
        }
        self.flat = flat
        numbers = (0..<count * 2).map { _ in Int64(bitPattern: next() >> 1) }
    }

    func encode(into w: inout BinaryCopyWriter) throws(PostgresError) {
        for i in 0..<count {
            let base = i * Self.bytesPerRow
            try w.beginRow()
            try w.write(bytes: flat[base..<base + 32])
            try w.write(bytes: flat[base + 32..<base + 52])
            try w.write(bytes: flat[base + 52..<base + 72])
            try w.write(int64: numbers[2 * i])
            try w.write(int64: numbers[2 * i + 1])
        }
    }

    /// Writes the rows as a binary COPY file; returns its size.
    func writeCopyFile(to path: String) throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw PostgresError(.invalidArgument, "cannot create \(path)")
        }
        defer { try? handle.close() }
        var writer = BinaryCopyWriter(fieldCount: 5) { bytes in handle.write(Data(bytes)) }
        try encode(into: &writer)
        try writer.finish()
        return writer.byteCount
    }
}
