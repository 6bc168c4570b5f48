import ZK

/// The shielded pool's state as the engine holds it (docs/shielded.md, "How it enters the
/// engine"): the note tree, the nullifier set, the window of recent note roots, and enough undo
/// to roll the last batches back exactly.
///
/// ## Batches
///
/// Per batch the engine calls `apply(_:)` with the transactions it accepted (once, or several
/// times: they add up) and then `endBatch()`, which records the note root in the window and
/// closes the batch's undo record. The pool does not verify anything but double spends and the
/// trees' own rules: proofs, roots and fees are the verifier's (`ShieldedVerifier`), which reads
/// the pool through `ShieldedPoolView`.
///
/// ## Rollback
///
/// A lost fraud-proof game reverts batches. `rollBack(batches:)` undoes the open batch (applied
/// since the last `endBatch()`) and the last `k` closed ones: the nullifiers they inserted are
/// removed (`NullifierSet.remove(contentsOf:)`), the note tree is truncated to its count before
/// them (`NoteTree.truncate(to:)`) and the window gets back the roots those batches pushed out.
/// The result equals a pool rebuilt from the surviving batches: same roots, counts, window
/// contents and tree storage. Undo is kept for the last `undoLimit` batches (the undo of a
/// batch is its nullifiers, 32 bytes each, and two integers); older ones are dropped, so a deeper
/// rollback is refused and must rebuild from persistence.
///
/// A value type, `Sendable`, not synchronised: one owner mutates it.
public struct ShieldedPool: Sendable, ShieldedPoolView {
    /// What one batch changed, enough to revert it.
    struct Undo: Sendable, Equatable {
        /// Note-tree leaves before the batch.
        var noteCount: Int
        /// The nullifiers the batch inserted, in order.
        var nullifiers: [Fr]
        /// The root the batch's `endBatch()` pushed out of the window, if any.
        var evictedRoot: Fr?
    }

    /// The note tree.
    public private(set) var noteTree = NoteTree()
    /// The nullifier set.
    public private(set) var nullifiers = NullifierSet()
    /// The note roots a spend may be proven under: the empty tree's root, then the root after each
    /// closed batch (the last `window.capacity`).
    public private(set) var window: RecentRootWindow
    /// How many closed batches can be rolled back at most.
    public let undoLimit: Int

    /// Undo records of the last closed batches, oldest first (at most `undoLimit`).
    private(set) var undo: [Undo] = []
    /// The open batch: what `apply(_:)` did since the last `endBatch()`.
    private(set) var open: Undo

    /// An empty pool accepting spends under the last `windowCapacity` ≥ 1 note roots and able to
    /// roll back `undoLimit` ≥ 0 batches.
    public init(windowCapacity: Int, undoLimit: Int) {
        precondition(undoLimit >= 0, "undoLimit must not be negative")
        window = RecentRootWindow(capacity: windowCapacity, initial: NoteTree.emptyHashes[NoteTree.depth])
        self.undoLimit = undoLimit
        open = Undo(noteCount: 0, nullifiers: [], evictedRoot: nil)
    }

    /// The trees' roots (what enters the state root).
    public var roots: ShieldedRoots { ShieldedRoots(notes: noteTree, nullifiers: nullifiers) }

    /// Closed batches that `rollBack(batches:)` can revert now.
    public var rollbackDepth: Int { undo.count }

    /// Whether `root` is in the recent-root window.
    public func isRecentRoot(_ root: Fr) -> Bool { window.contains(root) }

    /// Whether `nullifier` is spent.
    public func isSpent(_ nullifier: Fr) -> Bool { nullifiers.contains(nullifier) }

    /// Inserts every nullifier of `accepted` and appends every commitment, in order, into the
    /// open batch. All or nothing: a nullifier already spent or repeated, a zero commitment or a
    /// full tree refuses the whole call, changing nothing.
    public mutating func apply(_ accepted: [ShieldedTransaction]) throws(ShieldedPoolError) {
        try apply(nullifiers: accepted.flatMap(\.statement.nullifiers), commitments: accepted.flatMap(\.statement.commitments))
    }

