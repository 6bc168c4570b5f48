// A gRPC peer for the interoperability tests in Tests/interop (driven by pytest with grpcio):
//   rpc-interop-peer serve [--port N] [--tls-cert F --tls-key F]
//       serves rpctest.v1.Echo, grpc.health.v1.Health and reflection; prints "listening on PORT".
//       Transport limits for the hostile-client tests: --max-connections N --max-concurrent-streams N
//       --idle-timeout-ms N and `--limit NAME=VALUE` (repeatable; names in limitOption below),
//       `--method-limit PATH=BYTES` (repeatable). The stdin command "stats" prints one line
//       "stats key=value ..." with the server's TransportStats.
//   rpc-interop-peer call --port N [--tls-ca F --server-name NAME]
//       calls a grpcio Echo server with every call kind and checks the answers; exit 0 when all pass.
import Foundation
import Logging
import GRPC
import RPCTestSupport


func option(_ name: String) -> String? {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("FAIL: \(message)\n".utf8))
    exit(1)
}

func serve() async throws {
    var logger = Logger(label: "interop-peer")
    logger.logLevel = .warning
    var config = RPCServerConfiguration(host: option("--host") ?? "127.0.0.1", port: Int(option("--port") ?? "0") ?? 0)
    config.maxReceiveMessageSize = Int(option("--max-message-size") ?? "") ?? 4 << 20
    if let cert = option("--tls-cert"), let key = option("--tls-key") {
        config.tls = .init(certificateChain: cert, privateKey: key)
    }
    if let v = option("--max-connections").flatMap(Int.init) { config.maxConnections = v }
    if let v = option("--max-concurrent-streams").flatMap(Int.init) { config.maxConcurrentStreams = v }
    if let v = option("--idle-timeout-ms").flatMap(Int.init) { config.idleTimeout = .milliseconds(v) }
    for (name, value) in pairs("--limit") {
        guard let v = Int(value) else { fail("--limit \(name)=\(value): not a number") }
        limitOption(&config.limits, name, v)
    }
    for (path, value) in pairs("--method-limit") {
        guard let v = Int(value) else { fail("--method-limit \(path)=\(value): not a number") }
        config.maxRequestSizes[path] = v
    }
    let health = HealthService()
    var services: [any RPCService] = [health, EchoService()]
    services.append(try ReflectionService(services: services))
    let server = RPCServer(configuration: config, services: services, logger: logger)
    try server.start()
    health.setStatus(.serving, for: "")
    health.setStatus(.serving, for: "rpctest.v1.Echo")
    print("listening on \(server.port)")
    fflush(nil)
    // Serve until stdin closes (the test harness holds it open) or a health flip is requested.
    await BlockingStdin.waitForEOFOrCommands { line in
        let parts = line.split(separator: " ").map(String.init)
        if parts == ["stats"] {
            let st = server.transportStats
            print("stats connections=\(st.connections) refused_connections=\(st.refusedConnections)"
                + " refused_streams=\(st.refusedStreams) timeouts=\(st.timeouts) budget_resets=\(st.budgetResets)"
                + " flood_goaways=\(st.floodGoaways) trims=\(st.trims) queued=\(st.queuedResponseBytes)"
                + " buffered=\(st.bufferedRequestBytes) seq=\(parts.count)")
            fflush(nil)
        }
        if parts.count == 3, parts[0] == "health", let st = HealthV1.HealthCheckResponse.ServingStatus.allCases.first(where: { "\($0)" == parts[2] }) {
            health.setStatus(st, for: parts[1] == "-" ? "" : parts[1])
        }
    }
    await server.shutdown(grace: .seconds(2))
}

