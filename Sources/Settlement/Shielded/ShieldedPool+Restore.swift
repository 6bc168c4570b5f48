import ZK

extension ShieldedPool {
    /// The recent-root window's default size, in batches.
    public static let defaultWindow = 64

    /// A pool rebuilt from a persisted `image` (the trees from its commitments and nullifiers,
    /// the window from its note-root history), with no undo: it can be rolled back only over
    /// batches applied after it. Throws when the image is inconsistent: a repeated nullifier, a
    /// zero commitment, or a note root that is not the rebuilt tree's.
    ///
    /// The window after batch `S` holds the note root after each of the batches
    /// `max(0, S − capacity + 1) … S`: for each, the root of the newest history row at or before
    /// it (the empty tree's root before the first row), exactly what a pool that applied those
    /// batches one by one holds (the same roots, as a set).
    public init(restoring image: ShieldedPoolImage, windowCapacity: Int, undoLimit: Int) throws(ShieldedPoolError) {
        self.init(windowCapacity: windowCapacity, undoLimit: undoLimit)
        try apply(nullifiers: image.nullifiers, commitments: image.commitments)
        let empty = NoteTree.emptyHashes[NoteTree.depth]
        let history = image.noteRootHistory
        if let last = history.last, last.root != noteTree.root {
            throw .inconsistentImage("the newest recorded note root \(last.root) is not the rebuilt tree's \(noteTree.root)")
        }
        if history.isEmpty && !image.commitments.isEmpty {
            throw .inconsistentImage("\(image.commitments.count) notes and no recorded note root")
        }
        let first = image.batch >= UInt64(windowCapacity - 1) ? image.batch - UInt64(windowCapacity - 1) : 0
        var roots: [Fr] = []
        var next = 0  // the first history row after the batch being filled in
        var current = empty
        for b in first...image.batch {
            while next < history.count && history[next].batch <= b {
                current = history[next].root
                next += 1
            }
            roots.append(current)
        }
        // A truncated history must still reach back past the window's first batch.
        if history.count >= ShieldedPoolImage.rootHistoryLimit, let oldest = history.first, oldest.batch > first {
            throw .inconsistentImage("the note-root history starts at batch \(oldest.batch), after the window's first batch \(first)")
        }
        replaceWindow(RecentRootWindow(capacity: windowCapacity, roots: roots))
    }
}
