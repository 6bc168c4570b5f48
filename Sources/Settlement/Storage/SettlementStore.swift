import Foundation
import ZK

/// One transaction as executed in a batch: accepted (SEQUENCED) or rejected with a reason.
public struct ExecutedTransaction: Sendable {
    public let tx: ValidatedTransfer
    public let accepted: Bool
    public let reason: String

    public init(tx: ValidatedTransfer, accepted: Bool, reason: String) {
        self.tx = tx
        self.accepted = accepted
        self.reason = reason
    }
}

/// A batch the sequencer has executed and whose root it has computed, ready to be made durable.
public struct SealedBatch: Sendable {
    public let number: UInt64
    public let prevRoot: Digest32
    public let newRoot: Digest32
    /// Milliseconds since the Unix epoch when the batch closed.
    public let createdAtMs: UInt64
    public let transactions: [ExecutedTransaction]
    /// Every account the batch changed, with its new value.
    public let diff: StateDiff
    /// The sequencer's fencing term (see `ReplicationStore`; 0 for a standalone engine).
    public let term: UInt64
    /// Accounts in the state after this batch (state size, for reporting).
    public let accountCount: Int
    /// The shielded lane, executed after `transactions` (empty when nobody used the pool).
    public let shielded: [ExecutedShielded]
    /// What the lane's accepted transactions changed in the pool (nil when nothing).
    public let shieldedEffects: ShieldedBatchEffects?

    public init(number: UInt64, prevRoot: Digest32, newRoot: Digest32, createdAtMs: UInt64,
                transactions: [ExecutedTransaction], diff: StateDiff, term: UInt64 = 0, accountCount: Int = 0,
                shielded: [ExecutedShielded] = [], shieldedEffects: ShieldedBatchEffects? = nil) {
        self.shielded = shielded
        self.shieldedEffects = shieldedEffects
        self.number = number
        self.prevRoot = prevRoot
        self.newRoot = newRoot
        self.createdAtMs = createdAtMs
        self.transactions = transactions
        self.diff = diff
        self.term = term
        self.accountCount = accountCount
    }
}

/// What the store knows about a transaction.
public struct StoredTransaction: Sendable, Equatable {
    public let id: Digest32
    public let status: TransactionStatus
    public let reason: String
    public let batchNumber: UInt64
    public let index: Int
    public let stateRoot: Digest32
    public let updatedAtMs: UInt64

    public init(id: Digest32, status: TransactionStatus, reason: String, batchNumber: UInt64, index: Int,
                stateRoot: Digest32, updatedAtMs: UInt64) {
        self.id = id
        self.status = status
        self.reason = reason
        self.batchNumber = batchNumber
        self.index = index
        self.stateRoot = stateRoot
        self.updatedAtMs = updatedAtMs
    }
}

/// What the store knows about a batch.
public struct StoredBatch: Sendable, Equatable {
    public let number: UInt64
    public let prevRoot: Digest32
    public let newRoot: Digest32
    public let transactionIds: [Digest32]
    public let createdAtMs: UInt64

    public init(number: UInt64, prevRoot: Digest32, newRoot: Digest32, transactionIds: [Digest32], createdAtMs: UInt64) {
        self.number = number
        self.prevRoot = prevRoot
        self.newRoot = newRoot
        self.transactionIds = transactionIds
        self.createdAtMs = createdAtMs
    }
}

/// The chain as persisted: where to rebuild the state from.
public struct PersistedChain: Sendable {
    /// The newest snapshot, if any (else the state starts empty, before batch 0 = genesis).
    public let snapshot: StateSnapshot?
    /// Diffs of the batches after the snapshot, in order, each with its recorded root.
    public let diffs: [(number: UInt64, diff: StateDiff, root: Digest32)]
    /// The shielded pool at the snapshot's batch (nil: empty, or no snapshot).
    public let shieldedBase: ShieldedPoolImage?
    /// The shielded effects of the batches in `diffs` that have any, by batch number.
    public let shielded: [UInt64: ShieldedBatchEffects]

