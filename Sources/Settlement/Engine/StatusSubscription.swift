import Synchronization

/// One subscriber's bounded queue of status events (`StatusEvents.subscribe`), read with
/// `for try await`.
///
/// The adversary is a subscriber that stops reading (an HTTP/2 window kept at 0) while events
/// keep coming: it may hold at most `limit` undelivered events. The event that would exceed it
/// drops the subscriber: the queue is freed at once and the next read throws
/// `StatusEvents.End.overflowed` (not after the backlog), and no further events are queued.
public final class StatusSubscription: AsyncSequence, Sendable {
    public typealias Element = StatusEvent
    public typealias Failure = any Error

    private struct State {
        var buffer: [StatusEvent] = []
        var head = 0
        var waiter: CheckedContinuation<StatusEvent?, any Error>?
        var overflowed = false
        var finished = false
    }

    private let state = Lock(State())
    /// Most undelivered events.
    public let limit: Int
    private let onEnd: @Sendable () -> Void

    init(limit: Int, onEnd: @escaping @Sendable () -> Void) {
        self.limit = Swift.max(1, limit)
        self.onEnd = onEnd
    }

    deinit { onEnd() }

    /// Undelivered events (for tests and metrics).
    public var backlog: Int { state.withLock { $0.buffer.count - $0.head } }

    /// Queues `event` or hands it to a waiting reader; false when the subscriber is gone (it
    /// overflowed now or before, or finished).
    func offer(_ event: StatusEvent) -> Bool {
        enum Outcome { case queued, handed(CheckedContinuation<StatusEvent?, any Error>), dropped }
        let outcome: Outcome = state.withLock { s in
            if s.overflowed || s.finished { return .dropped }
            if let w = s.waiter {
                s.waiter = nil
                return .handed(w)
            }
            if s.buffer.count - s.head >= limit {
                s.overflowed = true
                s.buffer = []
                s.head = 0
                return .dropped
            }
            s.buffer.append(event)
            return .queued
        }
        switch outcome {
        case .queued: return true
        case .handed(let w): w.resume(returning: event); return true
        case .dropped: return false
        }
    }

    /// Ends the stream normally (the reader gets what is queued, then the end).
    func finish() {
        let w = state.withLock { s -> CheckedContinuation<StatusEvent?, any Error>? in
            s.finished = true
            defer { s.waiter = nil }
            return s.buffer.count == s.head ? s.waiter : nil
        }
        w?.resume(returning: nil)
    }

    fileprivate func next() async throws -> StatusEvent? {
        enum Now { case event(StatusEvent), end, overflow, wait }
        let now: Now = state.withLock { s in
            if s.overflowed { return .overflow }
            if s.head < s.buffer.count {
                let e = s.buffer[s.head]
                s.head += 1
                if s.head == s.buffer.count {
                    s.buffer.removeAll(keepingCapacity: s.buffer.capacity <= 64)
                    s.head = 0
                }
                return .event(e)
            }
            return s.finished ? .end : .wait
        }
        switch now {
        case .event(let e): return e
        case .end: return nil
        case .overflow: throw StatusEvents.End.overflowed
        case .wait: break
        }
        try Task.checkCancellation()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<StatusEvent?, any Error>) in
                let ready: Result<StatusEvent?, any Error>? = state.withLock { s in
                    if s.overflowed { return .failure(StatusEvents.End.overflowed) }
                    if s.head < s.buffer.count {
                        let e = s.buffer[s.head]
                        s.head += 1
                        return .success(e)
                    }
                    if s.finished { return .success(nil) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    s.waiter = c
                    return nil
                }
                if let ready { c.resume(with: ready) }
            }
        } onCancel: {
            let w = state.withLock { s in defer { s.waiter = nil }; return s.waiter }
            w?.resume(throwing: CancellationError())
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let subscription: StatusSubscription
        public mutating func next() async throws -> StatusEvent? { try await subscription.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(subscription: self) }
}
