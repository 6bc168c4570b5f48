import CNet
import ConcurrencySupport
import Synchronization

/// One call on the client: the request side (send, finish, cancel) and the response side (initial
/// metadata, messages, final status). Created by `RPCClient`; the typed helpers there wrap it.
public final class ClientCall: CNetStream, @unchecked Sendable {
    private struct State {
        var ref: cnet_stream_ref?
        var pending: [(data: [UInt8]?, end: Bool)] = []   // sends issued before the stream id was known
        var cancelRequested: UInt32?
        var halfClosed = false
        var status: RPCError?          // set once: the call's outcome (code .ok for success)
        var initialMetadata: Metadata?
        var metadataWaiters: [CheckedContinuation<Metadata, any Error>] = []
        var trailingMetadata = Metadata()
        var outstanding = 0
        var writeWaiter: CheckedContinuation<Void, any Error>?
        var queuedInbound = 0
        var unconsumed = 0
    }

    public let path: String
    private let state = Lock(State())
    private var framer: MessageFramer        // loop thread only
    private var httpStatus = ""              // loop thread only
    private let responses: AsyncThrowingStream<[UInt8], any Error>
    private let continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation

    init(path: String, maxMessageSize: Int) {
        self.path = path
        self.framer = MessageFramer(maxMessageSize: maxMessageSize)
        (responses, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
    }

    // MARK: Request side (any task)

    /// Sends one message; waits while too much is queued towards the server.
    public func send(_ message: [UInt8]) async throws {
        let framed = MessageFramer.frame(message)
        let mustWait: Bool = try state.withLock { s in
            if let status = s.status { throw status.code == .ok ? RPCError(.failedPrecondition, "the call has ended") : status }
            if s.halfClosed { throw RPCError(.failedPrecondition, "send after the request stream was finished") }
            s.outstanding += framed.count
            if let ref = s.ref { ref.submit(data: framed) } else { s.pending.append((framed, false)) }
            return s.outstanding > ServerCall.highWater
        }
        if mustWait {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let now: (any Error)?? = state.withLock { s in
                    if let status = s.status, status.code != .ok { return .some(status) }
                    if s.outstanding <= ServerCall.highWater || s.status != nil { return .some(nil) }
                    s.writeWaiter = c
                    return nil
                }
                if let r = now { if let e = r { c.resume(throwing: e) } else { c.resume() } }
            }
        }
    }

    /// Sends bytes that are already length-prefixed (several messages at once, or deliberately
    /// malformed frames in tests).
    func sendPreframed(_ framed: [UInt8]) {
        state.withLock { s in
            s.outstanding += framed.count
            if let ref = s.ref { ref.submit(data: framed) } else { s.pending.append((framed, false)) }
        }
    }

    /// Half-closes: no more request messages.
    public func finishRequests() {
        state.withLock { s in
            if s.halfClosed || s.status != nil { return }
            s.halfClosed = true
            if let ref = s.ref { ref.submit(endStream: true) } else { s.pending.append((nil, true)) }
        }
    }

    func markHalfClosed() { state.withLock { $0.halfClosed = true } }

    /// Cancels the call: RST_STREAM(CANCEL) to the server, and CANCELLED (or `error`) locally.
    public func cancel(_ error: RPCError = RPCError(.cancelled, "the call was cancelled by the client")) {
        let ref: cnet_stream_ref? = state.withLock { s in
            if s.status == nil { s.cancelRequested = UInt32(CNET_H2_CANCEL) }
            return s.ref
        }
        complete(with: error)
        ref?.reset(UInt32(CNET_H2_CANCEL))
    }

    // MARK: Response side (any task)

    /// The response messages; iteration ends after the last one when the status is OK and throws
    /// the `RPCError` otherwise.
    public var messages: RawMessageStream {
        RawMessageStream(stream: responses, onConsumed: { [weak self] n in self?.consumed(n) }, onEnd: { [weak self] in
            if let status = self?.state.withLock({ $0.status }), status.code != .ok { throw status }
            if Task.isCancelled { throw RPCError(.cancelled, "the call was cancelled by the client") }
        })
    }

    /// The server's initial metadata (waits for the response headers).
    public var initialMetadata: Metadata {
        get async throws {
            try await withCheckedThrowingContinuation { c in
                let now: Result<Metadata, any Error>? = state.withLock { s in
                    if let md = s.initialMetadata { return .success(md) }
                    if let st = s.status { return st.code == .ok ? .success(Metadata()) : .failure(st) }
                    s.metadataWaiters.append(c)
                    return nil
                }
                if let now { c.resume(with: now) }
            }
        }
    }

    /// Trailing metadata; complete once `messages` has finished.
    public var trailingMetadata: Metadata { state.withLock { $0.trailingMetadata } }

    // MARK: CNet callbacks (loop thread)

