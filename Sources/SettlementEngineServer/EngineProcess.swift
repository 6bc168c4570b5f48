import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GRPC
import Logging
import Persistence
import PostgresDriver
import Settlement
import SettlementAPI
import SettlementNode
import SimulatedL1

/// The engine process once its settings are resolved: builds the database, the store, the node
/// (whose L1 connector opens the simulator) and the gRPC servers around it, runs until SIGINT or
/// SIGTERM, and stops everything in the reverse order (`ShutdownStack`).
///
/// Start order: PostgreSQL (embedded or configured) → store → node object → gRPC servers (before
/// the node starts, so the advertised endpoint is live before this replica can lead) → node
/// (engine, L1, finality, watchers) → the L1 admin calls → health SERVING and the listening lines.
/// A failure at any step unwinds what has started and exits 1 (2 for invalid settings).
struct EngineProcess {
    let settings: EngineSettings
    let logger: Logger

    init(settings: EngineSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    func run() async throws {
        let running = ShutdownStack(logger: logger)
        let conninfo = try await startDatabase(running)
        if let validator = settings.validator {
            do {
                try await ValidatorMode.run(validator, l1: settings.l1, settings: settings.settlement, genesis: settings.genesis,
                                            conninfo: conninfo, server: settings.server, logger: logger)
            } catch {
                logger.critical("validator failed", metadata: ["error": "\(error)"])
                await running.unwind(grace: .zero)
                throw ExitCode(1)
            }
            await running.unwind(grace: .zero)
            return
        }
        let store = PostgresSettlementStore(conninfo: conninfo, logger: Logger(label: "persistence"))
        running.push("store") { _ in await store.close() }
        let simulatorSlot = SimulatorSlot()
        running.push("L1 simulator") { _ in
            guard let simulator = simulatorSlot.value else { return }
            await simulator.stop()
            await simulator.close()
        }
        let node: SettlementNode
        do {
            node = try makeNode(store: store, conninfo: conninfo, simulatorSlot: simulatorSlot)
        } catch {
            logger.critical("invalid settings", metadata: ["error": "\(error)"])
            await running.unwind(grace: .zero)
            throw ExitCode(2)
        }
        running.push("node") { _ in await node.stop() }
        let api: EngineServers
        do {
            api = try EngineServers(settings: settings, engine: node.engine, logger: logger)
            try api.start(running)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            await running.unwind(grace: .zero)
            throw ExitCode(1)
        }
        // The node starts the engine, then the L1 (the simulator, through the connector), the
        // finality engine and the L1 watchers (SettlementNode).
        do {
            try await node.start()
            MemoryTrim.releaseFreedMemory()
        } catch {
            logger.critical("cannot start the settlement node", metadata: ["error": "\(error)"])
            await running.unwind(grace: .zero)
            throw ExitCode(1)
        }
        guard let simulator = simulatorSlot.value else {
            await running.unwind(grace: .zero)
            throw ExitCode(1)
        }
        let l1 = settings.l1
        logger.info("L1 simulator running", metadata: ["block_time_ms": "\(l1.blockTimeMs)", "seed": "\(l1.seed)",
                                                       "proposer": "\(l1.proposer)"])
        api.attach(simulator: simulator, reorgInjection: settings.settlement.l1ReorgInjection)
        logger.info("replica", metadata: ["id": "\(settings.replication.replicaId)",
                                          "endpoint": "\(node.engine.advertisedEndpointValue)",
                                          "forward_trust": "\(settings.clusterSecret == nil ? "re-verify" : "cluster secret")"])
        api.announceServing()

        let signal = await ShutdownSignal.wait()
        logger.info("shutting down", metadata: ["signal": "\(signal)"])
        api.health.shutdown()
        // Unwinds: the servers stop taking calls (open ones drain), the node stops (its L1 duties,
        // then the engine, which makes every closed batch durable), the simulated L1 stops, the
        // store closes, then the embedded database.
        await running.unwind(grace: .seconds(settings.shutdownGraceSeconds))
    }

    /// The configured PostgreSQL, or a private one under --data-dir (its stop pushed on `running`).
    private func startDatabase(_ running: ShutdownStack) async throws -> String {
        if let url = settings.databaseURL { return url }
        let dir = URL(fileURLWithPath: settings.dataDir, isDirectory: true).appendingPathComponent("postgres").path
        let pg = EmbeddedPostgres(.init(dataDirectory: dir))
        do {
            try await pg.start()
        } catch {
            logger.critical("cannot start the embedded PostgreSQL", metadata: ["data_dir": "\(dir)", "error": "\(error)"])
            throw ExitCode(1)
        }
        let port = await pg.port
        logger.info("embedded PostgreSQL running", metadata: ["data_dir": "\(dir)", "port": "\(port)"])
        let logger = self.logger
        running.push("embedded PostgreSQL") { _ in
            do { try await pg.stop() } catch { logger.error("embedded PostgreSQL stop failed", metadata: ["error": "\(error)"]) }
        }
        return await pg.url()
    }

    /// The node over `store`. Every engine takes part in the lease, alone or with replicas. The L1
    /// simulator (a simulated chain in the same PostgreSQL, shared by the replicas) is built when
    /// the node starts: its configuration needs the genesis root the store then holds.
    private func makeNode(store: PostgresSettlementStore, conninfo: String, simulatorSlot: SimulatorSlot) throws -> SettlementNode {
        let config = settings.settlement
        let replication = settings.replication
        let l1Options = settings.l1
        var nodeSettings = SettlementNodeSettings(finality: l1Options.finalitySettings(config),
                                                  depositSafeDepth: l1Options.depositSafeDepth, replication: replication)
        nodeSettings.forwarder.clusterSecret = settings.clusterSecret
        nodeSettings.forwarder.capacity = config.maxPendingTransactions
        if settings.server.tls != nil { nodeSettings.forwarder.tls = .init(insecureSkipVerify: true) }
        return try SettlementNode(config: config, genesis: settings.genesis, store: store, settings: nodeSettings,
                                  logger: Logger(label: "settlement")) { genesisRoot, domain in
            let simulator = L1Simulator(conninfo: conninfo,
                                        config: l1Options.simulatorConfig(settings: config, domain: domain, genesisRoot: genesisRoot,
                                                                          producerID: replication.replicaId),
                                        logger: Logger(label: "l1.simulator"))
            simulatorSlot.set(simulator)
            try await simulator.open()
            try await simulator.start()
            return simulator
        }
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
