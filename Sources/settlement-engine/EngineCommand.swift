import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Persistence
import RPC
import Settlement

/// `settlement-engine`: serves the settlement API over gRPC. Every option can also come from the
/// environment (`SETTLEMENT_<OPTION>`, upper case, dashes as underscores); flags win.
@main
struct EngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settlement-engine",
        abstract: "L2 settlement engine: gRPC API over HTTP/2 (h2c or TLS).",
        discussion: "Every option can also be set in the environment as SETTLEMENT_<OPTION> (upper case, "
            + "dashes as underscores, e.g. SETTLEMENT_LISTEN, SETTLEMENT_TLS_CERT); a flag wins over the environment. "
            + "SIGINT or SIGTERM stops the engine gracefully: GOAWAY to every client, then open calls drain.")

    @Option(help: "Address to serve on, HOST:PORT (IPv6 as [::1]:PORT). Env: SETTLEMENT_LISTEN.")
    var listen: String = Env.string("LISTEN") ?? "127.0.0.1:50051"

    @Option(help: "PEM certificate chain; with --tls-key serves TLS (ALPN h2). Env: SETTLEMENT_TLS_CERT.")
    var tlsCert: String?

    @Option(help: "PEM private key for --tls-cert. Env: SETTLEMENT_TLS_KEY.")
    var tlsKey: String?

    @Option(help: "Event-loop threads, 0 for one per core. Env: SETTLEMENT_EVENT_LOOPS.")
    var eventLoops: Int = Env.int("EVENT_LOOPS") ?? 0

    @Option(help: "Most simultaneous connections. Env: SETTLEMENT_MAX_CONNECTIONS.")
    var maxConnections: Int = Env.int("MAX_CONNECTIONS") ?? 10_000

    @Option(help: "HTTP/2 concurrent streams per connection. Env: SETTLEMENT_MAX_CONCURRENT_STREAMS.")
    var maxConcurrentStreams: Int = Env.int("MAX_CONCURRENT_STREAMS") ?? 256

    @Option(help: "Largest request message in bytes. Env: SETTLEMENT_MAX_MESSAGE_SIZE.")
    var maxMessageSize: Int = Env.int("MAX_MESSAGE_SIZE") ?? 4 << 20

    @Option(help: "Seconds before an idle connection is closed. Env: SETTLEMENT_IDLE_TIMEOUT.")
    var idleTimeout: Int = Env.int("IDLE_TIMEOUT") ?? 300

    @Option(help: "Seconds open calls may take to finish on shutdown. Env: SETTLEMENT_SHUTDOWN_GRACE.")
    var shutdownGrace: Int = Env.int("SHUTDOWN_GRACE") ?? 10

    @Option(help: "trace, debug, info, notice, warning, error or critical. Env: SETTLEMENT_LOG_LEVEL.")
    var logLevel: String = Env.string("LOG_LEVEL") ?? "info"

    @Option(help: "PostgreSQL URL (libpq conninfo). Env: DATABASE_URL or SETTLEMENT_DATABASE_URL. Without it the engine runs its own private PostgreSQL under --data-dir.")
    var databaseUrl: String?

    @Option(help: "Directory for the embedded PostgreSQL's data (used without --database-url). Env: SETTLEMENT_DATA_DIR.")
    var dataDir: String = Env.string("DATA_DIR") ?? ".data/engine"

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

    /// TLS files from the flags, else from the environment.
    private var tlsFiles: (cert: String?, key: String?) {
        (tlsCert ?? Env.string("TLS_CERT"), tlsKey ?? Env.string("TLS_KEY"))
    }

    func validate() throws {
        guard (tlsFiles.cert == nil) == (tlsFiles.key == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        guard ListenAddress(listen) != nil else {
            throw ValidationError("--listen must be HOST:PORT with a port in 0...65535, got \"\(listen)\"")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown --log-level \"\(logLevel)\"")
        }
        _ = try validatorMode.resolve()
        _ = try admin.resolve(production: false)
        for (name, v) in [("--event-loops", eventLoops), ("--max-connections", maxConnections),
                          ("--max-concurrent-streams", maxConcurrentStreams), ("--max-message-size", maxMessageSize),
                          ("--idle-timeout", idleTimeout), ("--shutdown-grace", shutdownGrace)] where v < 0 {
            throw ValidationError("\(name) must not be negative")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel)!
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "settlement-engine")
        let address = ListenAddress(listen)!
        var config = RPCServerConfiguration(host: address.host, port: address.port)
        config.eventLoops = eventLoops
        config.maxConnections = maxConnections
        config.maxConcurrentStreams = maxConcurrentStreams
        config.maxReceiveMessageSize = maxMessageSize
        config.idleTimeout = .seconds(idleTimeout)
        if let tlsCert = tlsFiles.cert, let tlsKey = tlsFiles.key {
            config.tls = .init(certificateChain: tlsCert, privateKey: tlsKey)
        }

        let settings: SettlementConfig
        var genesis: Genesis?  // released once the engine has written or checked it: it can be large
        do {
            (settings, genesis) = try settlement.resolve(defaultGenesis: Self.defaultGenesisPath())
        } catch {
            logger.critical("invalid settings", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }

        // PostgreSQL: the configured server, or a private one under --data-dir.
        var embedded: EmbeddedPostgres?
        let conninfo: String
        if let url = databaseUrl ?? ProcessInfo.processInfo.environment["DATABASE_URL"] ?? Env.string("DATABASE_URL") {
            conninfo = url
        } else {
            let dir = URL(fileURLWithPath: dataDir, isDirectory: true).appendingPathComponent("postgres").path
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
        if let validator = try validatorMode.resolve() {
            do {
                try await ValidatorMode.run(validator, l1: try l1.resolve(), settings: settings, genesis: genesis!,
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
        let (replication, clusterSecret) = replica.resolve(listenHost: address.host, listenPort: address.port,
                                                           embeddedDatabase: embedded != nil)
        var forwarderConfig = LeaderForwarder.Configuration()
        forwarderConfig.clusterSecret = clusterSecret
        forwarderConfig.capacity = settings.maxPendingTransactions
        if config.tls != nil { forwarderConfig.tls = .init(insecureSkipVerify: true) }
        let forwarder = LeaderForwarder(configuration: forwarderConfig, logger: Logger(label: "settlement.forwarder"))
        let engine: SettlementEngine
        do {
            engine = try SettlementEngine(config: settings, genesis: genesis!, store: store,
                                          replication: (replication, store, forwarder), logger: Logger(label: "settlement"))
            genesis = nil
        } catch {
            logger.critical("invalid settings", metadata: ["error": "\(error)"])
            await store.close()
            try? await embedded?.stop()
            throw ExitCode(2)
        }
        forwarder.attach(events: engine.events)

        let health = HealthService()
        let settlementService = SettlementService(engine: engine)
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
        if let adminAddress = try admin.resolve(production: settings.production) {
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
            await forwarder.close()
            await store.close()
            try? await embedded?.stop()
            throw ExitCode(1)
        }
        if address.port == 0 && replica.advertise == nil && Env.string("ADVERTISE") == nil {
            let host = replication.endpoint[..<(replication.endpoint.lastIndex(of: ":") ?? replication.endpoint.endIndex)]
            engine.advertise(endpoint: "\(host):\(server.port)")
        }
        do {
            try await engine.start()
            MemoryTrim.releaseFreedMemory()
        } catch {
            logger.critical("cannot start the settlement engine", metadata: ["error": "\(error)"])
            await server.shutdown(grace: .seconds(0))
            await adminServer?.shutdown(grace: .seconds(0))
            await forwarder.close()
            await store.close()
            try? await embedded?.stop()
            throw ExitCode(1)
        }
        let l1Settlement: L1Settlement
        do {
            l1Settlement = try await L1Settlement.start(options: try l1.resolve(), settings: settings, engine: engine, store: store,
                                                        conninfo: conninfo, replicaId: replication.replicaId, logger: logger)
        } catch {
            logger.critical("cannot start the L1 simulator", metadata: ["error": "\(error)"])
            await server.shutdown(grace: .seconds(0))
            await adminServer?.shutdown(grace: .seconds(0))
            await engine.stop()
            await forwarder.close()
            await store.close()
            try? await embedded?.stop()
            throw ExitCode(1)
        }
        let simulator = l1Settlement.simulator
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
        // Order: stop taking calls (open ones drain), make every closed batch durable, then
        // close the database.
        await server.shutdown(grace: .seconds(shutdownGrace))
        await adminServer?.shutdown(grace: .seconds(shutdownGrace))
        await l1Settlement.stop()
        await engine.stop()
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

/// Reads `SETTLEMENT_*` environment variables.
enum Env {
    static func string(_ key: String) -> String? {
        ProcessInfo.processInfo.environment["SETTLEMENT_" + key].flatMap { $0.isEmpty ? nil : $0 }
    }
    static func int(_ key: String) -> Int? { string(key).flatMap(Int.init) }
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
