import ArgumentParser

#if canImport(Glibc)
import Glibc
#endif
import BuildInfo
import Foundation
import Logging
import Settlement

/// `settlement-engine`: serves the settlement API over gRPC. Every option can also come from the
/// environment (`SETTLEMENT_<OPTION>`, upper case, dashes as underscores); flags win. The
/// executable's `main.swift` only calls `EngineCommand.main()`: the command lives in this library
/// so that tests and the fuzz targets can resolve settings exactly as the engine does.
public struct EngineCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "settlement-engine",
        abstract: "L2 settlement engine: gRPC API over HTTP/2 (h2c or TLS).",
        discussion: "Every option can also be set in the environment as SETTLEMENT_<OPTION> (upper case, "
            + "dashes as underscores, e.g. SETTLEMENT_LISTEN, SETTLEMENT_TLS_CERT); a flag wins over the environment. "
            + "SIGINT or SIGTERM stops the engine gracefully: GOAWAY to every client, then open calls drain.",
        version: BuildInfo.versionLine)

    @Option(help: "Address to serve on, HOST:PORT (IPv6 as [::1]:PORT; default 127.0.0.1:50051). Env: SETTLEMENT_LISTEN.")
    var listen: String?

    @Option(help: "PEM certificate chain; with --tls-key serves TLS (ALPN h2). Env: SETTLEMENT_TLS_CERT.")
    var tlsCert: String?

    @Option(help: "PEM private key for --tls-cert. Env: SETTLEMENT_TLS_KEY.")
    var tlsKey: String?

    @Option(help: "Event-loop threads, 0 for one per core (default 0). Env: SETTLEMENT_EVENT_LOOPS.")
    var eventLoops: Int?

    @Option(help: "Most simultaneous connections (default 10000). Env: SETTLEMENT_MAX_CONNECTIONS.")
    var maxConnections: Int?

    @Option(help: "HTTP/2 concurrent streams per connection (default 256). Env: SETTLEMENT_MAX_CONCURRENT_STREAMS.")
    var maxConcurrentStreams: Int?

    @Option(help: "Largest request message in bytes (default 4194304). Env: SETTLEMENT_MAX_MESSAGE_SIZE.")
    var maxMessageSize: Int?

    @Option(help: "Seconds before an idle connection is closed (default 300). Env: SETTLEMENT_IDLE_TIMEOUT.")
    var idleTimeout: Int?

    @Option(help: "Seconds open calls may take to finish on shutdown (default 10). Env: SETTLEMENT_SHUTDOWN_GRACE.")
    var shutdownGrace: Int?

    @Option(help: "trace, debug, info, notice, warning, error or critical (default info). Env: SETTLEMENT_LOG_LEVEL.")
    var logLevel: String?

    @Option(help: "PostgreSQL URL (libpq conninfo). Env: SETTLEMENT_DATABASE_URL or DATABASE_URL. Without it the engine runs its own private PostgreSQL under --data-dir. It may hold a password: prefer --database-url-file (refused on the command line with --production).")
    var databaseUrl: String?

    @Option(help: "File holding the PostgreSQL URL (one line). Env: SETTLEMENT_DATABASE_URL_FILE.")
    var databaseUrlFile: String?

    @Option(help: "Directory for the embedded PostgreSQL's data (used without --database-url; default .data/engine). Env: SETTLEMENT_DATA_DIR.")
    var dataDir: String?

    @OptionGroup(title: "Transport limits")
    var transport: TransportOptions

    @OptionGroup(title: "Settlement")
    var settlement: SettlementOptions

    @OptionGroup(title: "Replicas")
    var replica: ReplicaOptions

    @OptionGroup(title: "L1 (simulator)")
    var l1: L1Options

    @OptionGroup(title: "Validator mode")
    var validatorMode: ValidatorOptions

    @OptionGroup(title: "Admin listener")
    var admin: AdminOptions

    public init() {}

    /// What the executable runs: parses the process's arguments and runs the engine (or prints
    /// help, the version or the argument error and exits), as `AsyncParsableCommand.main()` does.
    public static func runFromCommandLine() async {
        do {
            var command = try parseAsRoot()
            if let engine = command as? EngineCommand {
                try await engine.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    /// Parses `arguments` and resolves them with `environment` (and the config file they name)
    /// as the engine does at start-up: nil when the settings are usable, else the message the
    /// engine would stop with. Starts nothing.
    public static func settingsProblem(arguments: [String], environment: [String: String]) -> String? {
        do {
            return try parse(arguments).settingsProblem(environment: environment)
        } catch {
            return "\(error)"
        }
    }

    /// This parsed command line resolved with `environment` (and the config file it names, read
    /// again on each call): nil when usable, else the engine's message. Lets a caller parse once
    /// and resolve many times (the fuzz target).
    public func settingsProblem(environment: [String: String]) -> String? {
        do {
            _ = try resolveSettings(environment: environment)
            return nil
        } catch {
            return "\(error)"
        }
    }

    public func run() async throws {
        let resolved: EngineSettings
        do {
            resolved = try resolveSettings()
        } catch {
            // Before logging is set up: a plain line on stderr, exit status 2 (usage).
            FileHandle.standardError.write(Data("settlement-engine: invalid settings: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let level = resolved.logLevel
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "settlement-engine")
        logger.info("starting", metadata: ["version": "\(BuildInfo.versionLine)"])
        if !resolved.unknownEnvironment.isEmpty {
            logger.warning("ignoring SETTLEMENT_* variables that name no setting", metadata: ["names": "\(resolved.unknownEnvironment.joined(separator: ","))"])
        }
        try await EngineProcess(settings: resolved, logger: logger).run()
    }
}

extension EngineCommand {
    /// Deploy/genesis.dev.json next to the working directory or the executable's checkout.
    static func defaultGenesisPath() -> String {
        let candidates = ["Deploy/genesis.dev.json",
                          URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
                              .appendingPathComponent("../../../Deploy/genesis.dev.json").standardized.path]
        return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? candidates[0]
    }
}

/// HOST:PORT, with IPv6 hosts in brackets.
struct ListenAddress {
    let host: String
    let port: Int
    init?(_ s: String) {
        guard let colon = s.lastIndex(of: ":") else { return nil }
        var h = String(s[..<colon])
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        guard !h.isEmpty, let p = Int(s[s.index(after: colon)...]), (0...65535).contains(p) else { return nil }
        host = h
        port = p
    }
}
