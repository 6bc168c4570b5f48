import Settlement
import Synchronization

/// A `SettlementStore` kept in memory: a test double for the RPC-level tests (the real store is the
/// PostgreSQL one in Persistence). Commits are immediate; nothing survives the process.
public final class InMemorySettlementStore: SettlementStore {
    private struct State {
        var genesisHash: Digest32?
        var diffs: [(number: UInt64, diff: StateDiff, root: Digest32)] = []
        var batches: [UInt64: StoredBatch] = [:]
        var transactions: [Digest32: StoredTransaction] = [:]
        var snapshot: StateSnapshot?
    }

    private let state = Lock(State())
    private let commitGate: CommitGate?
    private let reads = Atomic<Int>(0)
    private let lookupsFail = Atomic<Bool>(false)

    /// While true, `transaction(_:)` throws (a database that cannot be reached).
    public func failLookups(_ fail: Bool) { lookupsFail.store(fail, ordering: .relaxed) }

    /// Look-ups served so far (`transaction`, `transactions`, `batch`): what one request costs
    /// the database, for the amplification tests.
    public var readCount: Int { reads.load(ordering: .relaxed) }

    /// - Parameter commitGate: when given, every commit waits until the gate opens.
    public init(commitGate: CommitGate? = nil) { self.commitGate = commitGate }

    public func open(genesis: Genesis, genesisDiff: StateDiff, genesisRoot: Digest32) async throws -> PersistedChain {
        try state.withLock { s in
            if let hash = s.genesisHash {
                guard hash == genesis.hash else { throw TestStoreError("the store was made from another genesis") }
            } else {
                s.genesisHash = genesis.hash
                s.diffs = [(0, genesisDiff, genesisRoot)]
                s.batches[0] = StoredBatch(number: 0, prevRoot: .zero, newRoot: genesisRoot, transactionIds: [], createdAtMs: 0)
            }
            let after = s.snapshot?.batch
            return PersistedChain(snapshot: s.snapshot, diffs: s.diffs.filter { after == nil || $0.number > after! })
        }
    }

    public func commit(_ batch: SealedBatch) async throws {
        await commitGate?.wait()
        try state.withLock { s in
            if let existing = s.batches[batch.number] {
                guard existing.newRoot == batch.newRoot else { throw TestStoreError("batch \(batch.number) differs") }
                return
            }
            guard batch.number == (s.diffs.last?.number ?? 0) + 1 else {
                throw TestStoreError("batch \(batch.number) out of order")
            }
            s.diffs.append((batch.number, batch.diff, batch.newRoot))
            s.batches[batch.number] = StoredBatch(number: batch.number, prevRoot: batch.prevRoot, newRoot: batch.newRoot,
                                                  transactionIds: batch.transactions.map(\.tx.id),
                                                  createdAtMs: batch.createdAtMs)
            for (i, t) in batch.transactions.enumerated() {
                s.transactions[t.tx.id] = StoredTransaction(
                    id: t.tx.id, status: t.accepted ? .sequenced : .rejected, reason: t.reason, batchNumber: batch.number,
                    index: i, stateRoot: batch.newRoot, updatedAtMs: batch.createdAtMs)
            }
        }
    }

    public func transaction(_ id: Digest32) async throws -> StoredTransaction? {
        reads.add(1, ordering: .relaxed)
        if lookupsFail.load(ordering: .relaxed) { throw TestStoreError("the database is unreachable (test)") }
        return state.withLock { $0.transactions[id] }
    }
    public func transactions(_ ids: [Digest32]) async throws -> [Digest32: StoredTransaction] {
        reads.add(1, ordering: .relaxed)
        return state.withLock { s in
            var out: [Digest32: StoredTransaction] = [:]
            for id in ids { if let t = s.transactions[id] { out[id] = t } }
            return out
        }
    }
    public func batch(_ number: UInt64) async throws -> StoredBatch? {
        reads.add(1, ordering: .relaxed)
        return state.withLock { $0.batches[number] }
    }
    public func latestBatchNumber() async throws -> UInt64? { state.withLock { $0.diffs.last?.number } }
    public func saveSnapshot(_ snapshot: StateSnapshot) async throws { state.withLock { $0.snapshot = snapshot } }
    public func persistedChain(upTo batch: UInt64) async throws -> PersistedChain {
        state.withLock { s in
            let snap = s.snapshot.flatMap { $0.batch <= batch ? $0 : nil }
            let after = snap?.batch
            return PersistedChain(snapshot: snap, diffs: s.diffs.filter { (after == nil || $0.number > after!) && $0.number <= batch })
        }
    }

    /// The diffs committed after genesis, with their roots, in order.
    public var committedDiffs: [(number: UInt64, diff: StateDiff, root: Digest32)] {
        state.withLock { Array($0.diffs.dropFirst()) }
    }
}

/// Holds commits back until opened (to fill the pool deterministically).
public final class CommitGate: Sendable {
    public init() {}
    private let state = Lock<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    public func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let go = state.withLock { s in
                if s.open { return true }
                s.waiters.append(c)
                return false
            }
            if go { c.resume() }
        }
    }

    /// Commits waiting at the gate.
    public var waiting: Int { state.withLock { $0.waiters.count } }

    public func open() {
        let waiters = state.withLock { s in
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }
}

public struct TestStoreError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

