import Foundation
import GRPC
import Logging
import Settlement
import SettlementAPI

/// Every setting of one `settlement-engine` process, resolved and checked before anything starts:
/// a bad value stops the engine with a message naming where it came from.
struct EngineSettings {
    var listen: ListenAddress
    var server: RPCServerConfiguration
    var logLevel: Logger.Level
    var shutdownGraceSeconds: Int
    /// The configured PostgreSQL; nil runs the embedded one under `dataDir`.
    var databaseURL: String?
    var dataDir: String
    var settlement: SettlementConfig
    /// The settlement service's per-connection shares.
    var service: SettlementService.Configuration
    var genesis: Genesis
    var replication: ReplicationSettings
    var clusterSecret: String?
    /// Whether the advertised endpoint was given (else it follows the bound port).
    var advertiseGiven: Bool
    var l1: L1Options.Resolved
    var validator: ValidatorOptions.Resolved?
    /// The admin listener's address; nil for none (`off`, or a production engine).
    var admin: ListenAddress?
    /// `SETTLEMENT_*` variables that name no setting, for a warning.
    var unknownEnvironment: [String]
}

extension EngineCommand {
    /// Resolves flags, environment, config file and defaults into `EngineSettings`.
    func resolveSettings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> EngineSettings {
        let source = try SettingSource(configFlag: settlement.config, environment: environment)
        let listenText = try source.value(.listen, flag: listen, default: "127.0.0.1:50051")
        guard let address = ListenAddress(listenText) else {
            throw SettingProblem(description: "listen address must be HOST:PORT with a port in 0...65535, got \"\(listenText)\"")
        }
        let levelText = try source.value(.logLevel, flag: logLevel, default: "info")
        guard let level = Logger.Level(rawValue: levelText) else {
            throw SettingProblem(description: "unknown log level \"\(levelText)\" (trace, debug, info, notice, warning, error or critical)")
        }
        var server = RPCServerConfiguration(host: address.host, port: address.port)
        func nonNegative(_ key: SettingKey, _ flag: Int?, _ fallback: Int) throws -> Int {
            let v = try source.value(key, flag: flag, default: fallback)
            guard v >= 0 else { throw SettingProblem(description: "\(key.name) must not be negative, got \(v)") }
            return v
        }
        server.eventLoops = try nonNegative(.eventLoops, eventLoops, 0)
        server.maxConnections = try nonNegative(.maxConnections, maxConnections, 10_000)
        server.maxConcurrentStreams = try nonNegative(.maxConcurrentStreams, maxConcurrentStreams, 256)
        server.maxReceiveMessageSize = try nonNegative(.maxMessageSize, maxMessageSize, 4 << 20)
        server.idleTimeout = .seconds(try nonNegative(.idleTimeout, idleTimeout, 300))
        let grace = try nonNegative(.shutdownGrace, shutdownGrace, 10)
        let cert = try source.value(.tlsCert, flag: tlsCert)
        let key = try source.value(.tlsKey, flag: tlsKey)
        guard (cert == nil) == (key == nil) else { throw SettingProblem(description: "tls_cert and tls_key go together") }
        if let cert, let key { server.tls = .init(certificateChain: cert, privateKey: key) }
        try transport.apply(source: source, to: &server)

        let (config, genesis) = try settlement.resolve(source: source, defaultGenesis: Self.defaultGenesisPath())
        let databaseURL = try source.secret(.databaseURL, flag: databaseUrl, fileKey: .databaseURLFile, fileFlag: databaseUrlFile,
                                            production: config.production, extraEnvironment: "DATABASE_URL")
        var l1 = try self.l1.resolve(source: source)
        l1.laneAggregation = try settlement.shielded.resolveAggregation(source: source, lane: config.shielded)
        let (replication, secret) = try replica.resolve(source: source, production: config.production, listenHost: address.host,
                                                        listenPort: address.port, embeddedDatabase: databaseURL == nil)
        return EngineSettings(
            listen: address, server: server, logLevel: level, shutdownGraceSeconds: grace, databaseURL: databaseURL,
            dataDir: try source.value(.dataDir, flag: dataDir, default: ".data/engine"),
            settlement: config, service: try settlement.resolveService(source: source), genesis: genesis, replication: replication, clusterSecret: secret,
            advertiseGiven: try source.value(.advertise, flag: replica.advertise) != nil,
            l1: l1, validator: try validatorMode.resolve(source: source),
            admin: try admin.resolve(source: source, production: config.production),
            unknownEnvironment: source.unknownEnvironmentNames)
    }
}
