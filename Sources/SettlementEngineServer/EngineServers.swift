import Foundation
import GRPC
import Logging
import Settlement
import SettlementAPI
import SimulatedL1

/// The engine's gRPC listeners and their services: the public listener (health, the settlement
/// API, the Validator service without admin calls, the internal Sequencer/Forward, reflection)
/// and the optional loopback admin listener (the same Validator service serving the calls that
/// act on the L1 as any address; never opened in production, AdminOptions).
final class EngineServers {
    let health = HealthService()
    private let settlementService: SettlementService
    private let validatorService: ValidatorService
    private let server: RPCServer
    private let adminService: ValidatorService?
    private let adminServer: RPCServer?
    private let listen: ListenAddress
    /// With port 0 and no --advertise, the endpoint other replicas forward to gets the bound port.
    private let advertiseBoundPort: (engine: SettlementEngine, endpoint: String)?

    init(settings: EngineSettings, engine: SettlementEngine, logger: Logger) throws {
        listen = settings.listen
        settlementService = SettlementService(engine: engine, configuration: settings.service)
        var validatorConfig = ValidatorService.Configuration()
        validatorConfig.confirmationDepth = settings.settlement.l1ConfirmationDepth
        validatorConfig.adminCalls = settings.settlement.production ? .refusedInProduction : .refusedOnThisListener
        validatorService = ValidatorService(engine: engine, configuration: validatorConfig)
        let services: [any RPCService] = [
            health, settlementService, validatorService,
            SequencerForwardService(engine: engine, clusterSecret: settings.clusterSecret),
            try ReflectionService(services: [health, settlementService, validatorService]),
        ]
        server = RPCServer(configuration: settings.server, services: services, logger: logger)
        if let adminAddress = settings.admin {
            validatorConfig.adminCalls = .served
            let service = ValidatorService(engine: engine, configuration: validatorConfig)
            var adminConfig = settings.server
            adminConfig.host = adminAddress.host
            adminConfig.port = adminAddress.port
            adminConfig.eventLoops = 1
            adminServer = RPCServer(configuration: adminConfig,
                                    services: [health, service, try ReflectionService(services: [health, service])],
                                    logger: logger)
            adminService = service
        } else {
            adminServer = nil
            adminService = nil
        }
        let rebind = settings.listen.port == 0 && !settings.advertiseGiven
        advertiseBoundPort = rebind ? (engine, settings.replication.endpoint) : nil
    }

    /// Starts both listeners (pushing their shutdowns on `running`) and advertises the bound port
    /// when the configured one was 0.
    func start(_ running: ShutdownStack) throws {
        try server.start()
        running.push("gRPC server") { grace in await self.server.shutdown(grace: grace) }
        if let adminServer {
            try adminServer.start()
            running.push("admin gRPC server") { grace in await adminServer.shutdown(grace: grace) }
        }
        if let (engine, endpoint) = advertiseBoundPort {
            let host = endpoint[..<(endpoint.lastIndex(of: ":") ?? endpoint.endIndex)]
            engine.advertise(endpoint: "\(host):\(server.port)")
        }
    }

    /// Gives the Validator services their L1 once the node has opened it; the admin listener may
    /// also inject reorgs into the simulator (test and demo only).
    func attach(simulator: L1Simulator, reorgInjection: Bool) {
        var reorgInjector: ValidatorService.ReorgInjector?
        if reorgInjection {
            Logger(label: "settlement-engine").warning("L1 reorg injection is on (test and demo only)")
            reorgInjector = { (depth: Int, drop: Bool, extra: Int) async throws -> L1BlockHeader in
                try await simulator.reorg(depth: depth, dropTransactions: drop, extraBlocks: extra)
                return try await simulator.head()
            }
        }
        validatorService.attach(l1: simulator)
        adminService?.attach(l1: simulator, reorgInjector: reorgInjector)
    }

    /// Health SERVING, then the listening lines tooling reads the bound ports from (useful with
    /// port 0; the admin line first).
    func announceServing() {
        health.setStatus(.serving, for: "")
        health.setStatus(.serving, for: settlementService.serviceName)
        health.setStatus(.serving, for: validatorService.serviceName)
        if let adminServer {
            print("settlement-engine admin listening on \(adminServer.configuration.host):\(adminServer.port)")
        }
        print("settlement-engine listening on \(listen.host):\(server.port)")
        fflush(nil)
    }
}
