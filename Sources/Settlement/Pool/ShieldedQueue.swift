import Synchronization

/// The shielded transactions verified at admission and waiting for a batch's shielded lane, in
/// arrival order (docs/shielded.md, "How it enters the engine").
///
/// Only transactions whose proofs verified enter, so a copy of a pending transaction's id (the
/// id leaves the proof out) under a garbage proof never reaches it: a griefer cannot displace a
/// victim's transaction. A second verified copy of a queued id gets the first one's receipt.
/// Nullifier conflicts between queued transactions are the lane's to refuse, in order.
public final class ShieldedQueue: Sendable {
    /// One queued transaction.
    public struct Entry: Sendable {
        public let tx: ShieldedTransaction
        public let id: Digest32
        public let receivedAt: ContinuousClock.Instant
        public let onReceipt: ReceiptHandler

        public init(tx: ShieldedTransaction, id: Digest32, receivedAt: ContinuousClock.Instant, onReceipt: @escaping ReceiptHandler) {
            self.tx = tx
            self.id = id
            self.receivedAt = receivedAt
            self.onReceipt = onReceipt
        }
    }

    /// What `add` did.
    public enum Outcome: Sendable, Equatable {
        case queued
        /// The id was already queued: the handler now gets that transaction's receipt too.
        case attached
        /// The queue holds `capacity` transactions.
        case full(capacity: Int)
    }

    private struct State {
        var entries: [Entry] = []
        var head = 0
        var ids: [Digest32: Int] = [:]
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int) {
        precondition(capacity > 0, "a shielded queue holds at least one transaction")
        self.capacity = capacity
    }

    /// Queued transactions.
    public var count: Int { state.withLock { $0.entries.count - $0.head } }

    public func contains(_ id: Digest32) -> Bool { state.withLock { $0.ids[id] != nil } }

    /// Queues `entry` (see `Outcome`).
    public func add(_ entry: Entry) -> Outcome {
        state.withLock { s in
            if let i = s.ids[entry.id] {
                let first = s.entries[i].onReceipt, second = entry.onReceipt
                let old = s.entries[i]
                s.entries[i] = Entry(tx: old.tx, id: old.id, receivedAt: old.receivedAt, onReceipt: { r in
                    first(r)
                    second(r)
                })
                return .attached
            }
            guard s.entries.count - s.head < capacity else { return .full(capacity: capacity) }
            s.ids[entry.id] = s.entries.count
            s.entries.append(entry)
            return .queued
        }
    }

    /// Removes and returns the oldest `max` transactions.
    public func take(max: Int) -> [Entry] {
        state.withLock { s in
            let end = s.head + min(s.entries.count - s.head, max)
            let taken = Array(s.entries[s.head..<end])
            for e in taken { s.ids[e.id] = nil }
            s.head = end
            if s.head == s.entries.count {
                s.entries.removeAll(keepingCapacity: true)
                s.head = 0
            } else if s.head > 1_024 && s.head * 2 > s.entries.count {
                s.entries.removeFirst(s.head)
                for (k, v) in s.ids { s.ids[k] = v - s.head }
                s.head = 0
            }
            return taken
        }
    }

    /// Removes and returns everything queued.
    public func drainAll() -> [Entry] { take(max: Int.max) }
}
