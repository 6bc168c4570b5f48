import CNet
import ConcurrencySupport
import Synchronization

/// How a client reaches its server.
public struct RPCClientConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var tls: TLS?
    public var connectTimeout: Duration = .seconds(10)
    /// Largest response message accepted.
    public var maxReceiveMessageSize: Int = 4 << 20

    public struct TLS: Sendable {
        /// PEM bundle of trusted CAs; nil uses the system's.
        public var caFile: String?
        /// Name for SNI and verification; nil uses `host`.
        public var serverName: String?
        /// Tests only: accept any certificate.
        public var insecureSkipVerify = false
        public init(caFile: String? = nil, serverName: String? = nil, insecureSkipVerify: Bool = false) {
            self.caFile = caFile
            self.serverName = serverName
            self.insecureSkipVerify = insecureSkipVerify
        }
    }

    public init(host: String, port: Int, tls: TLS? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
    }
}

/// A gRPC client on one HTTP/2 connection (CNet's client side), with the four call kinds,
/// deadlines and metadata. Thread-safe; calls on one client share the connection.
public final class RPCClient: Sendable {
    public let configuration: RPCClientConfiguration
    private let handle: SendablePointer
    private let closed = Lock(false)

    private init(configuration: RPCClientConfiguration, handle: OpaquePointer) {
        self.configuration = configuration
        self.handle = SendablePointer(handle)
    }

    /// Connects (TCP, TLS with ALPN h2 when configured, HTTP/2 preface) on a blocking thread.
    public static func connect(_ configuration: RPCClientConfiguration) async throws -> RPCClient {
        let result: Result<SendablePointer, RPCError> = await BlockingWork.run {
            var err = [CChar](repeating: 0, count: 256)
            var cb = CNetCallbacks.table(ctx: nil)
            let c = configuration
            let p: OpaquePointer? = c.host.withCString { host in
                withOptionalCString(c.tls?.caFile) { ca in
                    withOptionalCString(c.tls?.serverName) { sni in
                        var cfg = cnet_client_config()
                        cfg.host = host
                        cfg.port = UInt16(clamping: c.port)
                        cfg.use_tls = c.tls == nil ? 0 : 1
                        cfg.tls_ca_file = ca
                        cfg.tls_server_name = sni
                        cfg.tls_insecure_skip_verify = (c.tls?.insecureSkipVerify ?? false) ? 1 : 0
                        cfg.connect_timeout_ms = Int32(clamping: c.connectTimeout.components.seconds * 1000)
                        return cnet_client_connect(&cfg, &cb, &err, err.count)
                    }
                }
            }
            guard let p else { return .failure(RPCError(.unavailable, "connect to \(c.host):\(c.port) failed: \(cErrorString(err))")) }
            return .success(SendablePointer(p))
        }
        return RPCClient(configuration: configuration, handle: try result.get().pointer)
    }

    /// True while the connection is usable.
    public var isConnected: Bool { !closed.withLock { $0 } && cnet_client_is_alive(handle.pointer) != 0 }

    /// Closes the connection; calls still open fail with CANCELLED.
    public func close() async {
        let already = closed.withLock { c in defer { c = true }; return c }
        if already { return }
        let h = handle
        await BlockingWork.run {
            cnet_client_close(h.pointer)
            cnet_client_free(h.pointer)
        }
    }

    // MARK: Calls

    /// Starts a call. Messages given here are sent in the same write as the headers.
    public func makeCall(_ path: String, metadata: Metadata = Metadata(), timeout: Duration? = nil,
                         firstMessage: [UInt8]? = nil, endRequests: Bool = false) throws -> ClientCall {
        try makeCall(path, metadata: metadata, timeout: timeout, firstMessage: firstMessage, endRequests: endRequests,
                     rawTimeoutHeader: nil)
    }

    /// `rawTimeoutHeader` sends a `grpc-timeout` without arming the local timer (tests of the
    /// server's own deadline handling).
    func makeCall(_ path: String, metadata: Metadata = Metadata(), timeout: Duration?, firstMessage: [UInt8]?,
                  endRequests: Bool, rawTimeoutHeader: String?) throws -> ClientCall {
        if closed.withLock({ $0 }) { throw RPCError(.unavailable, "the client is closed") }
        let call = ClientCall(path: path, maxMessageSize: configuration.maxReceiveMessageSize)
        let scheme = configuration.tls == nil ? "http" : "https"
        var headers: [(String, String)] = [
            (":method", "POST"), (":scheme", scheme), (":path", path),
            (":authority", "\(configuration.host):\(configuration.port)"),
            ("content-type", "application/grpc"), ("te", "trailers"), ("user-agent", "settlement-rpc-swift/1"),
        ]
        if let timeout { headers.append(("grpc-timeout", WireHeaders.formatTimeout(timeout))) }
        if let rawTimeoutHeader { headers.append(("grpc-timeout", rawTimeoutHeader)) }
        WireHeaders.append(metadata, to: &headers)
        let data = firstMessage.map { MessageFramer.frame($0) }
        let flags: Int32 = endRequests ? Int32(CNET_END_STREAM) : 0
        if endRequests { call.markHalfClosed() }
        let user = call.retainedPointer()
        let rc = WireHeaders.withCHeaders(headers) { h, n in
            if let data {
                return data.withUnsafeBufferPointer { d in
                    cnet_client_open_stream(handle.pointer, h, n, d.baseAddress, d.count, flags, user)
                }
            }
            return cnet_client_open_stream(handle.pointer, h, n, nil, 0, flags, user)
        }
        if rc != 0 {
            Unmanaged<CNetStream>.fromOpaque(user).release()
            throw RPCError(.unavailable, "the connection is closed")
        }
        if let timeout {
            Task { [weak call] in
                try? await Task.sleep(for: timeout)
                call?.cancel(RPCError(.deadlineExceeded, "deadline of \(timeout) exceeded"))
            }
        }
        return call
    }

