import ConcurrencySupport
import CNet
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// Settings of an `RPCServer`. Zero or nil means CNet's default (see cnet.h).
public struct RPCServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Event-loop threads (0: one per core).
    public var eventLoops: Int = 0
    public var maxConnections: Int = 0
    public var maxConcurrentStreams: Int = 0
    public var maxHeaderListSize: Int = 0
    /// Close connections idle for this long (nil: CNet's default of 5 minutes).
    public var idleTimeout: Duration?
    /// PEM files for TLS; nil serves cleartext HTTP/2 (h2c, prior knowledge).
    public var tls: TLSFiles?
    /// Largest request message accepted, in bytes (gRPC's customary 4 MiB by default): the limit of
    /// methods that set none, and a ceiling for those that set one (`RPCMethod.limitingRequests`).
    public var maxReceiveMessageSize: Int = 4 << 20
    /// Per-method request size limits by path (`/package.Service/Method`); they win over both the
    /// method's own limit and `maxReceiveMessageSize`.
    public var maxRequestSizes: [String: Int] = [:]
    /// Memory budgets, deadlines, per-address fairness and flood limits (docs/transport-limits.md).
    public var limits = TransportLimits()

    public struct TLSFiles: Sendable {
        public var certificateChain: String
        public var privateKey: String
        public init(certificateChain: String, privateKey: String) {
            self.certificateChain = certificateChain
            self.privateKey = privateKey
        }
    }

    public init(host: String = "127.0.0.1", port: Int = 0) {
        self.host = host
        self.port = port
    }
}

/// Why a server could not start.
public struct RPCServerError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// A gRPC server over CNet: routes `/package.Service/Method` to the registered services' handlers.
///
/// Requests are validated on the event-loop thread (method, path, content type, `te`, timeout);
/// handlers run as tasks on Swift's cooperative pool and never on a loop thread.
public final class RPCServer: CNetStreamAcceptor, @unchecked Sendable {
    public let configuration: RPCServerConfiguration
    /// Routes by path, each with its effective request size limit resolved.
    private let routes: [String: RPCMethod]
    let inboundBudget: InboundBudget
    private let logger: Logger
    private var box: AcceptorBox!
    private let handle = Lock<SendablePointer?>(nil)
    public private(set) var port: Int = 0

    public init(configuration: RPCServerConfiguration, services: [any RPCService], logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        var routes: [String: RPCMethod] = [:]
        for service in services {
            for method in service.methods { routes[method.path] = method }
        }
        for (path, method) in routes {
            routes[path] = method.limitingRequests(to: configuration.maxRequestSizes[path]
                ?? min(method.maxRequestSize ?? .max, configuration.maxReceiveMessageSize))
        }
        self.routes = routes
        inboundBudget = InboundBudget(perConnection: configuration.limits.maxBufferedRequestBytesPerConnection,
                                      perProcess: configuration.limits.maxBufferedRequestBytesPerProcess)
        box = AcceptorBox(self)
    }

    /// The fully-qualified names of the services this server routes to.
    public var serviceNames: [String] {
        Set(routes.keys.compactMap { $0.split(separator: "/").first.map(String.init) }).sorted()
    }

    /// Binds and starts the event loops; returns when the server accepts connections.
    public func start() throws(RPCServerError) {
        var err = [CChar](repeating: 0, count: 256)
        let c = configuration
        var cb = CNetCallbacks.table(ctx: Unmanaged.passUnretained(box).toOpaque())
        let server: OpaquePointer? = c.host.withCString { host in
            withOptionalCString(c.tls?.certificateChain) { cert in
                withOptionalCString(c.tls?.privateKey) { key in
                    var cfg = cnet_server_config()
                    cfg.host = host
                    cfg.port = UInt16(clamping: c.port)
                    cfg.loops = Int32(clamping: c.eventLoops)
                    cfg.max_connections = Int32(clamping: c.maxConnections)
                    cfg.max_concurrent_streams = UInt32(clamping: c.maxConcurrentStreams)
                    cfg.max_header_list_size = UInt32(clamping: c.maxHeaderListSize)
                    if let idle = c.idleTimeout {
                        cfg.idle_timeout_ms = Int32(clamping: idle.components.seconds * 1000
                            + idle.components.attoseconds / 1_000_000_000_000_000)
                    }
                    cfg.tls_cert_file = cert
                    cfg.tls_key_file = key
                    c.limits.apply(to: &cfg)
                    return cnet_server_start(&cfg, &cb, &err, err.count)
                }
            }
        }
        guard let server else {
            throw RPCServerError(description: cErrorString(err))
        }
        port = Int(cnet_server_port(server))
        handle.withLock { $0 = SendablePointer(server) }
        logger.info("gRPC server listening", metadata: [
            "address": "\(c.host):\(port)", "tls": "\(c.tls != nil)", "services": "\(serviceNames.joined(separator: ","))",
        ])
    }

    /// Stops accepting, sends GOAWAY, lets open calls finish for up to `grace`, then closes the rest.
    public func shutdown(grace: Duration = .seconds(5)) async {
        guard let sendable = handle.withLock({ h -> SendablePointer? in defer { h = nil }; return h }) else { return }
        let ms = Int32(clamping: grace.components.seconds * 1000)
        await BlockingWork.run {
            cnet_server_shutdown(sendable.pointer, ms)
            cnet_server_free(sendable.pointer)
        }
        logger.info("gRPC server stopped")
    }

