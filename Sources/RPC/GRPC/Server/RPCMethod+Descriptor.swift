// Registering handlers by generated `MethodDescriptor`: the request and response types come from
// the descriptor, and a descriptor of another call kind is refused at registration.
extension RPCMethod {
    /// A unary method: one request, one response.
    public static func unary<Req, Resp>(
        _ method: MethodDescriptor<Req, Resp>, _ body: @escaping @Sendable (Req, ServerContext) async throws -> Resp
    ) -> RPCMethod {
        unary(checked(method, .unary), body)
    }

    /// A unary method whose handler is synchronous and never blocks (see `unaryInline(_:_:)`).
    public static func unaryInline<Req, Resp>(
        _ method: MethodDescriptor<Req, Resp>, _ body: @escaping @Sendable (Req, ServerContext) throws -> Resp
    ) -> RPCMethod {
        unaryInline(checked(method, .unary), body)
    }

    /// One request, a stream of responses.
    public static func serverStreaming<Req, Resp>(
        _ method: MethodDescriptor<Req, Resp>,
        _ body: @escaping @Sendable (Req, ResponseWriter<Resp>, ServerContext) async throws -> Void
    ) -> RPCMethod {
        serverStreaming(checked(method, .serverStreaming), body)
    }

    /// A stream of requests, one response.
    public static func clientStreaming<Req, Resp>(
        _ method: MethodDescriptor<Req, Resp>,
        _ body: @escaping @Sendable (RequestStream<Req>, ServerContext) async throws -> Resp
    ) -> RPCMethod {
        clientStreaming(checked(method, .clientStreaming), body)
    }

    /// Streams both ways.
    public static func bidirectionalStreaming<Req, Resp>(
        _ method: MethodDescriptor<Req, Resp>,
        _ body: @escaping @Sendable (RequestStream<Req>, ResponseWriter<Resp>, ServerContext) async throws -> Void
    ) -> RPCMethod {
        bidirectionalStreaming(checked(method, .bidirectionalStreaming), body)
    }

    private static func checked<Req, Resp>(_ method: MethodDescriptor<Req, Resp>, _ kind: CallKind) -> String {
        precondition(method.kind == kind, "\(method.fullName) is \(method.kind), registered as \(kind)")
        return method.path
    }
}
