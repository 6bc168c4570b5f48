import CNet
import ConcurrencySupport
import Logging
import Synchronization

/// One gRPC call on the server: the bridge between a CNet stream (loop thread) and the handler's
/// task (cooperative pool).
///
/// Inbound: DATA is reassembled into messages on the loop thread and yielded to the handler's
/// `RawMessageStream`. Outbound: the handler's messages, then the status, are submitted to CNet.
/// All mutable state shared between the two sides lives in `state` behind a mutex.
final class ServerCall: CNetStream, @unchecked Sendable {
    private struct State {
        var headersSent = false
        var finished = false          // status sent (or the stream is gone)
        var closed = false            // CNet closed the stream
        var heldResponse: [UInt8]?    // single-response calls send headers, message and status at once
        var outstanding = 0           // bytes submitted and not yet taken by CNet
        var writeWaiter: CheckedContinuation<Void, any Error>?
        var queuedInbound = 0         // bytes yielded to the handler and not yet read
        var queuedMessages = 0        // messages yielded to the handler and not yet read
        var unconsumed = 0            // bytes held back from the flow-control window
        var task: Task<Void, Never>?
        var deadlineTask: Task<Void, Never>?
        var budgetSettled = false     // the close returned every charge: consumed() releases nothing
        /// What the queued messages cost: their bytes plus the per-message overhead.
        var queuedCost: Int { queuedInbound + queuedMessages * ServerCall.queuedMessageOverhead }
    }

    /// Above this many bytes queued in either direction, the call pushes back on its peer.
    static let highWater = 1 << 20
    /// What a queued message costs besides its bytes (array header, allocator and stream
    /// bookkeeping): charged to the inbound budget so that floods of tiny messages count too.
    static let queuedMessageOverhead = 256

    let ref: cnet_stream_ref
    let method: RPCMethod
    let context: ServerContext
    let logger: Logger
    private let state = Lock(State())
    private var framer: MessageFramer          // loop thread only
    private var inboundFailed = false          // loop thread only
    private var singleRequest: [UInt8]?        // loop thread only (single-request calls)
    private var requestCount = 0               // loop thread only
    private let budget: InboundBudget
    /// The connection's share of the inbound budget: joined in init for streaming-request calls (the
    /// handler's reads release charges), lazily on the loop thread for the others.
    private var account: InboundBudget.Account?
    private var heldCharge = 0                 // loop thread only: a single request's buffered bytes
    /// The request stream of client- and bidirectional-streaming calls (nil for the others,
    /// which get their one message when it is complete).
    private let inbound: AsyncThrowingStream<[UInt8], any Error>.Continuation?
    private let inboundStream: AsyncThrowingStream<[UInt8], any Error>?

    init(ref: cnet_stream_ref, method: RPCMethod, context: ServerContext, maxMessageSize: Int,
         budget: InboundBudget, logger: Logger) {
        self.ref = ref
        self.method = method
        self.context = context
        self.logger = logger
        self.budget = budget
        if case .streamingRequests = method.body {
            let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
            (inboundStream, inbound) = (stream, continuation)
            account = budget.join(ref)
            framer = MessageFramer(maxMessageSize: maxMessageSize)
        } else {
            (inboundStream, inbound) = (nil, nil)
            // One request message: the prefix of a second one is refused before its body is read.
            framer = MessageFramer(maxMessageSize: maxMessageSize, maxMessages: 1)
        }
        super.init()
    }

    /// Called on the loop thread right after the stream was accepted: arms the deadline, and
    /// starts the handler of a streaming-request call (single-request calls start when their
    /// message is complete: `remoteEnded`).
    func start() {
        var task: Task<Void, Never>?
        if case .streamingRequests(let handler) = method.body, let inboundStream {
            let requests = RawMessageStream(stream: inboundStream) { [weak self] n in self?.consumed(n) }
            task = Task { [self] in await run { try await handler(requests, self, self.context) } }
        }
        startDeadline()
        if let task { state.withLock { $0.task = task } }
    }

    private func startDeadline() {
        var deadlineTask: Task<Void, Never>?
        if let deadline = context.deadline {
            deadlineTask = Task { [weak self] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                guard !Task.isCancelled, let self else { return }
                self.finish(RPCError(.deadlineExceeded, "deadline exceeded"))
                self.state.withLock { $0.task }?.cancel()
            }
        }
        if let deadlineTask { state.withLock { $0.deadlineTask = deadlineTask } }
    }

