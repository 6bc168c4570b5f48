import Synchronization
import ZK

/// The shielded transactions verified at admission and waiting for a batch's shielded lane, in
/// arrival order (docs/shielded.md, "How it enters the engine").
///
/// Only transactions whose proofs verified enter, so a copy of a pending transaction's id (the
/// id leaves the proof out) under a garbage proof never reaches it: a griefer cannot displace a
/// victim's transaction. A second verified copy of a queued id gets the first one's receipt, up
/// to `maxCopiesPerEntry` copies (copies cost the sender one verification each, and a receipt
/// handler chained per copy would otherwise grow without bound).
/// A transaction spending a nullifier that another queued transaction spends is refused
/// (`nullifierPending`): only the note's owner can prove a spend of it, and each further spend
/// would take a lane slot to be refused there for free.
public final class ShieldedQueue: Sendable {
    /// One queued transaction.
    public struct Entry: Sendable {
        public let tx: ShieldedTransaction
        public let id: Digest32
        public let receivedAt: ContinuousClock.Instant
        public let onReceipt: ReceiptHandler
        /// Submissions `onReceipt` answers (the first plus attached copies).
        var copies = 1

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
        /// The id is queued and `limit` submissions of it already wait for its receipt.
        case tooManyCopies(limit: Int)
        /// Another queued transaction spends one of its nullifiers.
        case nullifierPending
    }

    /// Most submissions of one transaction that wait on one queue entry (as the transparent pool).
    public static let maxCopiesPerEntry = TransactionPool.maxCopiesPerEntry

    private struct State {
        var entries: [Entry] = []
        var head = 0
        var ids: [Digest32: Int] = [:]
        /// The nullifiers of the queued transactions.
        var nullifiers: Set<Fr> = []
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
                guard old.copies < Self.maxCopiesPerEntry else { return .tooManyCopies(limit: Self.maxCopiesPerEntry) }
                var chained = Entry(tx: old.tx, id: old.id, receivedAt: old.receivedAt, onReceipt: { r in
                    first(r)
                    second(r)
                })
                chained.copies = old.copies + 1
                s.entries[i] = chained
                return .attached
            }
            guard s.entries.count - s.head < capacity else { return .full(capacity: capacity) }
            let spent = entry.tx.statement.nullifiers
            if spent.contains(where: s.nullifiers.contains) { return .nullifierPending }
            s.nullifiers.formUnion(spent)
            s.ids[entry.id] = s.entries.count
            s.entries.append(entry)
            return .queued
        }
    }

    /// Removes and returns the oldest `max` transactions.
    public func take(max: Int) -> [Entry] { take(max: max, maxDataBytes: .max) { _ in 0 } }

    /// Removes and returns the oldest transactions, at most `max` and no more than fit in
    /// `maxDataBytes` by `size` (the bytes each adds to the batch's L1 data): the sequencer keeps
    /// a batch's lane within what one commitment's data can carry. The first one that does not
    /// fit stays at the head (order is kept; a later, smaller one does not overtake it).
    public func take(max: Int, maxDataBytes: Int, size: (ShieldedTransaction) -> Int) -> [Entry] {
        state.withLock { s in
            var end = s.head
            var bytes = 0
            while end < s.entries.count && end - s.head < max {
                let n = size(s.entries[end].tx)
                guard n <= maxDataBytes - bytes else { break }
                bytes += n
                end += 1
            }
            let taken = Array(s.entries[s.head..<end])
            for e in taken {
                s.ids[e.id] = nil
                s.nullifiers.subtract(e.tx.statement.nullifiers)
            }
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