func call() async throws {
    guard let port = option("--port").flatMap(Int.init) else { fail("--port is required") }
    var config = RPCClientConfiguration(host: option("--host") ?? "127.0.0.1", port: port)
    if let ca = option("--tls-ca") { config.tls = .init(caFile: ca, serverName: option("--server-name")) }
    let connection = try await RPCClient.connect(config)
    defer { Task { await connection.close() } }
    let client = RPCTestV1.EchoClient(connection)
    var md = Metadata()
    md.add("x-interop", "swift-client")
    md.add("x-trace-bin", binary: [0, 1, 2, 255])

    let r = try await client.get(EchoRequest(text: "hello"), metadata: md)
    guard r.text == "hello" else { fail("unary echoed \(r.text)") }
    print("unary ok")

    var words: [String] = []
    for try await m in try client.expand(EchoRequest(text: "a b c")) {
        words.append(m.text)
    }
    guard words == ["a", "b", "c"] else { fail("server streaming gave \(words)") }
    print("server streaming ok")

    let joined = try await client.collect { w in
        for t in ["x", "y", "z"] { try await w.send(EchoRequest(text: t)) }
    }
    guard joined.text == "x y z" else { fail("client streaming gave \(joined.text)") }
    print("client streaming ok")

    let echoed = try await client.update { w, responses in
        var got: [String] = []
        var it = responses.makeAsyncIterator()
        for t in ["1", "2", "3"] {
            try await w.send(EchoRequest(text: t))
            guard let m = try await it.next() else { fail("bidi stream ended early") }
            got.append(m.text)
        }
        w.finish()
        guard try await it.next() == nil else { fail("bidi sent an extra message") }
        return got
    }
    guard echoed == ["1", "2", "3"] else { fail("bidi gave \(echoed)") }
    print("bidirectional ok")

    do {
        _ = try await client.get(EchoRequest(text: "x", failWithCode: 9))
        fail("expected FAILED_PRECONDITION")
    } catch let e as RPCError {
        guard e.code == .failedPrecondition else { fail("expected FAILED_PRECONDITION, got \(e)") }
    }
    print("error status ok")

    do {
        _ = try await client.get(EchoRequest(text: "x", delayMs: 3000), timeout: .milliseconds(300))
        fail("expected DEADLINE_EXCEEDED")
    } catch let e as RPCError {
        guard e.code == .deadlineExceeded else { fail("expected DEADLINE_EXCEEDED, got \(e)") }
    }
    print("deadline ok")
    print("all calls ok")
}

/// Reads stdin lines on a blocking thread until EOF.
/// Every `NAME=VALUE` given for a repeatable option.
func pairs(_ name: String) -> [(String, String)] {
    let args = CommandLine.arguments
    return args.indices.dropLast().compactMap { i -> (String, String)? in
        guard args[i] == name, let eq = args[i + 1].firstIndex(of: "=") else { return nil }
        return (String(args[i + 1][..<eq]), String(args[i + 1][args[i + 1].index(after: eq)...]))
    }
}

/// Sets one TransportLimits field by name (durations in milliseconds).
func limitOption(_ l: inout TransportLimits, _ name: String, _ v: Int) {
    switch name {
    case "preface-timeout-ms": l.prefaceTimeout = .milliseconds(v)
    case "first-request-timeout-ms": l.firstRequestTimeout = .milliseconds(v)
    case "stream-idle-timeout-ms": l.streamIdleTimeout = .milliseconds(v)
    case "write-stall-timeout-ms": l.writeStallTimeout = .milliseconds(v)
    case "trim-interval-ms": l.trimInterval = .milliseconds(v)
    case "max-connections-per-address": l.maxConnectionsPerAddress = v
    case "reserved-connections": l.reservedConnections = v
    case "max-streams-per-address": l.maxStreamsPerAddress = v
    case "max-queued-per-stream": l.maxQueuedBytesPerStream = v
    case "max-queued-per-connection": l.maxQueuedBytesPerConnection = v
    case "max-queued": l.maxQueuedBytesPerProcess = v
    case "max-control-frames-per-second": l.maxControlFramesPerSecond = v
    case "max-buffered-per-connection": l.maxBufferedRequestBytesPerConnection = v
    case "max-buffered": l.maxBufferedRequestBytesPerProcess = v
    default: fail("unknown --limit \(name)")
    }
}

enum BlockingStdin {
    static func waitForEOFOrCommands(_ handle: @escaping @Sendable (String) -> Void) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                while let line = readLine() { handle(line) }
                c.resume()
            }
        }
    }
}

switch CommandLine.arguments.dropFirst().first {
case "serve": try await serve()
case "call":
    do { try await call() } catch { fail("\(error)") }
default:
    fail("usage: rpc-interop-peer serve|call [options]")
}
