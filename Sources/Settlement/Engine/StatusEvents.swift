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
/// ask `interest(in:)` first and build only the events someone will receive. Slow subscribers are
/// bounded: each keeps at most `bufferLimit` undelivered events and is dropped past that (its queue
/// freed, its next read throws `overflowed`), rather than letting one reader that stops reading
/// grow the engine's memory (`StatusSubscription`; `SettlementConfig.statusSubscriberBuffer`).
public final class StatusEvents: Sendable {
    public enum End: Error, Sendable { case overflowed }

    private struct Subscriber {
        let ids: Set<Digest32>?
        let statuses: Set<TransactionStatus>?
        /// Weak: the subscription ends (and unregisters) when its reader lets go of it.
        weak var queue: StatusSubscription?
    }

    private let subscribers = Lock<[UInt64: Subscriber]>([:])
    private let nextId = Atomic<UInt64>(0)
    public let bufferLimit: Int

    public init(bufferLimit: Int = 1_024) { self.bufferLimit = max(1, bufferLimit) }

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
    /// status). Ends when the reader lets go of it; throws `End.overflowed` once the reader has
    /// fallen more than `bufferLimit` events behind.
    public func subscribe(ids: [Digest32]?, statuses: Set<TransactionStatus>? = nil) -> StatusSubscription {
        let key = nextId.add(1, ordering: .relaxed).newValue
        let queue = StatusSubscription(limit: bufferLimit) { [weak self] in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: key) }
        }
        let filter = ids.flatMap { $0.isEmpty ? nil : Set($0) }
        subscribers.withLock { $0[key] = Subscriber(ids: filter, statuses: statuses, queue: queue) }
        return queue
    }

    public func publish(_ events: [StatusEvent]) {
        let subs = subscribers.withLock { $0 }
        guard !subs.isEmpty else { return }
        var dropped: [UInt64] = []
        for (key, sub) in subs {
            guard let queue = sub.queue else { continue }
            for e in events where (sub.ids?.contains(e.id) ?? true) && (sub.statuses?.contains(e.status) ?? true) {
                if !queue.offer(e) {
                    dropped.append(key)
                    break
                }
            }
        }
        // A dropped subscriber gets nothing more: unregister it now, not when its reader lets go.
        if !dropped.isEmpty { subscribers.withLock { for k in dropped { $0.removeValue(forKey: k) } } }
    }
}