    private func run(_ body: () async throws -> Void) async {
        do {
            try await body()
            finish(nil)
        } catch let error as RPCError {
            finish(error)
        } catch is CancellationError {
            finish(RPCError(.cancelled, "the call was cancelled"))
        } catch {
            logger.error("handler failed", metadata: ["path": "\(context.path)", "error": "\(error)"])
            finish(RPCError(.internal, "internal error"))
        }
        state.withLock {
            $0.task = nil
            $0.deadlineTask?.cancel()
            $0.deadlineTask = nil
        }
    }

    // MARK: Outbound (handler side)

    private func responseHeaders(_ md: Metadata) -> [(String, String)] {
        var h: [(String, String)] = [(":status", "200"), ("content-type", "application/grpc")]
        WireHeaders.append(md, to: &h)
        return h
    }

    /// Sends one response message, waiting while too much is queued towards a slow reader.
    func send(_ message: [UInt8]) async throws {
        let framed = MessageFramer.frame(message)
        let single = method.kind == .unary || method.kind == .clientStreaming
        let mustWait: Bool = try state.withLock { s in
            if s.finished || s.closed { throw RPCError(.cancelled, "the call is no longer active") }
            if single {
                s.heldResponse = framed
                return false
            }
            var headers: [(String, String)]?
            if !s.headersSent {
                s.headersSent = true
                headers = responseHeaders(context.response.initial)
            }
            s.outstanding += framed.count
            ref.submit(headers: headers, data: framed)
            return s.outstanding > Self.highWater
        }
        if mustWait {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let resumeNow: (any Error)?? = state.withLock { s in
                    if s.closed || s.finished { return .some(RPCError(.cancelled, "the call is no longer active")) }
                    if s.outstanding <= Self.highWater { return .some(nil) }
                    s.writeWaiter = c
                    return nil
                }
                if let r = resumeNow {
                    if let e = r { c.resume(throwing: e) } else { c.resume() }
                }
            }
        }
    }

    /// Ends the call with OK (error nil) or the error's status. Only the first call counts.
    func finish(_ error: RPCError?) {
        let waiter: CheckedContinuation<Void, any Error>? = state.withLock { s in
            if s.finished || s.closed { return nil }
            s.finished = true
            defer { s.heldResponse = nil }
            if let held = s.heldResponse, error == nil, !s.headersSent, context.response.isEmpty {
                // The common case: prebuilt headers and trailers, one submission.
                s.headersSent = true
                ref.submit(headers: StaticHeaderBlock.okResponse, data: held, trailers: StaticHeaderBlock.okTrailers)
                let w = s.writeWaiter
                s.writeWaiter = nil
                return w
            }
            var trailers: [(String, String)] = []
            let code = error?.code ?? .ok
            trailers.append(("grpc-status", String(code.rawValue)))
            if let error, !error.message.isEmpty {
                trailers.append(("grpc-message", WireHeaders.percentEncode(error.message)))
            }
            if code == .unimplemented { trailers.append(("grpc-accept-encoding", "identity")) }
            WireHeaders.append(error.map { $0.metadata } ?? context.response.trailing, to: &trailers)
            if let held = s.heldResponse, error == nil {
                ref.submit(headers: responseHeaders(context.response.initial), data: held, trailers: trailers)
            } else if s.headersSent {
                ref.submit(trailers: trailers)
            } else {
                // Trailers-only response: one HEADERS frame with END_STREAM.
                s.headersSent = true
                ref.submit(headers: responseHeaders(context.response.initial) + trailers, endStream: true)
            }
            let w = s.writeWaiter
            s.writeWaiter = nil
            return w
        }
        waiter?.resume(throwing: RPCError(.cancelled, "the call has ended"))
    }

    // MARK: Inbound (loop thread)

    /// The framer's budget hook (loop thread): a partial body is charged from its prefix; a single
    /// request keeps its charge until the handler takes it, a streamed one returns it on completion
    /// (the message is then charged as queued until the handler reads it).
    private func partialBudget(_ n: Int) -> Bool {
        if account == nil { account = budget.join(ref) }
        guard let account else { return false }
        if n < 0 {
            if inbound != nil { budget.release(-n, from: account) }
            return true
        }
        guard budget.charge(n, to: account) else { return false }
        if inbound == nil { heldCharge += n }
        return true
    }

    override func receivedData(_ data: UnsafeRawBufferPointer) -> Int {
        if inboundFailed { return data.count }
        var delivered = 0
        var deliveredMessages = 0
        var refused: Int?
        do {
            try framer.append(data, budget: partialBudget) { message in
                requestCount += 1
                if let inbound, let account {
                    if refused != nil { return }
                    guard budget.charge(message.count + 5 + Self.queuedMessageOverhead, to: account) else {
                        refused = message.count
                        return
                    }
                    delivered += message.count + 5
                    deliveredMessages += 1
                    inbound.yield(message)
                } else if requestCount == 1 {
                    singleRequest = message
                }
            }
        } catch {
            failInbound(error.rpcError)
            return data.count
        }
        if let refused {
            failInbound(MessageFramer.FramingError.overBudget(length: refused).rpcError)
            return data.count
        }
        if inbound == nil {
            if requestCount > 1 { failInbound(RPCError(.internal, "more than one request message on a call that takes one")) }
            return data.count
        }
        // Bytes of a partial message are always returned (the message is bounded by the size
        // limit); whole messages are returned only while the handler keeps up.
        return state.withLock { s in
            s.queuedInbound += delivered
            s.queuedMessages += deliveredMessages
            if s.queuedCost <= Self.highWater && s.unconsumed == 0 { return data.count }
            s.unconsumed += data.count
            return 0
        }
    }

    /// The handler read `n` bytes' worth of messages: reopen the window if it was held back.
    private func consumed(_ n: Int) {
        let (release, charged): (Int, Bool) = state.withLock { s in
            s.queuedInbound -= n
            s.queuedMessages -= 1
            let charged = !s.budgetSettled  // after the close, the close returned this charge
            guard s.unconsumed > 0, s.queuedCost <= Self.highWater, !s.closed else { return (0, charged) }
            let u = s.unconsumed
            s.unconsumed = 0
            return (u, charged)
        }
        if charged, let account { budget.release(n + Self.queuedMessageOverhead, from: account) }
        if release > 0 { ref.consume(release) }
    }

    /// Returns the charges of a partial body and of a held single request (loop thread).
    private func releaseBuffered() {
        guard let account else { return }
        if inbound != nil { budget.release(framer.charged, from: account) }
        budget.release(heldCharge, from: account)
        heldCharge = 0
        framer = MessageFramer(maxMessageSize: framer.maxMessageSize, maxMessages: framer.maxMessages)
    }

    private func failInbound(_ error: RPCError) {
        releaseBuffered()
        inboundFailed = true
        inbound?.finish(throwing: error)
        finish(error)
        state.withLock { $0.task }?.cancel()
    }

    override func remoteEnded() {
        if inboundFailed { return }
        do {
            try framer.finish()
        } catch {
            failInbound(error.rpcError)
            return
        }
        if let inbound {
            inbound.finish()
            return
        }
        guard let request = singleRequest else {
            failInbound(RPCError(.internal, "the call ended without a request message"))
            return
        }
        singleRequest = nil
        if heldCharge > 0, let account {  // the handler owns the request from here
            budget.release(heldCharge, from: account)
            heldCharge = 0
        }
        if state.withLock({ $0.finished || $0.closed }) { return }
        switch method.body {
        case .inline(let handler):
            // Non-blocking by contract: answer on this loop thread, in this turn.
            do {
                let response = try handler(request, context)
                state.withLock { $0.heldResponse = MessageFramer.frame(response) }
                finish(nil)
            } catch let error as RPCError {
                finish(error)
            } catch {
                logger.error("handler failed", metadata: ["path": "\(context.path)", "error": "\(error)"])
                finish(RPCError(.internal, "internal error"))
            }
        case .singleRequest(let handler):
            let task = Task { [self] in await run { try await handler(request, self, self.context) } }
            state.withLock { $0.task = task }
        case .streamingRequests:
            break
        }
    }

    override func sent(_ bytes: Int) {
        let waiter: CheckedContinuation<Void, any Error>? = state.withLock { s in
            s.outstanding -= bytes
            guard s.outstanding <= Self.highWater, let w = s.writeWaiter else { return nil }
            s.writeWaiter = nil
            return w
        }
        waiter?.resume()
    }

    override func closed(errorCode: UInt32) {
        let (task, deadlineTask, waiter, wasFinished, queued) = state.withLock { s in
            s.closed = true
            s.budgetSettled = true
            let w = s.writeWaiter
            s.writeWaiter = nil
            let q = inbound != nil ? max(0, s.queuedCost) : 0
            return (s.task, s.deadlineTask, w, s.finished, q)
        }
        if let account {
            releaseBuffered()
            budget.release(queued, from: account)
            budget.leave(account)
        }
        inbound?.finish(throwing: RPCError(.cancelled, "the client cancelled the call"))
        waiter?.resume(throwing: RPCError(.cancelled, "the client cancelled the call"))
        deadlineTask?.cancel()
        if !wasFinished { task?.cancel() }
    }
}
