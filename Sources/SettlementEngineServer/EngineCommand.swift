import ArgumentParser
import PostgresDriver

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Persistence
import GRPC
import SettlementAPI
import Settlement
import SimulatedL1
import SettlementNode
import BuildInfo

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
        let address = resolved.listen
        let config = resolved.server
        let settings = resolved.settlement
        var genesis: Genesis? = resolved.genesis  // released once the engine has written or checked it: it can be large

        // PostgreSQL: the configured server, or a private one under --data-dir.
        var embedded: EmbeddedPostgres?
        let conninfo: String
        if let url = resolved.databaseURL {
            conninfo = url
        } else {
            let dir = URL(fileURLWithPath: resolved.dataDir, isDirectory: true).appendingPathComponent("postgres").path
            let pg = EmbeddedPostgres(.init(dataDirectory: dir))
            do {
                try await pg.start()
            } catch {
                logger.critical("cannot start the embedded PostgreSQL", metadata: ["data_dir": "\(dir)", "error": "\(error)"])
                throw ExitCode(1)
            }
            let pgPort = await pg.port
            logger.info("embedded PostgreSQL running", metadata: ["data_dir": "\(dir)", "port": "\(pgPort)"])
            embedded = pg
            conninfo = await pg.url()
        }
        if let validator = resolved.validator {
            do {
                try await ValidatorMode.run(validator, l1: resolved.l1, settings: settings, genesis: genesis!,
                                            conninfo: conninfo, server: config, logger: logger)
            } catch {
                logger.critical("validator failed", metadata: ["error": "\(error)"])
                try? await embedded?.stop()
                throw ExitCode(1)
            }
            try? await embedded?.stop()
            return
        }
        let store = PostgresSettlementStore(conninfo: conninfo, logger: Logger(label: "persistence"))
        // Every engine takes part in the lease, alone or with replicas: the server starts first so
        // that the advertised endpoint is live before this replica can become the sequencer.
        let replication = resolved.replication
        let clusterSecret = resolved.clusterSecret
        let l1Options = resolved.l1
        var nodeSettings = SettlementNodeSettings(finality: l1Options.finalitySettings(settings),
                                                  depositSafeDepth: l1Options.depositSafeDepth, replication: replication)
        nodeSettings.forwarder.clusterSecret = clusterSecret
        nodeSettings.forwarder.capacity = settings.maxPendingTransactions
        if config.tls != nil { nodeSettings.forwarder.tls = .init(insecureSkipVerify: true) }
        // The L1 simulator (a simulated chain in the same PostgreSQL, shared by the replicas) is
        // built when the node starts: its configuration needs the genesis root the store then holds.
        let simulatorSlot = SimulatorSlot()
        let node: SettlementNode
        do {
            node = try SettlementNode(config: settings, genesis: genesis!, store: store, settings: nodeSettings,
                                      logger: Logger(label: "settlement")) { genesisRoot, domain in
                let simulator = L1Simulator(conninfo: conninfo,
                                            config: l1Options.simulatorConfig(settings: settings, domain: domain, genesisRoot: genesisRoot,
                                                                              producerID: replication.replicaId),
                                            logger: Logger(label: "l1.simulator"))
                simulatorSlot.set(simulator)
                try await simulator.open()
                try await simulator.start()
                return simulator
            }
            genesis = nil
        } catch {
            logger.critical("invalid settings", metadata: ["error": "\(error)"])
            await store.close()
            try? await embedded?.stop()
            throw ExitCode(2)
        }
        let engine = node.engine

        let health = HealthService()
        let settlementService = SettlementService(engine: engine, configuration: resolved.service)
        var validatorConfig = ValidatorService.Configuration()
        validatorConfig.confirmationDepth = settings.l1ConfirmationDepth
        validatorConfig.adminCalls = settings.production ? .refusedInProduction : .refusedOnThisListener
        let validatorService = ValidatorService(engine: engine, configuration: validatorConfig)
        var services: [any RPCService] = [health, settlementService, validatorService,
                                          SequencerForwardService(engine: engine, clusterSecret: clusterSecret)]
        services.append(try ReflectionService(services: [health, settlementService, validatorService]))
        let server = RPCServer(configuration: config, services: services, logger: logger)
        // The admin listener: the same Validator service, serving the calls that act on the L1
        // as any address (AdminOptions). Never opened in production.
        var adminService: ValidatorService?
        var adminServer: RPCServer?
        if let adminAddress = resolved.admin {
            validatorConfig.adminCalls = .served
            let service = ValidatorService(engine: engine, configuration: validatorConfig)
            var adminConfig = config
            adminConfig.host = adminAddress.host
            adminConfig.port = adminAddress.port
            adminConfig.eventLoops = 1
            adminServer = RPCServer(configuration: adminConfig, services: [health, service, try ReflectionService(services: [health, service])],
                                    logger: logger)
            adminService = service
        }
        do {
            try server.start()
            try adminServer?.start()
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            await server.shutdown(grace: .seconds(0))
            await node.stop()
            await store.close()
            try? await embedded?.stop()
            throw ExitCode(1)
        }
        if address.port == 0 && !resolved.advertiseGiven {
            let host = replication.endpoint[..<(replication.endpoint.lastIndex(of: ":") ?? replication.endpoint.endIndex)]
            engine.advertise(endpoint: "\(host):\(server.port)")
        }
        // The node starts the engine, then the L1 (the simulator above), the finality engine and
        // the L1 watchers (SettlementNode).
        do {
            try await node.start()
            MemoryTrim.releaseFreedMemory()
        } catch {
            logger.critical("cannot start the settlement node", metadata: ["error": "\(error)"])
            await server.shutdown(grace: .seconds(0))
            await adminServer?.shutdown(grace: .seconds(0))
            await node.stop()
            if let simulator = simulatorSlot.value {
                await simulator.stop()
                await simulator.close()
            }
            await store.close()
            try? await embedded?.stop()
            throw ExitCode(1)
        }
        guard let simulator = simulatorSlot.value else { throw ExitCode(1) }
        logger.info("L1 simulator running", metadata: ["block_time_ms": "\(l1Options.blockTimeMs)", "seed": "\(l1Options.seed)",
                                                       "proposer": "\(l1Options.proposer)"])
        var reorgInjector: ValidatorService.ReorgInjector?
        if settings.l1ReorgInjection {
            logger.warning("L1 reorg injection is on (test and demo only)")
            reorgInjector = { (depth: Int, drop: Bool, extra: Int) async throws -> L1BlockHeader in
                try await simulator.reorg(depth: depth, dropTransactions: drop, extraBlocks: extra)
                return try await simulator.head()
            }
        }
        validatorService.attach(l1: simulator)
        adminService?.attach(l1: simulator, reorgInjector: reorgInjector)
        logger.info("replica", metadata: ["id": "\(replication.replicaId)", "endpoint": "\(engine.advertisedEndpointValue)",
                                          "forward_trust": "\(clusterSecret == nil ? "re-verify" : "cluster secret")"])
        health.setStatus(.serving, for: "")
        health.setStatus(.serving, for: settlementService.serviceName)
        health.setStatus(.serving, for: validatorService.serviceName)
        // Tooling reads the bound ports from these lines (useful with port 0); the admin line first.
        if let adminServer {
            print("settlement-engine admin listening on \(adminServer.configuration.host):\(adminServer.port)")
        }
        print("settlement-engine listening on \(address.host):\(server.port)")
        fflush(nil)

        let signal = await ShutdownSignal.wait()
        logger.info("shutting down", metadata: ["signal": "\(signal)"])
        health.shutdown()
        // Order: stop taking calls (open ones drain), stop the node (its L1 duties, then the engine,
        // which makes every closed batch durable), stop the simulated L1, then close the database.
        await server.shutdown(grace: .seconds(resolved.shutdownGraceSeconds))
        await adminServer?.shutdown(grace: .seconds(resolved.shutdownGraceSeconds))
        await node.stop()
        await simulator.stop()
        await simulator.close()
        await store.close()
        if let embedded {
            do { try await embedded.stop() } catch { logger.error("embedded PostgreSQL stop failed", metadata: ["error": "\(error)"]) }
        }
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

/// Holds the L1 simulator that the node's L1 connector builds at start, for the admin calls and
/// the ordered shutdown.
final class SimulatorSlot: Sendable {
    private let slot = Lock<L1Simulator?>(nil)
    func set(_ simulator: L1Simulator) { slot.withLock { $0 = simulator } }
    var value: L1Simulator? { slot.withLock { $0 } }
}

/// Gives memory freed after start-up (genesis parsing, the replay) back to the system.
enum MemoryTrim {
    static func releaseFreedMemory() {
        #if canImport(Glibc)
        // glibc's malloc_trim is not in Swift's Glibc module map; look it up instead.
        typealias Trim = @convention(c) (Int) -> Int32
        if let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
            _ = unsafeBitCast(sym, to: Trim.self)(0)
        }
        #endif
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