    override func streamOpened(_ ref: cnet_stream_ref) {
        let cancel: UInt32? = state.withLock { s in
            s.ref = ref
            for p in s.pending { ref.submit(data: p.data, endStream: p.end) }
            s.pending = []
            return s.cancelRequested
        }
        if let cancel { ref.reset(cancel) }
    }

    override func receivedHeaders(_ headers: [(name: String, value: String)], isTrailers: Bool) {
        var status: String?, message: String?, contentType: String?
        for (n, v) in headers {
            switch n {
            case ":status": httpStatus = v
            case "grpc-status": status = v
            case "grpc-message": message = WireHeaders.percentDecode(v)
            case "content-type": contentType = v
            default: break
            }
        }
        let md = WireHeaders.metadata(from: headers)
        if !isTrailers {
            if httpStatus != "200" || !(contentType ?? "").hasPrefix("application/grpc") {
                complete(with: Self.httpError(httpStatus, contentType))
                return
            }
            let waiters: [CheckedContinuation<Metadata, any Error>] = state.withLock { s in
                s.initialMetadata = md
                defer { s.metadataWaiters = [] }
                return s.metadataWaiters
            }
            for w in waiters { w.resume(returning: md) }
            return
        }
        // Trailers, or a trailers-only response.
        guard let status else {
            complete(with: httpStatus != "200" ? Self.httpError(httpStatus, contentType)
                         : RPCError(.internal, "the server's trailers have no grpc-status"))
            return
        }
        guard let code = Int(status).flatMap(StatusCode.init(rawValue:)) else {
            complete(with: RPCError(.unknown, "invalid grpc-status \"\(status)\""))
            return
        }
        if code == .ok, !framer.isAtBoundary {
            complete(with: RPCError(.internal, "the response ended inside a message"))
            return
        }
        state.withLock { $0.trailingMetadata = md }
        complete(with: RPCError(code, message ?? "", metadata: md))
    }

    /// HTTP status to gRPC status for responses without grpc-status (PROTOCOL-HTTP2 / http-grpc-status-mapping).
    static func httpError(_ status: String, _ contentType: String?) -> RPCError {
        let code: StatusCode = switch status {
        case "400": .internal
        case "401": .unauthenticated
        case "403": .permissionDenied
        case "404": .unimplemented
        case "429", "502", "503", "504": .unavailable
        default: .unknown
        }
        return RPCError(code, "HTTP status \(status), content-type \(contentType ?? "none")")
    }

    override func receivedData(_ data: UnsafeRawBufferPointer) -> Int {
        var delivered = 0
        do {
            try framer.append(data) { m in
                delivered += m.count + 5
                continuation.yield(m)
            }
        } catch {
            cancel(error.rpcError)
            return data.count
        }
        return state.withLock { s in
            s.queuedInbound += delivered
            if s.queuedInbound <= ServerCall.highWater && s.unconsumed == 0 { return data.count }
            s.unconsumed += data.count
            return 0
        }
    }

    /// The caller read a message: reopen the window if it was held back.
    func consumed(_ n: Int) {
        let (ref, release): (cnet_stream_ref?, Int) = state.withLock { s in
            s.queuedInbound -= n
            guard s.unconsumed > 0, s.queuedInbound <= ServerCall.highWater else { return (nil, 0) }
            defer { s.unconsumed = 0 }
            return (s.ref, s.unconsumed)
        }
        if let ref, release > 0 { ref.consume(release) }
    }

    override func sent(_ bytes: Int) {
        let w: CheckedContinuation<Void, any Error>? = state.withLock { s in
            s.outstanding -= bytes
            guard s.outstanding <= ServerCall.highWater else { return nil }
            defer { s.writeWaiter = nil }
            return s.writeWaiter
        }
        w?.resume()
    }

    override func closed(errorCode: UInt32) {
        let reason = errorCode == 0 ? "the stream closed without a status"
            : "the stream was reset (HTTP/2 error \(errorCode))"
        complete(with: RPCError(errorCode == UInt32(CNET_H2_CANCEL) ? .cancelled : .unavailable, reason))
    }

    /// Records the outcome once and wakes everyone waiting on the call.
    func complete(with outcome: RPCError) {
        let (first, waiters, writer): (Bool, [CheckedContinuation<Metadata, any Error>], CheckedContinuation<Void, any Error>?) =
            state.withLock { s in
                guard s.status == nil else { return (false, [], nil) }
                s.status = outcome
                defer { s.metadataWaiters = []; s.writeWaiter = nil }
                return (true, s.metadataWaiters, s.writeWaiter)
            }
        guard first else { return }
        if outcome.code == .ok { continuation.finish() } else { continuation.finish(throwing: outcome) }
        for w in waiters {
            if outcome.code == .ok { w.resume(returning: Metadata()) } else { w.resume(throwing: outcome) }
        }
        if outcome.code == .ok { writer?.resume() } else { writer?.resume(throwing: outcome) }
    }
}
