import Foundation
import GRPC
import Logging
import Persistence
import PostgresDriver
import Settlement
import SettlementAPI
import SimulatedL1

/// `settlement-engine --validator`: the process runs a `ValidatorNode` instead of an engine
/// replica. It joins the L1 simulator on the same database as the engine (same genesis, L1 and
/// settlement options, so the same arbiter configuration: `open()` refuses a mismatch), takes
/// part in producing its blocks like any replica, and serves gRPC health only: no sequencer, no
/// settlement API, and it reads nothing of the engine's tables — its state comes from the
/// genesis file and the L1 commitments' data alone.
///
/// A mode of the engine's executable rather than its own executable: it reuses the option
/// parsing (genesis, chain rules, L1 options, database), start-up and shutdown as they are.
enum ValidatorMode {
    static func run(_ options: ValidatorOptions.Resolved, l1: L1Options.Resolved, settings: SettlementConfig, genesis: Genesis,
                    conninfo: String, server config: RPCServerConfiguration, logger: Logger) async throws {
        let connection = try await PostgresConnection.connect(conninfo)
        do { _ = try await Migrator().migrate(on: connection) } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        let genesisState = StateManager()
        genesisState.apply(diff: genesis.stateDiff)
        let producer = "validator-\(options.address)"
        let simulator = L1Simulator(conninfo: conninfo, config: l1.simulatorConfig(settings: settings, domain: SigningDomain(genesis: genesis),
                                                                                 genesisRoot: genesisState.root,
                                                                                 producerID: producer),
                                    logger: Logger(label: "l1.simulator"))
        try await simulator.open()
        try await simulator.start()
        let node = ValidatorNode(settings: ValidatorNode.Settings(address: options.address, stake: options.stake,
                                                                  challengeBond: options.bond, rules: settings.transitionRules(SigningDomain(genesis: genesis))),
                                 l1: simulator, state: genesisState.tree, logger: Logger(label: "settlement.validator"))
        let health = HealthService()
        let server = RPCServer(configuration: config, services: [health], logger: logger)
        do { try server.start() } catch {
            await simulator.stop()
            await simulator.close()
            throw error
        }
        let task = Task { await node.run() }
        health.setStatus(.serving, for: "")
        // A validator that cannot follow the L1 says so in its health (NOT_SERVING), not only in
        // its log: monitoring watches health.
        let watch = Task {
            var alarmed = false
            while !Task.isCancelled {
                let alarm = await node.alarm
                if (alarm != nil) != alarmed {
                    alarmed = alarm != nil
                    health.setStatus(alarmed ? .notServing : .serving, for: "")
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        logger.info("validator running", metadata: ["address": "\(options.address)", "genesis_root": "\(genesisState.root)"])
        print("settlement-engine listening on \(config.host):\(server.port) (validator)")
        fflush(nil)

        let signal = await ShutdownSignal.wait()
        logger.info("shutting down", metadata: ["signal": "\(signal)"])
        health.shutdown()
        task.cancel()
        watch.cancel()
        await task.value
        await watch.value
        await server.shutdown(grace: .seconds(1))
        await simulator.stop()
        await simulator.close()
    }
}
