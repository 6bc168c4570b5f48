import ConcurrencySupport
import Synchronization

/// What a handler knows about its call.
public struct ServerContext: Sendable {
    /// `/package.Service/Method`.
    public let path: String
    /// The client's custom metadata.
    public let metadata: Metadata
    /// When the client's `grpc-timeout` runs out, if it sent one.
    public let deadline: ContinuousClock.Instant?
    /// The connection the call came on (for per-connection shares).
    public let connection: ConnectionID
    /// Metadata the handler wants sent back: `initial` with the response headers (set it before the
    /// first message), `trailing` with the status.
    public let response: ResponseMetadata
}

/// The metadata a handler sends back to the client.
public final class ResponseMetadata: Sendable {
    private let storage = Lock((initial: Metadata(), trailing: Metadata()))
    init() {}
    public var initial: Metadata {
        get { storage.withLock { $0.initial } }
        set { storage.withLock { $0.initial = newValue } }
    }
    public var trailing: Metadata {
        get { storage.withLock { $0.trailing } }
        set { storage.withLock { $0.trailing = newValue } }
    }
    var isEmpty: Bool { storage.withLock { $0.initial.isEmpty && $0.trailing.isEmpty } }
}

/// The four gRPC call kinds.
public enum CallKind: Sendable {
    case unary, serverStreaming, clientStreaming, bidirectionalStreaming
}

/// The messages a client sends on a call, as an async sequence. Iteration ends when the client
/// half-closes, and throws when the call is cancelled or the client sent something invalid.
public struct RequestStream<Message: ProtoMessage>: AsyncSequence, Sendable {
    public typealias Element = Message
    let raw: RawMessageStream

    public struct AsyncIterator: AsyncIteratorProtocol {
        var raw: RawMessageStream.AsyncIterator
        public mutating func next() async throws -> Message? {
            guard let bytes = try await raw.next() else { return nil }
            do {
                return try Message(protobufBytes: bytes)
            } catch {
                throw RPCError(.invalidArgument, error.description)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(raw: raw.makeAsyncIterator()) }
}

/// Where a handler writes its response messages and metadata.
public struct ResponseWriter<Message: ProtoMessage>: Sendable {
    let call: ServerCall

    /// Sends one message. Suspends while the client's flow-control window is full (backpressure),
    /// and throws when the call is gone (cancelled, reset or past its deadline).
    public func send(_ message: Message) async throws {
        try await call.send(message.protobufBytes())
    }

    /// Sets metadata to send with the response headers (before the first message).
    public func setInitialMetadata(_ metadata: Metadata) { call.context.response.initial = metadata }

    /// Sets metadata to send with the trailers.
    public func setTrailingMetadata(_ metadata: Metadata) { call.context.response.trailing = metadata }
}

/// A method as the server routes it: its path, its kind and a handler over raw message bytes.
public struct RPCMethod: Sendable {
    public let path: String
    public let kind: CallKind
    let body: Body
    /// The largest request message this method accepts, in bytes; nil for the server's
    /// `maxReceiveMessageSize`. A larger message is refused from its 5-byte length prefix, before
    /// anything is buffered or decoded (RESOURCE_EXHAUSTED). Set it with `limitingRequests(to:)`.
    public private(set) var maxRequestSize: Int?

    init(path: String, kind: CallKind, body: Body) {
        self.path = path
        self.kind = kind
        self.body = body
    }

    /// This method with a maximum request message size (a transfer is a few hundred bytes: there
    /// is no reason to buffer 4 MiB for it). The server's per-path overrides
    /// (`RPCServerConfiguration.maxRequestSizes`) still win.
    public func limitingRequests(to bytes: Int) -> RPCMethod {
        var m = self
        m.maxRequestSize = max(0, bytes)
        return m
    }

    /// How the server runs a handler.
    enum Body: Sendable {
        /// Client- and bidirectional-streaming: the handler reads the request stream.
        case streamingRequests(@Sendable (RawMessageStream, ServerCall, ServerContext) async throws -> Void)
        /// Unary and server-streaming: started when the single request message is complete.
        case singleRequest(@Sendable ([UInt8], ServerCall, ServerContext) async throws -> Void)
        /// Unary and non-blocking: runs on the event-loop thread, answers in the same turn.
        case inline(@Sendable ([UInt8], ServerContext) throws -> [UInt8])
    }

    static func decode<M: ProtoMessage>(_ bytes: [UInt8], as: M.Type) throws -> M {
        do { return try M(protobufBytes: bytes) } catch { throw RPCError(.invalidArgument, error.description) }
    }

    /// A unary method: one request, one response.
    public static func unary<Req: ProtoMessage, Resp: ProtoMessage>(
        _ path: String, _ body: @escaping @Sendable (Req, ServerContext) async throws -> Resp
    ) -> RPCMethod {
        RPCMethod(path: path, kind: .unary, body: .singleRequest { bytes, call, context in
            let response = try await body(decode(bytes, as: Req.self), context)
            try await call.send(response.protobufBytes())
        })
    }

    /// A unary method whose handler is synchronous and never blocks (reads of in-memory state):
    /// it runs on the event-loop thread as soon as the request is complete, with no task hop.
    /// Anything that waits (I/O, locks held for long, `await`) must use `unary` instead.
    public static func unaryInline<Req: ProtoMessage, Resp: ProtoMessage>(
        _ path: String, _ body: @escaping @Sendable (Req, ServerContext) throws -> Resp
    ) -> RPCMethod {
        RPCMethod(path: path, kind: .unary, body: .inline { bytes, context in
            try body(decode(bytes, as: Req.self), context).protobufBytes()
        })
    }

    /// One request, a stream of responses.
    public static func serverStreaming<Req: ProtoMessage, Resp: ProtoMessage>(
        _ path: String,
        _ body: @escaping @Sendable (Req, ResponseWriter<Resp>, ServerContext) async throws -> Void
    ) -> RPCMethod {
        RPCMethod(path: path, kind: .serverStreaming, body: .singleRequest { bytes, call, context in
            try await body(decode(bytes, as: Req.self), ResponseWriter(call: call), context)
        })
    }

    /// A stream of requests, one response.
    public static func clientStreaming<Req: ProtoMessage, Resp: ProtoMessage>(
        _ path: String,
        _ body: @escaping @Sendable (RequestStream<Req>, ServerContext) async throws -> Resp
    ) -> RPCMethod {
        RPCMethod(path: path, kind: .clientStreaming, body: .streamingRequests { requests, call, context in
            let response = try await body(RequestStream(raw: requests), context)
            try await call.send(response.protobufBytes())
        })
    }

    /// Streams both ways, interleaved as the handler likes.
    public static func bidirectionalStreaming<Req: ProtoMessage, Resp: ProtoMessage>(
        _ path: String,
        _ body: @escaping @Sendable (RequestStream<Req>, ResponseWriter<Resp>, ServerContext) async throws -> Void
    ) -> RPCMethod {
        RPCMethod(path: path, kind: .bidirectionalStreaming, body: .streamingRequests { requests, call, context in
            try await body(RequestStream(raw: requests), ResponseWriter(call: call), context)
        })
    }
}

/// A gRPC service: a fully-qualified name and its methods.
public protocol RPCService: Sendable {
    /// `package.Service`, as in the `.proto` file.
    var serviceName: String { get }
    var methods: [RPCMethod] { get }
}