    /// Unary: one request, one response.
    public func unary<Req: ProtoMessage, Resp: ProtoMessage>(
        _ path: String, _ request: Req, metadata: Metadata = Metadata(), timeout: Duration? = nil,
        as: Resp.Type = Resp.self
    ) async throws -> Resp {
        let call = try makeCall(path, metadata: metadata, timeout: timeout,
                                firstMessage: request.protobufBytes(), endRequests: true)
        return try await withTaskCancellationHandler {
            try await call.messages.single(as: Resp.self, what: "response")
        } onCancel: { call.cancel() }
    }

    /// One request, a stream of responses. Iterating ends at the server's OK status and throws
    /// `RPCError` for any other; cancelling the iterating task cancels the call.
    public func serverStreaming<Req: ProtoMessage, Resp: ProtoMessage>(
        _ path: String, _ request: Req, metadata: Metadata = Metadata(), timeout: Duration? = nil,
        as: Resp.Type = Resp.self
    ) throws -> ResponseStream<Resp> {
        let call = try makeCall(path, metadata: metadata, timeout: timeout,
                                firstMessage: request.protobufBytes(), endRequests: true)
        return ResponseStream(call: call)
    }

    /// A stream of requests written by `body`, one response.
    public func clientStreaming<Req: ProtoMessage, Resp: ProtoMessage>(
        _ path: String, metadata: Metadata = Metadata(), timeout: Duration? = nil, as: Resp.Type = Resp.self,
        requests body: (RequestWriter<Req>) async throws -> Void
    ) async throws -> Resp {
        let call = try makeCall(path, metadata: metadata, timeout: timeout)
        return try await withTaskCancellationHandler {
            try await body(RequestWriter(call: call))
            call.finishRequests()
            return try await call.messages.single(as: Resp.self, what: "response")
        } onCancel: { call.cancel() }
    }

    /// Both directions at once: `body` gets a writer and the response stream; when it returns the
    /// request side is finished (if it wasn't) and its result returned. Cancellation cancels the call.
    public func bidirectionalStreaming<Req: ProtoMessage, Resp: ProtoMessage, R: Sendable>(
        _ path: String, metadata: Metadata = Metadata(), timeout: Duration? = nil, as: Resp.Type = Resp.self,
        _ body: (RequestWriter<Req>, ResponseStream<Resp>) async throws -> R
    ) async throws -> R {
        let call = try makeCall(path, metadata: metadata, timeout: timeout)
        return try await withTaskCancellationHandler {
            do {
                let r = try await body(RequestWriter(call: call), ResponseStream(call: call))
                call.finishRequests()
                return r
            } catch {
                call.cancel()
                throw error
            }
        } onCancel: { call.cancel() }
    }
}

/// Writes request messages of a streaming call.
public struct RequestWriter<Message: ProtoMessage>: Sendable {
    public let call: ClientCall
    public func send(_ message: Message) async throws { try await call.send(message.protobufBytes()) }
    /// Half-closes the request stream.
    public func finish() { call.finishRequests() }
}

/// Typed response messages of a call.
public struct ResponseStream<Message: ProtoMessage>: AsyncSequence, Sendable {
    public typealias Element = Message
    public let call: ClientCall

    public struct AsyncIterator: AsyncIteratorProtocol {
        var raw: RawMessageStream.AsyncIterator
        let call: ClientCall
        public mutating func next() async throws -> Message? {
            let c = call
            guard let bytes = try await withTaskCancellationHandler(operation: { try await raw.next() },
                                                                    onCancel: { c.cancel() }) else { return nil }
            do { return try Message(protobufBytes: bytes) } catch {
                call.cancel(RPCError(.internal, "undecodable response: \(error.description)"))
                throw RPCError(.internal, "undecodable response: \(error.description)")
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(raw: call.messages.makeAsyncIterator(), call: call) }
}
