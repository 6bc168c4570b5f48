import Settlement
import Synchronization
import ZK

/// The whole `SettlementNodeStore` kept in memory: a test double of the PostgreSQL store of
/// Persistence for the engine, RPC and node tests. Commits are immediate; nothing survives the
/// process. Besides the chain it keeps what the finality side needs, with the PostgreSQL store's
/// semantics: commitments and their batches' L1 status (`+Finality`), chain reverts with their
/// archived transactions (`+Revert`), the challenge log (`+Challenges`), the lease and batch
/// feed of a replica set (`+Replication`), with commits fenced by the lease's term, and the
/// shielded pool's lane and effects (`+Shielded`).
public final class InMemorySettlementStore: SettlementStore {
    struct State {
        var genesisHash: Digest32?
        var diffs: [(number: UInt64, diff: StateDiff, root: Digest32)] = []
        var batches: [UInt64: StoredBatch] = [:]
        var transactions: [Digest32: StoredTransaction] = [:]
        var snapshot: StateSnapshot?
        /// Per batch: its executed transactions in order, its term and commit time.
        var executed: [UInt64: (transactions: [ExecutedRecord], term: UInt64, committedAtMs: UInt64)] = [:]
        /// Per batch: the L1 status of the commitment holding it (POSTED and later).
        var l1Status: [UInt64: TransactionStatus] = [:]
        /// Commitments by index, with whether a chain revert handled them.
        var commitments: [UInt64: (record: CommitmentRecord, rolledBack: Bool)] = [:]
        var reverts: [ChainRevert] = []
        /// Accepted transactions found only in reverted batches: REVERTED.
        var reverted: [Digest32: StoredTransaction] = [:]
        var lease: (replica: String, endpoint: String, term: UInt64, expires: ContinuousClock.Instant)?
        var highestTerm: UInt64 = 0
        var heartbeats: [String: (endpoint: String, role: String, appliedBatch: UInt64)] = [:]
        var challenges: [UInt64: (game: L1Game, movesSeen: Int)] = [:]
        var batchSinks: [AsyncStream<UInt64?>.Continuation] = []
        var finalitySinks: [AsyncStream<FinalityNotice>.Continuation] = []
        /// Per batch with a shielded lane: the lane as executed (`+Shielded`).
        var shieldedExecuted: [UInt64: [CommittedTransaction]] = [:]
        /// Each batch's lane as executed (the L1 data carries it).
        var shieldedLanes: [UInt64: [ShieldedTransaction]] = [:]
        /// Per batch that changed the pool: its effects.
        var shieldedEffects: [UInt64: ShieldedBatchEffects] = [:]
        /// Every durable note, in position order.
        var notes: [StoredNote] = []
        /// Every spent nullifier, with its batch.
        var spent: [Fr: UInt64] = [:]
    }

    /// One executed transaction as committed.
    struct ExecutedRecord {
        let id: Digest32
        let signed: SignedTransfer
        let accepted: Bool
        let reason: String
    }

    let state = Lock(State())
    private let commitGate: CommitGate?
    private let reads = Atomic<Int>(0)
    private let lookupsFail = Atomic<Bool>(false)

    /// While true, `transaction(_:)` and `transactions(_:)` throw (a database that cannot be reached).
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
            return Self.chain(upTo: nil, in: s)
        }
    }

    public func commit(_ batch: SealedBatch) async throws {
        await commitGate?.wait()
        let sinks = try state.withLock { s in
            try Self.checkTerm(batch.term, lease: s.lease?.term)
            if let existing = s.batches[batch.number] {
                guard existing.newRoot == batch.newRoot,
                      (s.shieldedExecuted[batch.number] ?? []).map(\.id) == batch.shielded.map(\.id)
                else { throw TestStoreError("batch \(batch.number) differs") }
                return [AsyncStream<UInt64?>.Continuation]()
            }
            guard batch.number == (s.diffs.last?.number ?? 0) + 1 else {
                throw TestStoreError("batch \(batch.number) out of order")
            }
            s.diffs.append((batch.number, batch.diff, batch.newRoot))
            s.batches[batch.number] = StoredBatch(number: batch.number, prevRoot: batch.prevRoot, newRoot: batch.newRoot,
                                                  transactionIds: batch.transactions.map(\.tx.id) + batch.shielded.map(\.id),
                                                  createdAtMs: batch.createdAtMs)
            for (i, t) in batch.transactions.enumerated() {
                s.transactions[t.tx.id] = StoredTransaction(
                    id: t.tx.id, status: t.accepted ? .sequenced : .rejected, reason: t.reason, batchNumber: batch.number,
                    index: i, stateRoot: batch.newRoot, updatedAtMs: batch.createdAtMs)
            }
            s.executed[batch.number] = (batch.transactions.map { ExecutedRecord(id: $0.tx.id, signed: $0.tx.signed, accepted: $0.accepted,
                                                                                 reason: $0.reason) },
                                        batch.term, batch.createdAtMs)
            Self.recordShielded(batch, in: &s)
            s.highestTerm = max(s.highestTerm, batch.term)
            return s.batchSinks
        }
        for sink in sinks { sink.yield(batch.number) }
    }

    /// The fencing rule of the PostgreSQL store: without a lease only term 0 commits; with one,
    /// only its term.
    static func checkTerm(_ term: UInt64, lease: UInt64?) throws {
        if lease == nil && term == 0 { return }
        guard lease == term else { throw LeadershipLost(term: term, currentTerm: lease) }
    }

    public func transaction(_ id: Digest32) async throws -> StoredTransaction? {
        reads.add(1, ordering: .relaxed)
        if lookupsFail.load(ordering: .relaxed) { throw TestStoreError("the database is unreachable (test)") }
        return state.withLock { Self.lookup(id, in: $0) }
    }
    public func transactions(_ ids: [Digest32]) async throws -> [Digest32: StoredTransaction] {
        reads.add(1, ordering: .relaxed)
        if lookupsFail.load(ordering: .relaxed) { throw TestStoreError("the database is unreachable (test)") }
        return state.withLock { s in
            var out: [Digest32: StoredTransaction] = [:]
            for id in ids { if let t = Self.lookup(id, in: s) { out[id] = t } }
            return out
        }
    }

    /// A live transaction with its batch's L1 status when accepted; else one of a reverted batch.
    private static func lookup(_ id: Digest32, in s: State) -> StoredTransaction? {
        guard let t = s.transactions[id] else { return s.reverted[id] }
        guard t.status == .sequenced, let l1 = s.l1Status[t.batchNumber] else { return t }
        return StoredTransaction(id: t.id, status: l1, reason: t.reason, batchNumber: t.batchNumber, index: t.index,
                                 stateRoot: t.stateRoot, updatedAtMs: t.updatedAtMs)
    }
    public func batch(_ number: UInt64) async throws -> StoredBatch? {
        reads.add(1, ordering: .relaxed)
        return state.withLock { $0.batches[number] }
    }
    public func latestBatchNumber() async throws -> UInt64? { state.withLock { $0.diffs.last?.number } }
    public func saveSnapshot(_ snapshot: StateSnapshot) async throws { state.withLock { $0.snapshot = snapshot } }
    public func persistedChain(upTo batch: UInt64) async throws -> PersistedChain {
        state.withLock { s in Self.chain(upTo: batch, in: s) }
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

