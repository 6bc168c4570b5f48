import ArgumentParser
import GRPC
import SettlementAPI

/// Limits against hostile clients (docs/transport-limits.md): deadlines, per-address fairness,
/// memory budgets and flood limits, plus the request size limit of every settlement method.
/// Unset options keep the transport's defaults.
struct TransportOptions: ParsableArguments {
    @Option(help: "Seconds for a client's HTTP/2 preface after connecting (default 5; 0 disables). Env: SETTLEMENT_PREFACE_TIMEOUT.")
    var prefaceTimeout: Int?

    @Option(help: "Seconds for a connection's first request (default 10; 0 disables). Env: SETTLEMENT_FIRST_REQUEST_TIMEOUT.")
    var firstRequestTimeout: Int?

    @Option(help: "Seconds a stream whose request is unfinished may receive nothing (default 60; 0 disables). Env: SETTLEMENT_STREAM_IDLE_TIMEOUT.")
    var streamIdleTimeout: Int?

    @Option(help: "Seconds queued response data may make no progress (default 30; 0 disables). Env: SETTLEMENT_WRITE_STALL_TIMEOUT.")
    var writeStallTimeout: Int?

    @Option(help: "Connections from one client address (default max-connections / 4). Env: SETTLEMENT_MAX_CONNECTIONS_PER_ADDRESS.")
    var maxConnectionsPerAddress: Int?

    @Option(help: "Connections kept for addresses that hold none (default max-connections / 10). Env: SETTLEMENT_RESERVED_CONNECTIONS.")
    var reservedConnections: Int?

    @Option(help: "Open streams across one address's connections (default 16 x max-concurrent-streams). Env: SETTLEMENT_MAX_STREAMS_PER_ADDRESS.")
    var maxStreamsPerAddress: Int?

    @Option(help: "Request bytes buffered per connection (default 32 MiB). Env: SETTLEMENT_MAX_BUFFERED_REQUEST_BYTES_PER_CONNECTION.")
    var maxBufferedRequestBytesPerConnection: Int?

    @Option(help: "Request bytes buffered across the engine (default 512 MiB). Env: SETTLEMENT_MAX_BUFFERED_REQUEST_BYTES.")
    var maxBufferedRequestBytes: Int?

    @Option(help: "Response bytes queued per connection (default 32 MiB). Env: SETTLEMENT_MAX_QUEUED_RESPONSE_BYTES_PER_CONNECTION.")
    var maxQueuedResponseBytesPerConnection: Int?

    @Option(help: "Response bytes queued across the engine (default 512 MiB). Env: SETTLEMENT_MAX_QUEUED_RESPONSE_BYTES.")
    var maxQueuedResponseBytes: Int?

    @Option(help: "Control frames (WINDOW_UPDATE, PRIORITY, PING, SETTINGS, RST_STREAM) per connection per second (default 2000). Env: SETTLEMENT_MAX_CONTROL_FRAMES_PER_SECOND.")
    var maxControlFramesPerSecond: Int?

    /// Request size limits of the engine's methods, by path. A signed transfer is a few hundred
    /// bytes; 4 MiB (the server-wide --max-message-size) stays for methods not listed here.
    static let requestSizeLimits: [String: Int] = {
        var m: [String: Int] = [:]
        let settlement = SettlementV1.SettlementMethods.self
        for method in [settlement.submitTransaction.path, settlement.submitTransactions.path] { m[method] = 4 << 10 }
        for method in [settlement.getSettlementStatus.path, settlement.getPerformanceMetrics.path, settlement.getBatch.path,
                       settlement.getAccount.path, settlement.getChainInfo.path] {
            m[method] = 1 << 10
        }
        m[settlement.subscribeStatus.path] = 64 << 10  // a list of 32-byte transaction ids
        // Validator requests are a few addresses and amounts. SubmitToInbox keeps the server-wide
        // limit, as before the paths were generated.
        let validator = SettlementV1.ValidatorMethods.self
        for path in validator.paths where path != validator.submitToInbox.path { m[path] = 1 << 10 }
        m[SettlementInternalV1.SequencerMethods.forward.path] = 4 << 10
        m[HealthV1.HealthMethods.check.path] = 1 << 10
        m[HealthV1.HealthMethods.watch.path] = 1 << 10
        m[ReflectionV1.ServerReflectionMethods.serverReflectionInfo.path] = 16 << 10
        return m
    }()

    /// Applies the limits given by flag, environment or config file to `config`.
    func apply(source: SettingSource, to config: inout RPCServerConfiguration) throws {
        func count(_ key: SettingKey, _ flag: Int?) throws -> Int? {
            guard let v = try source.value(key, flag: flag) else { return nil }
            guard v >= 0 else { throw SettingProblem(description: "\(key.name) must not be negative, got \(v)") }
            return v
        }
        func seconds(_ key: SettingKey, _ flag: Int?) throws -> Duration? { try count(key, flag).map { .seconds($0) } }
        var l = config.limits
        if let v = try seconds(.prefaceTimeout, prefaceTimeout) { l.prefaceTimeout = v }
        if let v = try seconds(.firstRequestTimeout, firstRequestTimeout) { l.firstRequestTimeout = v }
        if let v = try seconds(.streamIdleTimeout, streamIdleTimeout) { l.streamIdleTimeout = v }
        if let v = try seconds(.writeStallTimeout, writeStallTimeout) { l.writeStallTimeout = v }
        if let v = try count(.maxConnectionsPerAddress, maxConnectionsPerAddress) { l.maxConnectionsPerAddress = v }
        if let v = try count(.reservedConnections, reservedConnections) { l.reservedConnections = v }
        if let v = try count(.maxStreamsPerAddress, maxStreamsPerAddress) { l.maxStreamsPerAddress = v }
        if let v = try count(.maxBufferedRequestBytesPerConnection, maxBufferedRequestBytesPerConnection) {
            l.maxBufferedRequestBytesPerConnection = v
        }
        if let v = try count(.maxBufferedRequestBytes, maxBufferedRequestBytes) { l.maxBufferedRequestBytesPerProcess = v }
        if let v = try count(.maxQueuedResponseBytesPerConnection, maxQueuedResponseBytesPerConnection) {
            l.maxQueuedBytesPerConnection = v
        }
        if let v = try count(.maxQueuedResponseBytes, maxQueuedResponseBytes) { l.maxQueuedBytesPerProcess = v }
        if let v = try count(.maxControlFramesPerSecond, maxControlFramesPerSecond) { l.maxControlFramesPerSecond = v }
        config.limits = l
        config.maxRequestSizes.merge(Self.requestSizeLimits) { current, _ in current }
    }
}
