import ArgumentParser
import RPC

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
        let settlement = "/settlement.v1.Settlement/"
        for name in ["SubmitTransaction", "SubmitTransactions"] { m[settlement + name] = 4 << 10 }
        for name in ["GetSettlementStatus", "GetPerformanceMetrics", "GetBatch", "GetAccount"] { m[settlement + name] = 1 << 10 }
        m[settlement + "SubscribeStatus"] = 64 << 10  // a list of 32-byte transaction ids
        for name in ["RegisterValidator", "AddStake", "RequestUnstake", "WithdrawStake", "GetValidator", "ListChallenges",
                     "GetFinality", "ClaimWithdrawal", "GetWithdrawal", "Deposit", "InjectL1Reorg"] {
            m["/settlement.v1.Validator/" + name] = 1 << 10
        }
        m["/settlement.internal.v1.Sequencer/Forward"] = 4 << 10
        m["/grpc.health.v1.Health/Check"] = 1 << 10
        m["/grpc.health.v1.Health/Watch"] = 1 << 10
        m["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"] = 16 << 10
        return m
    }()

    func validate() throws {
        let values: [(String, Int?)] = [
            ("--preface-timeout", prefaceTimeout), ("--first-request-timeout", firstRequestTimeout),
            ("--stream-idle-timeout", streamIdleTimeout), ("--write-stall-timeout", writeStallTimeout),
            ("--max-connections-per-address", maxConnectionsPerAddress), ("--reserved-connections", reservedConnections),
            ("--max-streams-per-address", maxStreamsPerAddress),
            ("--max-buffered-request-bytes-per-connection", maxBufferedRequestBytesPerConnection),
            ("--max-buffered-request-bytes", maxBufferedRequestBytes),
            ("--max-queued-response-bytes-per-connection", maxQueuedResponseBytesPerConnection),
            ("--max-queued-response-bytes", maxQueuedResponseBytes),
            ("--max-control-frames-per-second", maxControlFramesPerSecond),
        ]
        for (name, v) in values where (v ?? 0) < 0 { throw ValidationError("\(name) must not be negative") }
    }

    func apply(to config: inout RPCServerConfiguration) {
        func seconds(_ v: Int?, _ env: String) -> Duration? { (v ?? Env.int(env)).map { .seconds($0) } }
        var l = config.limits
        l.prefaceTimeout = seconds(prefaceTimeout, "PREFACE_TIMEOUT")
        l.firstRequestTimeout = seconds(firstRequestTimeout, "FIRST_REQUEST_TIMEOUT")
        l.streamIdleTimeout = seconds(streamIdleTimeout, "STREAM_IDLE_TIMEOUT")
        l.writeStallTimeout = seconds(writeStallTimeout, "WRITE_STALL_TIMEOUT")
        if let v = maxConnectionsPerAddress ?? Env.int("MAX_CONNECTIONS_PER_ADDRESS") { l.maxConnectionsPerAddress = v }
        if let v = reservedConnections ?? Env.int("RESERVED_CONNECTIONS") { l.reservedConnections = v }
        if let v = maxStreamsPerAddress ?? Env.int("MAX_STREAMS_PER_ADDRESS") { l.maxStreamsPerAddress = v }
        if let v = maxBufferedRequestBytesPerConnection ?? Env.int("MAX_BUFFERED_REQUEST_BYTES_PER_CONNECTION") {
            l.maxBufferedRequestBytesPerConnection = v
        }
        if let v = maxBufferedRequestBytes ?? Env.int("MAX_BUFFERED_REQUEST_BYTES") { l.maxBufferedRequestBytesPerProcess = v }
        if let v = maxQueuedResponseBytesPerConnection ?? Env.int("MAX_QUEUED_RESPONSE_BYTES_PER_CONNECTION") {
            l.maxQueuedBytesPerConnection = v
        }
        if let v = maxQueuedResponseBytes ?? Env.int("MAX_QUEUED_RESPONSE_BYTES") { l.maxQueuedBytesPerProcess = v }
        if let v = maxControlFramesPerSecond ?? Env.int("MAX_CONTROL_FRAMES_PER_SECOND") { l.maxControlFramesPerSecond = v }
        config.limits = l
        config.maxRequestSizes.merge(Self.requestSizeLimits) { current, _ in current }
    }
}