    /// `apply(_:)` by its effects: inserts `spent` and appends `created`, all or nothing (what a
    /// replay of a stored batch does).
    public mutating func apply(nullifiers spent: [Fr], commitments created: [Fr]) throws(ShieldedPoolError) {
        // The note tree's checks first, so that a refused append never leaves nullifiers behind.
        do {
            try NoteTree.checkRoom(count: noteTree.count, appending: created.count)
        } catch {
            throw .notes(error)
        }
        if let zero = created.firstIndex(where: \.isZero) { throw .notes(.zeroCommitment(index: zero)) }
        do {
            try nullifiers.insert(contentsOf: spent)
        } catch {
            throw .nullifiers(error)
        }
        do {
            try noteTree.append(contentsOf: created)
        } catch {
            preconditionFailure("note append refused after its checks: \(error)")
        }
        open.nullifiers.append(contentsOf: spent)
    }

    /// Closes the batch: records the note root in the window and keeps the batch's undo (dropping
    /// the oldest beyond `undoLimit`).
    public mutating func endBatch() {
        let full = window.roots.count == window.capacity
        open.evictedRoot = full ? window.roots[0] : nil
        window.record(noteTree.root)
        undo.append(open)
        if undo.count > undoLimit { undo.removeFirst(undo.count - undoLimit) }
        open = Undo(noteCount: noteTree.count, nullifiers: [], evictedRoot: nil)
    }

    /// Keeps the undo of the last `n` closed batches only (an owner that bounds its undo by
    /// something other than a batch count: the validator keeps the batches of its retained
    /// commitments).
    public mutating func keepUndo(last n: Int) {
        if undo.count > max(n, 0) { undo.removeFirst(undo.count - max(n, 0)) }
    }

    /// Replaces the window (restoring from an image) and closes the open batch without undo.
    mutating func replaceWindow(_ restored: RecentRootWindow) {
        window = restored
        undo = []
        open = Undo(noteCount: noteTree.count, nullifiers: [], evictedRoot: nil)
    }

    /// Undoes the open batch and the last `k` closed batches, restoring the trees and the window
    /// exactly as they were after the batch before them. Refuses (changing nothing) when fewer
    /// than `k` batches of undo are kept.
    public mutating func rollBack(batches k: Int) throws(ShieldedPoolError) {
        guard k >= 0 && k <= undo.count else { throw .rollbackBeyondUndo(requested: k, available: undo.count) }
        let reverted = [open] + undo.suffix(k).reversed()
        var roots = window.roots
        for batch in reverted {
            do {
                try nullifiers.remove(contentsOf: batch.nullifiers)
                try noteTree.truncate(to: batch.noteCount)
            } catch {
                preconditionFailure("shielded pool undo does not match the trees: \(error)")
            }
        }
        // Each closed batch pushed one root and perhaps evicted the oldest.
        for batch in undo.suffix(k).reversed() {
            roots.removeLast()
            if let evicted = batch.evictedRoot { roots.insert(evicted, at: 0) }
        }
        window = RecentRootWindow(capacity: window.capacity, roots: roots)
        undo.removeLast(k)
        open = Undo(noteCount: noteTree.count, nullifiers: [], evictedRoot: nil)
    }
}

/// Why the shielded pool refused an operation.
public enum ShieldedPoolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The nullifier set refused the batch's nullifiers (a double spend).
    case nullifiers(NullifierSetError)
    /// The note tree refused the batch's commitments.
    case notes(NoteTreeError)
    /// A rollback of more batches than the undo kept.
    case rollbackBeyondUndo(requested: Int, available: Int)
    /// A persisted image that does not rebuild consistently (`init(restoring:...)`).
    case inconsistentImage(String)

    public var description: String {
        switch self {
        case .nullifiers(let e): "shielded pool: \(e)"
        case .notes(let e): "shielded pool: \(e)"
        case .rollbackBeyondUndo(let requested, let available):
            "shielded pool: cannot roll back \(requested) batches, undo kept for \(available)"
        case .inconsistentImage(let why): "shielded pool image: \(why)"
        }
    }
}
