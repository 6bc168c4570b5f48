import Synchronization

/// A change of a transaction's status, or a whole batch becoming durable.
public struct StatusEvent: Sendable {
    public let id: Digest32
    public let status: TransactionStatus
    public let reason: String
    public let batchNumber: UInt64
    public let stateRoot: Digest32
    public let atMs: UInt64
}

/// Fans status events out to subscribers (the `SubscribeStatus` streams). A subscriber names
/// transaction ids, or nothing for every event. Slow subscribers are bounded: each keeps at most
/// `bufferLimit` undelivered events and is ended (with `overflowed`) past that, rather than letting
/// one reader grow the engine's memory.
public final class StatusEvents: Sendable {
    public enum End: Error, Sendable { case overflowed }

    private struct Subscriber {
        let ids: Set<Digest32>?
        let continuation: AsyncThrowingStream<StatusEvent, any Error>.Continuation
    }

    private let subscribers = Mutex<[UInt64: Subscriber]>([:])
    private let nextId = Atomic<UInt64>(0)
    public let bufferLimit: Int

    public init(bufferLimit: Int = 100_000) { self.bufferLimit = bufferLimit }

    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    /// A stream of events for `ids` (nil or empty: all). Ends when the consumer stops iterating.
    public func subscribe(ids: [Digest32]?) -> AsyncThrowingStream<StatusEvent, any Error> {
        let key = nextId.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncThrowingStream<StatusEvent, any Error>.makeStream(
            bufferingPolicy: .bufferingOldest(bufferLimit))
        let filter = ids.flatMap { $0.isEmpty ? nil : Set($0) }
        subscribers.withLock { $0[key] = Subscriber(ids: filter, continuation: continuation) }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: key) }
        }
        return stream
    }

    public func publish(_ events: [StatusEvent]) {
        let subs = subscribers.withLock { Array($0.values) }
        guard !subs.isEmpty else { return }
        for sub in subs {
            for e in events where sub.ids?.contains(e.id) ?? true {
                if case .dropped = sub.continuation.yield(e) {
                    sub.continuation.finish(throwing: End.overflowed)
                    break
                }
            }
        }
    }
}
