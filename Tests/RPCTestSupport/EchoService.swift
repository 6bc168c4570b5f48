import GRPC
/// The test messages under their short names.
public typealias EchoRequest = RPCTestV1.EchoRequest
/// The test messages under their short names.
public typealias EchoResponse = RPCTestV1.EchoResponse

/// The test service `rpctest.v1.Echo` (Protos/rpctest/v1/echo.proto), used by the RPC layer's
/// tests and the interoperability peer.
///
/// Every request may ask for a delay (`delay_ms`, a cancellable sleep before answering), a failure
/// (`fail_with_code`: the call ends with that status and "requested failure") and a payload size
/// (`response_size`: each response carries that many bytes instead of the echoed payload). The
/// client's custom metadata is echoed back, both with the response headers and with the trailers.
public struct EchoService: RPCTestV1.EchoServiceProtocol {
    public static let name = RPCTestV1.EchoMethods.serviceName

    /// The largest `response_size` honoured; larger requests fail with INVALID_ARGUMENT.
    public static let maxResponseSize: UInt32 = 64 << 20

    public init() {}

    public func get(request: EchoRequest, context: ServerContext) async throws -> EchoResponse {
        Self.echoMetadata(context)
        try await Self.prepare(request)
        return try Self.response(text: request.text, for: request)
    }

    /// Each word of the text as one response (`response_count` rounds).
    public func expand(request: EchoRequest, response: ResponseWriter<EchoResponse>, context: ServerContext) async throws {
        Self.echoMetadata(context)
        try await Self.prepare(request)
        let words = request.text.split(separator: " ", omittingEmptySubsequences: true)
        for _ in 0..<max(1, Int(request.responseCount)) {
            for word in words {
                try Task.checkCancellation()
                try await response.send(Self.response(text: String(word), for: request))
            }
        }
    }

    /// The texts joined with spaces; the payloads concatenated (or the last request's
    /// response_size).
    public func collect(request requests: RequestStream<EchoRequest>, context: ServerContext) async throws -> EchoResponse {
        Self.echoMetadata(context)
        var texts: [String] = []
        var joined = EchoRequest()
        for try await request in requests {
            try await Self.prepare(request)
            texts.append(request.text)
            joined.payload += request.payload
            joined.responseSize = request.responseSize
        }
        return try Self.response(text: texts.joined(separator: " "), for: joined)
    }

    /// One response per request, as it comes.
    public func update(request requests: RequestStream<EchoRequest>, response: ResponseWriter<EchoResponse>,
                       context: ServerContext) async throws {
        Self.echoMetadata(context)
        for try await request in requests {
            try await Self.prepare(request)
            try await response.send(Self.response(text: request.text, for: request))
        }
    }

    /// Sends the client's custom metadata back in the response headers and the trailers.
    static func echoMetadata(_ context: ServerContext) {
        guard !context.metadata.isEmpty else { return }
        context.response.initial = context.metadata
        context.response.trailing = context.metadata
    }

    /// Sleeps for `delay_ms`, then fails when `fail_with_code` asks for it.
    static func prepare(_ request: EchoRequest) async throws {
        if request.delayMs > 0 {
            try await Task.sleep(for: .milliseconds(Int(request.delayMs)))
        }
        if request.failWithCode != 0 {
            throw RPCError(StatusCode(rawValue: Int(request.failWithCode)) ?? .unknown, "requested failure")
        }
    }

    /// A response with `text` and either a `response_size` payload or the request's payload.
    static func response(text: String, for request: EchoRequest) throws -> EchoResponse {
        if request.responseSize > 0 {
            guard request.responseSize <= maxResponseSize else {
                throw RPCError(.invalidArgument, "response_size \(request.responseSize) exceeds \(maxResponseSize)")
            }
            return EchoResponse(text: text, payload: payload(size: Int(request.responseSize)))
        }
        return EchoResponse(text: text, payload: request.payload)
    }

    /// `size` bytes counting 0, 1, ..., 255, 0, ...
    static func payload(size: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: $0) }
    }
}
