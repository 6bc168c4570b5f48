import ZK

/// One note a batch appended to the note tree: where, its commitment, and the ciphertext its
/// recipient scans for.
public struct AppendedNote: Sendable, Equatable {
    /// The leaf index in the note tree.
    public let position: UInt64
    public let commitment: Fr
    /// `NoteCiphertext`'s 121 bytes (`ShieldedTransaction.ciphertextSize`).
    public let ciphertext: [UInt8]

    public init(position: UInt64, commitment: Fr, ciphertext: [UInt8]) {
        self.position = position
        self.commitment = commitment
        self.ciphertext = ciphertext
    }
}

/// What one batch's accepted shielded transactions changed in the pool, in batch order: what a
/// follower or a restart replays (`StateManager.apply(diff:shielded:)`), what persistence writes
/// beside the batch and what wallets scan. Nil or empty for a batch without accepted shielded
/// transactions.
public struct ShieldedBatchEffects: Sendable, Equatable {
    /// The nullifiers inserted, in order (two per accepted transaction).
    public let nullifiers: [Fr]
    /// The notes appended, in position order (two per accepted transaction), contiguous.
    public let notes: [AppendedNote]
    /// The pool's roots after the batch.
    public let rootsAfter: ShieldedRoots

    public init(nullifiers: [Fr], notes: [AppendedNote], rootsAfter: ShieldedRoots) {
        self.nullifiers = nullifiers
        self.notes = notes
        self.rootsAfter = rootsAfter
    }

    public var isEmpty: Bool { nullifiers.isEmpty && notes.isEmpty }
}

/// The shielded pool as persisted at one batch, to rebuild it from (beside a `StateSnapshot`):
/// every note commitment in position order, every nullifier, and the note root after each of
/// the batches that changed the note tree, newest last.
public struct ShieldedPoolImage: Sendable {
    /// The batch the image is taken at.
    public let batch: UInt64
    /// Every commitment, in position order.
    public let commitments: [Fr]
    /// Every nullifier (any order).
    public let nullifiers: [Fr]
    /// `(batch, note root after it)` for the newest batches at or before `batch` that changed
    /// the note tree, oldest first: at least the newest `ShieldedPoolImage.rootHistoryLimit`
    /// such batches (fewer when there are fewer). The recent-root window is rebuilt from them.
    public let noteRootHistory: [(batch: UInt64, root: Fr)]

    /// How many note-root history rows an image carries at most; the recent-root window
    /// (`SettlementConfig.shieldedRootWindow`) is bounded below it.
    public static let rootHistoryLimit = 1025

    public init(batch: UInt64, commitments: [Fr], nullifiers: [Fr], noteRootHistory: [(batch: UInt64, root: Fr)]) {
        self.batch = batch
        self.commitments = commitments
        self.nullifiers = nullifiers
        self.noteRootHistory = noteRootHistory
    }
}

/// A note as the store holds it, for scanning.
public struct StoredNote: Sendable, Equatable {
    public let position: UInt64
    public let commitment: Fr
    public let ciphertext: [UInt8]
    /// The batch that appended it.
    public let batch: UInt64

    public init(position: UInt64, commitment: Fr, ciphertext: [UInt8], batch: UInt64) {
        self.position = position
        self.commitment = commitment
        self.ciphertext = ciphertext
        self.batch = batch
    }
}

/// One shielded transaction as executed in a batch: accepted or refused with its reason. It is
/// numbered after the batch's transparent transactions (`index` = transfers + its lane index).
public struct ExecutedShielded: Sendable {
    public let tx: ShieldedTransaction
    /// `tx.id`, computed once.
    public let id: Digest32
    public let accepted: Bool
    public let reason: String
    public let receivedAt: ContinuousClock.Instant

    public init(tx: ShieldedTransaction, id: Digest32, accepted: Bool, reason: String, receivedAt: ContinuousClock.Instant) {
        self.tx = tx
        self.id = id
        self.accepted = accepted
        self.reason = reason
        self.receivedAt = receivedAt
    }
}
