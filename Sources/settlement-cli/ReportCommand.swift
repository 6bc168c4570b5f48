import ArgumentParser
import Foundation
import PostgresDriver
import Reporting

/// `settlement report`: reads the reporting functions (migration 0004) straight from the
/// engine's PostgreSQL, not through the gRPC API: throughput, latency percentiles, state size,
/// leader terms, finality and challenges over a time range, as text tables and optionally as a
/// self-contained HTML page with SVG charts.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Report throughput, latency, state size, leadership, finality and challenges from PostgreSQL.",
        discussion: """
            Reads the database directly (read-only): --database-url (or DATABASE_URL, SETTLEMENT_DATABASE_URL), \
            else the embedded PostgreSQL that settlement-engine runs under --data-dir, found through its \
            postmaster.pid (the engine must be running).

            Times: ISO-8601 (2024-05-01T12:00:00Z, 2024-05-01 12:00:00+02:00, 2024-05-01; UTC without a zone), \
            now, or an offset from now (-1h, -15m, -1h30m). The range is [from, to). Buckets: 500ms, 1s, 10s, \
            1m, 1h, 1d...; by default about 60 buckets over the range, at most 10000.

            Exit codes: 0 success; 2 the database refused a query (for example a schema without the reporting \
            functions); 3 the database could not be reached; 4 the HTML file could not be written; 64 bad usage.
            """)

    @Option(help: ArgumentHelp("PostgreSQL URL or conninfo. Env: DATABASE_URL or SETTLEMENT_DATABASE_URL.",
                               valueName: "url"))
    var databaseUrl: String?

    @Option(help: ArgumentHelp("The engine's data directory, whose embedded PostgreSQL is read without --database-url. "
                               + "Env: SETTLEMENT_DATA_DIR.",
                               valueName: "dir"))
    var dataDir: String = Self.environment("SETTLEMENT_DATA_DIR") ?? ".data/engine"

    @Option(parsing: .unconditional, help: ArgumentHelp("Start of the range (inclusive).", valueName: "time"))
    var from: String = "-1h"

    @Option(parsing: .unconditional, help: ArgumentHelp("End of the range (exclusive).", valueName: "time"))
    var to: String = "now"

    @Option(help: ArgumentHelp("Bucket width of the series (default: about 60 buckets).", valueName: "duration"))
    var bucket: String?

    @Option(help: ArgumentHelp("Also write a self-contained HTML report with charts to this file.", valueName: "file"))
    var html: String?

    func validate() throws {
        do throws(ReportError) {
            _ = try range(now: Date())
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// The validated range; relative times count from `now`.
    func range(now: Date) throws(ReportError) -> ReportRange {
        let start = try ReportTimeSyntax.time(from, now: now)
        let end = try ReportTimeSyntax.time(to, now: now)
        if let bucket { return try ReportRange(from: start, to: end, bucket: try ReportTimeSyntax.duration(bucket)) }
        return try ReportRange(from: start, to: end)
    }

    func run() async throws {
        let range: ReportRange
        do throws(ReportError) { range = try self.range(now: Date()) } catch { throw ValidationError(error.description) }
        let report: SettlementReport
        do throws(PostgresError) {
            let connection = try await PostgresConnection.connect(try conninfo())
            do throws(PostgresError) {
                report = try await SettlementReportLoader().load(range, on: connection)
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
        } catch {
            let unreachable = error.kind == .connection || error.kind == .embeddedServer
            printError("report: \(error.message)" + (unreachable ? "\nhint: " + hint : ""))
            throw ExitCode(unreachable ? 3 : 2)
        }
        print(ReportText.render(report), terminator: "")
        if let html {
            do {
                try Data(ReportHTML.render(report).utf8).write(to: URL(fileURLWithPath: html), options: .atomic)
            } catch {
                printError("cannot write \(html): \(error.localizedDescription)")
                throw ExitCode(4)
            }
            print("\nHTML report written to \(html)")
        }
    }

    private var hint: String {
        usesURL ? "check --database-url / DATABASE_URL"
            : "is settlement-engine running with --data-dir \(dataDir)? Or pass --database-url URL"
    }

    private var url: String? {
        databaseUrl ?? Self.environment("DATABASE_URL") ?? Self.environment("SETTLEMENT_DATABASE_URL")
    }

    private var usesURL: Bool { url != nil }

    /// `--database-url`, the environment, or the embedded server under `--data-dir` (as the
    /// engine lays it out: `<data-dir>/postgres`, superuser `settlement`, database `postgres`).
    private func conninfo() throws(PostgresError) -> String {
        if let url { return url }
        let directory = URL(fileURLWithPath: dataDir, isDirectory: true).appendingPathComponent("postgres").path
        let server = try PostmasterPID.read(dataDirectory: directory)
        let superuser = EmbeddedPostgres.Configuration(dataDirectory: directory).superuser
        return server.connectionString(user: superuser, database: "postgres")
    }

    static func environment(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}
