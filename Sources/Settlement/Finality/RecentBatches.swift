import Synchronization

/// The leader's durable batches that no commitment covers yet, kept in memory so that the
/// finality engine builds a commitment's data (and its POSTED events) from them instead of
/// reading every transfer back from the store.
///
/// The engine records a batch once its commit succeeded, in its own term only (`reset()` when a
/// term begins or the state goes back), so what is held is exactly what the store holds for those
/// numbers; the finality engine still checks the roots at both ends against the store. It drops
/// what a posted commitment covered (`discard(through:)`) and holds at most `limit` batches (the
/// oldest go first): when posting stops (a long `l1_settlement_interval`, posting paused) memory
/// stays bounded, and the finality engine falls back to the store for what is no longer held.
public final class RecentBatches: Sendable {
    private struct Entry {
        let number: UInt64
        let prevRoot: Digest32
        let newRoot: Digest32
        let transactions: [ExecutedTransaction]
        /// The batch's lane as executed (accepted and refused), after the transfers.
        let shielded: [ExecutedShielded]
    }

    private struct Held {
        /// Consecutive batch numbers, oldest first.
        var entries: [Entry] = []
        var start = 0
        var count: Int { entries.count - start }
        func entry(_ number: UInt64) -> Entry? {
            guard count > 0 else { return nil }
            let first = entries[start].number
            guard number >= first, number - first < UInt64(count) else { return nil }
            return entries[start + Int(number - first)]
        }
        mutating func dropFirst(_ n: Int) {
            start += n
            // Compact now and then, not on every drop.
            if start > 64 && start * 2 > entries.count {
                entries.removeFirst(start)
                start = 0
            }
        }
    }

    /// Most batches held.
    public let limit: Int
    private let held = Lock(Held())

    public init(limit: Int) {
        precondition(limit >= 0, "limit must not be negative")
        self.limit = limit
    }

    /// Batches held now.
    public var count: Int { held.withLock { $0.count } }

    /// Records a batch that is durable. A batch that does not follow the newest one held (a gap,
    /// or a number seen before) replaces everything held.
    public func record(_ batch: SealedBatch) {
        guard limit > 0 else { return }
        let entry = Entry(number: batch.number, prevRoot: batch.prevRoot, newRoot: batch.newRoot,
                          transactions: batch.transactions, shielded: batch.shielded)
        held.withLock { h in
            if let last = h.entries.last, h.count > 0, last.number &+ 1 == batch.number, last.newRoot == batch.prevRoot {
                h.entries.append(entry)
            } else {
                h = Held(entries: [entry])
            }
            if h.count > limit { h.dropFirst(h.count - limit) }
        }
    }

    /// Forgets every batch up to `number` (covered by a posted commitment).
    public func discard(through number: UInt64) {
        held.withLock { h in
            guard h.count > 0 else { return }
            let first = h.entries[h.start].number
            guard number >= first else { return }
            h.dropFirst(Int(min(number - first + 1, UInt64(h.count))))
        }
    }

    /// Forgets everything (a new term, or the state went back).
    public func reset() {
        held.withLock { $0 = Held() }
    }

    /// The executed transfers and lanes of batches `from...to` in order, with the root before `from` and the
    /// root after `to`, as `FinalityStore.batchData(from:to:)` gives them; nil unless every one is held.
    public func batchData(from: UInt64, to: UInt64) -> (prevRoot: Digest32, newRoot: Digest32, batches: [BatchData.Batch])? {
        guard from <= to else { return nil }
        let entries: [Entry]? = held.withLock { h in
            guard h.entry(from) != nil, h.entry(to) != nil else { return nil }
            let lo = h.start + Int(from - h.entries[h.start].number)
            return Array(h.entries[lo ... lo + Int(to - from)])
        }
        guard let entries, let first = entries.first, let last = entries.last else { return nil }
        let batches = entries.map { e in BatchData.Batch(number: e.number, transfers: e.transactions.map(\.tx.signed), shielded: e.shielded.map(\.tx)) }
        return (first.prevRoot, last.newRoot, batches)
    }

    /// The ids of the accepted transactions of batches `from...to` in order (as
    /// `FinalityStore.acceptedTransactionIds(from:to:)`), only those in `among` when given; nil
    /// unless every batch is held.
    public func acceptedTransactionIds(from: UInt64, to: UInt64, among: Set<Digest32>? = nil) -> [(batch: UInt64, id: Digest32)]? {
        guard from <= to else { return nil }
        return held.withLock { h -> [(batch: UInt64, id: Digest32)]? in
            guard h.entry(from) != nil, h.entry(to) != nil else { return nil }
            var ids: [(batch: UInt64, id: Digest32)] = []
            if among == nil { ids.reserveCapacity(Int(to - from + 1) * (h.entry(from)?.transactions.count ?? 0)) }
            for n in from ... to {
                guard let e = h.entry(n) else { return nil }
                for t in e.transactions where t.accepted && (among?.contains(t.tx.id) ?? true) {
                    ids.append((n, t.tx.id))
                }
                for t in e.shielded where t.accepted && (among?.contains(t.id) ?? true) { ids.append((n, t.id)) }
            }
            return ids
        }
    }
}
