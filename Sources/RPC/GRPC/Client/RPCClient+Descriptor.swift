// Calls by generated `MethodDescriptor`: the message types come from the descriptor. The generated
// typed clients (`<Service>Client`) are thin wrappers over these.
extension RPCClient {
    /// Unary: one request, one response.
    public func unary<Req, Resp>(
        _ method: MethodDescriptor<Req, Resp>, _ request: Req, metadata: Metadata = Metadata(), timeout: Duration? = nil
    ) async throws -> Resp {
        try await unary(method.path, request, metadata: metadata, timeout: timeout, as: Resp.self)
    }

    /// One request, a stream of responses.
    public func serverStreaming<Req, Resp>(
        _ method: MethodDescriptor<Req, Resp>, _ request: Req, metadata: Metadata = Metadata(), timeout: Duration? = nil
    ) throws -> ResponseStream<Resp> {
        try serverStreaming(method.path, request, metadata: metadata, timeout: timeout, as: Resp.self)
    }

    /// A stream of requests written by `body`, one response.
    public func clientStreaming<Req, Resp>(
        _ method: MethodDescriptor<Req, Resp>, metadata: Metadata = Metadata(), timeout: Duration? = nil,
        requests body: (RequestWriter<Req>) async throws -> Void
    ) async throws -> Resp {
        try await clientStreaming(method.path, metadata: metadata, timeout: timeout, as: Resp.self, requests: body)
    }

    /// Both directions at once (see `bidirectionalStreaming(_:metadata:timeout:as:_:)`).
    public func bidirectionalStreaming<Req, Resp, R: Sendable>(
        _ method: MethodDescriptor<Req, Resp>, metadata: Metadata = Metadata(), timeout: Duration? = nil,
        _ body: (RequestWriter<Req>, ResponseStream<Resp>) async throws -> R
    ) async throws -> R {
        try await bidirectionalStreaming(method.path, metadata: metadata, timeout: timeout, as: Resp.self, body)
    }

    /// Starts a raw call of `method` (see `makeCall(_:metadata:timeout:firstMessage:endRequests:)`).
    public func makeCall<Req, Resp>(
        _ method: MethodDescriptor<Req, Resp>, metadata: Metadata = Metadata(), timeout: Duration? = nil,
        firstMessage: [UInt8]? = nil, endRequests: Bool = false
    ) throws -> ClientCall {
        try makeCall(method.path, metadata: metadata, timeout: timeout, firstMessage: firstMessage, endRequests: endRequests)
    }
}