    /// The limits' counters right now (for metrics and tests).
    public var transportStats: TransportStats {
        var st = cnet_server_stats()
        handle.withLock { h in cnet_server_get_stats(h?.pointer, &st) }
        var out = TransportStats()
        out.connections = Int(st.connections)
        out.refusedConnections = Int(st.refused_connections)
        out.refusedStreams = Int(st.refused_streams)
        out.timeouts = Int(st.timeouts)
        out.budgetResets = Int(st.budget_resets)
        out.floodGoaways = Int(st.flood_goaways)
        out.trims = Int(st.trims)
        out.queuedResponseBytes = Int(st.queued_bytes)
        out.bufferedRequestBytes = inboundBudget.held
        return out
    }

    /// The request size limit in force for a method path, nil for an unknown path.
    public func maxRequestSize(for path: String) -> Int? { routes[path]?.maxRequestSize }

    /// Open connections right now (for metrics).
    public var connectionCount: Int {
        handle.withLock { h in h.map { Int(cnet_server_connection_count($0.pointer)) } ?? 0 }
    }

    // MARK: Accepting streams (loop thread)

    func acceptStream(_ ref: cnet_stream_ref, headers: UnsafeBufferPointer<cnet_header>) -> CNetStream? {
        // Header names are compared as bytes; only the path and custom metadata become strings.
        var method = "", path = "", contentTypeOK = false, contentType = "", te = false, timeout: String?
        var custom: [(name: String, value: String)] = []
        for h in headers {
            let name = UnsafeRawBufferPointer(start: h.name, count: h.name_len)
            let value = UnsafeRawBufferPointer(start: h.value, count: h.value_len)
            if name.first == UInt8(ascii: ":") {
                if HeaderName.equal(name, ":path") { path = String(decoding: value, as: UTF8.self) }
                else if HeaderName.equal(name, ":method") { method = String(decoding: value, as: UTF8.self) }
            } else if HeaderName.equal(name, "content-type") {
                contentTypeOK = HeaderName.isGRPCContentType(value)
                if !contentTypeOK { contentType = String(decoding: value, as: UTF8.self) }
            } else if HeaderName.equal(name, "te") {
                te = HeaderName.equal(value, "trailers")
            } else if HeaderName.equal(name, "grpc-timeout") {
                timeout = String(decoding: value, as: UTF8.self)
            } else if !HeaderName.isReserved(name) {
                custom.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
            }
        }
        // Order follows PROTOCOL-HTTP2.md: a non-gRPC content type is an HTTP-level error.
        guard contentTypeOK else {
            ref.submit(headers: [(":status", "415"), ("content-type", "text/plain"),
                                 ("grpc-status", String(StatusCode.internal.rawValue)),
                                 ("grpc-message", WireHeaders.percentEncode("unsupported content-type \"\(contentType)\": expected application/grpc"))],
                       endStream: true)
            return RejectedStream()
        }
        func reject(_ error: RPCError) -> CNetStream? {
            var h: [(String, String)] = [(":status", "200"), ("content-type", "application/grpc"),
                                         ("grpc-status", String(error.code.rawValue))]
            if !error.message.isEmpty { h.append(("grpc-message", WireHeaders.percentEncode(error.message))) }
            ref.submit(headers: h, endStream: true)
            return RejectedStream()
        }
        guard method == "POST" else { return reject(RPCError(.internal, "gRPC requires :method POST, got \"\(method)\"")) }
        guard te else { return reject(RPCError(.internal, "gRPC requires the header \"te: trailers\"")) }
        guard let route = routes[path] else {
            let shape = path.hasPrefix("/") && path.dropFirst().split(separator: "/").count == 2
            return reject(RPCError(.unimplemented, shape ? "unknown method \(path)" : "malformed :path \"\(path)\": expected /package.Service/Method"))
        }
        var deadline: ContinuousClock.Instant?
        if let timeout {
            guard let d = WireHeaders.parseTimeout(timeout) else {
                return reject(RPCError(.internal, "malformed grpc-timeout \"\(timeout)\""))
            }
            deadline = .now + d
        }
        let context = ServerContext(path: path, metadata: custom.isEmpty ? Metadata() : WireHeaders.metadata(from: custom), deadline: deadline,
                                    connection: ConnectionID(ref), response: ResponseMetadata())
        let call = ServerCall(ref: ref, method: route, context: context,
                              maxMessageSize: route.maxRequestSize ?? configuration.maxReceiveMessageSize,
                              budget: inboundBudget, logger: logger)
        call.start()
        return call
    }
}

/// Owns a stream we already answered with a trailers-only error: drains and discards its data.
final class RejectedStream: CNetStream, @unchecked Sendable {}

struct SendablePointer: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ p: OpaquePointer) { pointer = p }
}

func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}

/// Byte-level header name checks for the request hot path.
enum HeaderName {
    static func equal(_ a: UnsafeRawBufferPointer, _ b: StaticString) -> Bool {
        a.count == b.utf8CodeUnitCount && (a.count == 0 || memcmp(a.baseAddress!, b.utf8Start, a.count) == 0)
    }

    /// `application/grpc`, optionally followed by `+format` or `;parameters`.
    static func isGRPCContentType(_ v: UnsafeRawBufferPointer) -> Bool {
        let base: StaticString = "application/grpc"
        let n = base.utf8CodeUnitCount
        guard v.count >= n, memcmp(v.baseAddress!, base.utf8Start, n) == 0 else { return false }
        return v.count == n || v[n] == UInt8(ascii: "+") || v[n] == UInt8(ascii: ";")
    }

    /// Names the RPC layer manages itself (never custom metadata).
    static func isReserved(_ name: UnsafeRawBufferPointer) -> Bool {
        if name.count >= 5, name[0] == 0x67, name[1] == 0x72, name[2] == 0x70, name[3] == 0x63, name[4] == 0x2d {
            return true  // "grpc-"
        }
        return equal(name, "user-agent") || equal(name, "content-length") || equal(name, "host")
            || equal(name, "accept-encoding")
    }
}
