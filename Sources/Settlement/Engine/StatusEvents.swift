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
/// transaction ids, or nothing for every event, and may name the statuses it wants (nil: all).
/// Publishers of large sets of events (the finality engine: every transaction of a commitment)
/// ask `interest(in:)` first and build only the events someone will receive. Slow subscribers are bounded: each keeps at most
/// `bufferLimit` undelivered events and is ended (with `overflowed`) past that, rather than letting
/// one reader grow the engine's memory.
public final class StatusEvents: Sendable {
    public enum End: Error, Sendable { case overflowed }

    private struct Subscriber {
        let ids: Set<Digest32>?
        let statuses: Set<TransactionStatus>?
        let continuation: AsyncThrowingStream<StatusEvent, any Error>.Continuation
    }

    private let subscribers = Mutex<[UInt64: Subscriber]>([:])
    private let nextId = Atomic<UInt64>(0)
    public let bufferLimit: Int

    public init(bufferLimit: Int = 100_000) { self.bufferLimit = bufferLimit }

    public var subscriberCount: Int { subscribers.withLock { $0.count } }

    /// Who would receive an event of some status.
    public enum Interest: Sendable, Equatable {
        /// Nobody: such events need not be built.
        case none
        /// Only subscribers to these ids.
        case ids(Set<Digest32>)
        /// A subscriber to every id.
        case all
    }

    /// Which events of `status` the current subscribers would receive. A subscriber that comes
    /// after this call may miss events published on its answer, exactly as one that comes after
    /// `publish` does.
    public func interest(in status: TransactionStatus) -> Interest {
        subscribers.withLock { subs in
            var ids = Set<Digest32>()
            for sub in subs.values where sub.statuses?.contains(status) ?? true {
                guard let wanted = sub.ids else { return .all }
                ids.formUnion(wanted)
            }
            return ids.isEmpty ? .none : .ids(ids)
        }
    }

    /// A stream of events for `ids` (nil or empty: all) whose status is in `statuses` (nil: every
    /// status). Ends when the consumer stops iterating.
    public func subscribe(ids: [Digest32]?, statuses: Set<TransactionStatus>? = nil) -> AsyncThrowingStream<StatusEvent, any Error> {
        let key = nextId.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncThrowingStream<StatusEvent, any Error>.makeStream(
            bufferingPolicy: .bufferingOldest(bufferLimit))
        let filter = ids.flatMap { $0.isEmpty ? nil : Set($0) }
        subscribers.withLock { $0[key] = Subscriber(ids: filter, statuses: statuses, continuation: continuation) }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: key) }
        }
        return stream
    }

    public func publish(_ events: [StatusEvent]) {
        let subs = subscribers.withLock { Array($0.values) }
        guard !subs.isEmpty else { return }
        for sub in subs {
            for e in events where (sub.ids?.contains(e.id) ?? true) && (sub.statuses?.contains(e.status) ?? true) {
                if case .dropped = sub.continuation.yield(e) {
                    sub.continuation.finish(throwing: End.overflowed)
                    break
                }
            }
        }
    }
}
