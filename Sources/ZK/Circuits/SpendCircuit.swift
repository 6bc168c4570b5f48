/// The shielded pool's 2-in/2-out spend (docs/shielded.md, "The spend circuit"): the spender
/// knows the spending keys, values and openings of two notes in the note tree under `root` (a
/// zero-value input is a dummy, in no tree), their nullifiers are `H(sk, cm, pos)`, two new notes
/// have the public commitments, every note value is below 2⁶⁴, and
/// `in₀ + in₁ + publicIn = out₀ + out₁ + publicOut + fee`.
///
/// Public inputs, in this order: root, nullifier0, nullifier1, commitment0, commitment1,
/// publicIn, publicOut, fee, binding. 17,748 constraints at depth 32 (`SpendAssignment.build`
/// lists where they come from).
public struct SpendCircuit: Sendable, Equatable {
    /// The note tree's depth.
    public static let treeDepth = 32

    /// The names of the public inputs, in their order (snarkjs' `public.json`).
    public static let publicInputNames = ["root", "nullifier0", "nullifier1", "commitment0", "commitment1",
                                          "publicIn", "publicOut", "fee", "binding"]

    /// A note being spent, with its place in the tree.
    public struct InputNote: Sendable, Equatable {
        public var spendingKey: Fr
        public var value: UInt64
        public var randomness: Fr
        public var position: UInt32
        /// The siblings from the leaf level up (`treeDepth` of them; fewer only in tests).
        public var siblings: [Fr]

        public init(spendingKey: Fr, value: UInt64, randomness: Fr, position: UInt32, siblings: [Fr]) {
            self.spendingKey = spendingKey; self.value = value; self.randomness = randomness
            self.position = position; self.siblings = siblings
        }

        /// The note at `position` of `tree`, with its siblings there (its commitment is
        /// whatever the tree holds: a wrong key or value gives a path to another root).
        public init(spendingKey: Fr, value: UInt64, randomness: Fr, position: Int, in tree: SmallNoteTree) {
            self.init(spendingKey: spendingKey, value: value, randomness: randomness, position: UInt32(position),
                      siblings: tree.siblings(position: position))
        }

        /// A dummy: value 0, so its path is not checked (all-zero siblings at position 0).
        public static func dummy(spendingKey: Fr, randomness: Fr, depth: Int = SpendCircuit.treeDepth) -> InputNote {
            InputNote(spendingKey: spendingKey, value: 0, randomness: randomness, position: 0,
                      siblings: Array(repeating: .zero, count: depth))
        }

        public var owner: Fr { NoteHashes.ownerKey(spendingKey: spendingKey) }
        public var commitment: Fr { NoteHashes.commitment(value: value, owner: owner, randomness: randomness) }
        public var nullifier: Fr {
            NoteHashes.nullifier(spendingKey: spendingKey, commitment: commitment, position: position)
        }
        /// The position's bits, least significant first (bit i = 1: a right child at level i).
        public var pathBits: [Bool] { (0..<siblings.count).map { (position >> UInt32($0)) & 1 == 1 } }

        var assignment: SpendAssignment.Input {
            SpendAssignment.Input(spendingKey: spendingKey, value: Fr(value), randomness: randomness,
                                  pathBits: pathBits, siblings: siblings)
        }
    }

    /// A note being created.
    public struct OutputNote: Sendable, Equatable {
        public var value: UInt64
        public var owner: Fr
        public var randomness: Fr

        public init(value: UInt64, owner: Fr, randomness: Fr) {
            self.value = value; self.owner = owner; self.randomness = randomness
        }

        public var commitment: Fr { NoteHashes.commitment(value: value, owner: owner, randomness: randomness) }
    }

    public var inputNotes: [InputNote]
    public var outputNotes: [OutputNote]
    public var publicIn: UInt64
    public var publicOut: UInt64
    public var fee: UInt64
    /// The transaction's binding hash (docs/shielded.md), a public input the proof commits to.
    public var binding: Fr
    /// The root to prove against; nil: the root of the first input of non-zero value (of input 0
    /// when both are dummies, which no root constrains).
    public var anchor: Fr?

    /// Two inputs and two outputs; every input's path has the same depth, 1 to `treeDepth`, and
    /// its position fits in it.
    public init(inputNotes: [InputNote], outputNotes: [OutputNote], publicIn: UInt64 = 0, publicOut: UInt64 = 0,
                fee: UInt64 = 0, binding: Fr, anchor: Fr? = nil) {
        precondition(inputNotes.count == 2 && outputNotes.count == 2, "two inputs and two outputs")
        let depth = inputNotes[0].siblings.count
        precondition((1...Self.treeDepth).contains(depth), "depth 1 to \(Self.treeDepth)")
        precondition(inputNotes.allSatisfy { $0.siblings.count == depth && UInt64($0.position) >> depth == 0 },
                     "one sibling per level, and a position within the tree")
        self.inputNotes = inputNotes; self.outputNotes = outputNotes
        self.publicIn = publicIn; self.publicOut = publicOut; self.fee = fee
        self.binding = binding; self.anchor = anchor
    }

    public var depth: Int { inputNotes[0].siblings.count }

    var assignment: SpendAssignment {
        SpendAssignment(inputs: inputNotes.map(\.assignment),
                        outputs: outputNotes.map { .init(value: Fr($0.value), owner: $0.owner, randomness: $0.randomness) },
                        publicIn: Fr(publicIn), publicOut: Fr(publicOut), fee: Fr(fee), binding: binding,
                        anchor: anchor)
    }

    /// The root proved against (`anchor`, or the one computed from the inputs).
    public var root: Fr { assignment.root }

    /// The statement: the nine public inputs in the order of `publicInputNames`.
    public var publicInputs: [Fr] { assignment.publicInputs }

    /// The constraint system and its witness (satisfied exactly when the spend is honest).
    public func build() -> ConstraintSystem { assignment.build() }

    /// A valid spend: two notes (70 and 30) at positions 1 and 2 of a tree of `depth` holding
    /// three notes, spent into 60 and 35 with a fee of 5.
    public static func example(depth: Int = treeDepth) -> SpendCircuit {
        let alice = Fr(1001), bob = Fr(2002), carol = Fr(3003)
        var tree = SmallNoteTree(depth: depth)
        tree.append(NoteHashes.commitment(value: 5, owner: NoteHashes.ownerKey(spendingKey: carol), randomness: Fr(7)))
        let notes: [(key: Fr, value: UInt64, randomness: Fr)] = [(alice, 70, Fr(11)), (bob, 30, Fr(13))]
        for note in notes {
            tree.append(NoteHashes.commitment(value: note.value, owner: NoteHashes.ownerKey(spendingKey: note.key),
                                              randomness: note.randomness))
        }
        let inputs = notes.enumerated().map { i, note in
            InputNote(spendingKey: note.key, value: note.value, randomness: note.randomness, position: i + 1, in: tree)
        }
        return SpendCircuit(inputNotes: inputs,
                            outputNotes: [OutputNote(value: 60, owner: NoteHashes.ownerKey(spendingKey: carol),
                                                     randomness: Fr(17)),
                                          OutputNote(value: 35, owner: NoteHashes.ownerKey(spendingKey: alice),
                                                     randomness: Fr(19))],
                            fee: 5, binding: Poseidon.hash([Fr(424_242)]))
    }
}
