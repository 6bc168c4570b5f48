/// Inbound messages of one call (a server's requests or a client's responses) as raw bytes. Reading a message returns its bytes to the peer's
/// flow-control window (through `onConsumed`), so a handler that stops reading stops the client.
public struct RawMessageStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    let stream: AsyncThrowingStream<[UInt8], any Error>
    let onConsumed: @Sendable (Int) -> Void
    /// Called when the stream ends: throws if the end is a failure. (AsyncThrowingStream ends a
    /// cancelled task's iteration with nil, which must not look like a clean end of stream.)
    let onEnd: @Sendable () throws -> Void

    init(stream: AsyncThrowingStream<[UInt8], any Error>, onConsumed: @escaping @Sendable (Int) -> Void,
         onEnd: @escaping @Sendable () throws -> Void = { if Task.isCancelled { throw CancellationError() } }) {
        self.stream = stream
        self.onConsumed = onConsumed
        self.onEnd = onEnd
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator
        let onConsumed: @Sendable (Int) -> Void
        let onEnd: @Sendable () throws -> Void
        public mutating func next() async throws -> [UInt8]? {
            guard let m = try await base.next() else {
                try onEnd()
                return nil
            }
            onConsumed(m.count + 5)
            return m
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), onConsumed: onConsumed, onEnd: onEnd)
    }

    /// Exactly one message, as single-request (and single-response) calls require.
    func single<M: ProtoMessage>(as: M.Type, what: String = "request") async throws -> M {
        var it = makeAsyncIterator()
        guard let first = try await it.next() else {
            throw RPCError(.internal, "the call ended without a \(what) message")
        }
        guard try await it.next() == nil else {
            throw RPCError(.internal, "more than one \(what) message on a call that carries one")
        }
        do {
            return try M(protobufBytes: first)
        } catch {
            throw RPCError(what == "request" ? .invalidArgument : .internal, error.description)
        }
    }
}
