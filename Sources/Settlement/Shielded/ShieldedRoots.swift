import ZK

/// The shielded pool's part of the state (docs/shielded.md, "The state root"): the note tree's
/// root and size and the nullifier set's root, and how they enter the state root.
public struct ShieldedRoots: Sendable, Hashable {
    /// The note tree's root (`Z_32` when empty).
    public var noteRoot: Fr
    /// Leaves in the note tree. Not in the state root (the root fixes it: see `NoteAppendProof`).
    public var noteCount: Int
    /// The nullifier set's root (`Digest32.zero` when empty).
    public var nullifierRoot: Digest32

    /// Creates the value.
    public init(noteRoot: Fr, noteCount: Int, nullifierRoot: Digest32) {
        self.noteRoot = noteRoot
        self.noteCount = noteCount
        self.nullifierRoot = nullifierRoot
    }

    /// The roots of the trees.
    public init(notes: NoteTree, nullifiers: NullifierSet) {
        self.init(noteRoot: notes.root, noteCount: notes.count, nullifierRoot: nullifiers.root)
    }

    /// The pool before its first note or nullifier.
    public static let empty = ShieldedRoots(noteRoot: NoteTree.emptyHashes[NoteTree.depth], noteCount: 0,
                                            nullifierRoot: .zero)

    /// True when the pool holds no note and no nullifier, decided by the roots alone: the state
    /// root does not commit to `noteCount`, so a claimed count of 0 beside another tree's root
    /// must not make that root vanish from the state root.
    public var isEmpty: Bool { noteRoot == NoteTree.emptyHashes[NoteTree.depth] && nullifierRoot == .zero }

    /// The state root: `accountRoot` itself while the pool is empty (a deployment that never uses
    /// the pool commits to the roots it always did), else
    /// `keccak256(0x02 ‖ accountRoot ‖ noteRoot (32 bytes, big-endian) ‖ nullifierRoot)`, 97 bytes,
    /// whose length and tag tell it from every node (64 bytes) and leaf (0x00, 0x01) preimage.
    public func stateRoot(accountRoot: Digest32) -> Digest32 {
        if isEmpty { return accountRoot }
        var preimage: [UInt8] = [0x02]
        preimage.reserveCapacity(97)
        preimage.append(contentsOf: accountRoot.bytes)
        preimage.append(contentsOf: noteRoot.bigEndianBytes)
        preimage.append(contentsOf: nullifierRoot.bytes)
        return Keccak256.hash(preimage)
    }
}