    public init(snapshot: StateSnapshot?, diffs: [(number: UInt64, diff: StateDiff, root: Digest32)],
                shieldedBase: ShieldedPoolImage? = nil, shielded: [UInt64: ShieldedBatchEffects] = [:]) {
        self.snapshot = snapshot
        self.diffs = diffs
        self.shieldedBase = shieldedBase
        self.shielded = shielded
    }
}

/// Durable storage of the settlement chain. Settlement defines it; Persistence implements it on
/// PostgreSQL. Every method may be called from any task.
public protocol SettlementStore: Sendable {
    /// Prepares the store for `genesis`: on an empty store writes batch 0 (the genesis
    /// allocation); on a non-empty one checks that it was made from the same genesis, and fails
    /// with a clear error otherwise. Returns what to rebuild the state from.
    func open(genesis: Genesis, genesisDiff: StateDiff, genesisRoot: Digest32) async throws -> PersistedChain

    /// Makes `batch` durable in one database transaction (batch row, its transactions, its diff,
    /// its root). Returns only after the commit. Committing the same batch again is a no-op when it
    /// is identical, and an error when a different batch has that number.
    func commit(_ batch: SealedBatch) async throws

    func transaction(_ id: Digest32) async throws -> StoredTransaction?
    /// The stored transactions among `ids` (absent ones left out), in few queries however many
    /// ids: `SubscribeStatus` looks up a whole subscription at once (no amplification).
    func transactions(_ ids: [Digest32]) async throws -> [Digest32: StoredTransaction]
    func batch(_ number: UInt64) async throws -> StoredBatch?
    /// Number of the newest durable batch.
    func latestBatchNumber() async throws -> UInt64?
    func saveSnapshot(_ snapshot: StateSnapshot) async throws
    /// The newest snapshot at or before `batch` and the diffs of the batches after it up to
    /// `batch` (what `snapshot(atBatch:)` merges).
    func persistedChain(upTo batch: UInt64) async throws -> PersistedChain

    // MARK: The shielded pool (docs/shielded.md)

    /// Durable notes from `position` on, in position order, at most `limit`: what wallets scan.
    func shieldedNotes(from position: UInt64, limit: Int) async throws -> [StoredNote]
    /// For each of `nullifiers` that is spent in a durable batch, that batch.
    func spentNullifiers(_ nullifiers: [Fr]) async throws -> [Fr: UInt64]
    /// The pool's roots after the newest durable batch that changed it, with that batch (nil:
    /// the pool is empty).
    func latestShieldedRoots() async throws -> (batch: UInt64, roots: ShieldedRoots)?
}

extension SettlementStore {
    /// The state after `batch` as a snapshot, built from the store alone (no Merkle tree): the
    /// newest earlier snapshot merged with the diffs after it. Nil when `batch` is not durable.
    /// The root is the one recorded for `batch`; `StateManager.restore(from:)` checks it when
    /// the snapshot is used.
    public func snapshot(atBatch batch: UInt64) async throws -> StateSnapshot? {
        let chain = try await persistedChain(upTo: batch)
        guard let last = chain.diffs.last, last.number == batch else {
            if let s = chain.snapshot, s.batch == batch { return s }
            return nil
        }
        return StateSnapshot.merging(base: chain.snapshot?.accounts ?? [], diffs: chain.diffs.map(\.diff),
                                     batch: batch, root: last.root)
    }
}

extension SettlementStore {
    /// One `transaction(_:)` per id: for stores where a look-up is cheap (in memory).
    public func transactions(_ ids: [Digest32]) async throws -> [Digest32: StoredTransaction] {
        var out: [Digest32: StoredTransaction] = [:]
        for id in ids { if let t = try await transaction(id) { out[id] = t } }
        return out
    }
}
