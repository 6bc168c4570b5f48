/// The spend circuit's witness as field elements, before any range check, and the constraints
/// over it (docs/shielded.md, "The spend circuit"). `SpendCircuit` (values as `UInt64`) is the
/// honest way to make one; an input file, or a test playing a dishonest spender, may give values
/// of 2⁶⁴ and more, which the constraints refuse.
struct SpendAssignment: Sendable {
    struct Input: Sendable {
        var spendingKey: Fr
        var value: Fr
        var randomness: Fr
        /// Bit i = 1 when the node at level i is a right child: the position's bits.
        var pathBits: [Bool]
        var siblings: [Fr]

        var owner: Fr { NoteHashes.ownerKey(spendingKey: spendingKey) }
        var commitment: Fr { NoteHashes.commitment(fieldValue: value, owner: owner, randomness: randomness) }
        var position: UInt32 {
            pathBits.enumerated().reduce(0) { $0 | ($1.element ? UInt32(1) << UInt32($1.offset) : 0) }
        }
        var nullifier: Fr { NoteHashes.nullifier(spendingKey: spendingKey, commitment: commitment, position: position) }
        var computedRoot: Fr {
            ConstraintSystem.merkleRootNative(leaf: commitment, pathBits: pathBits, siblings: siblings)
        }
    }

    struct Output: Sendable {
        var value: Fr
        var owner: Fr
        var randomness: Fr
        var commitment: Fr { NoteHashes.commitment(fieldValue: value, owner: owner, randomness: randomness) }
    }

    var inputs: [Input]
    var outputs: [Output]
    var publicIn: Fr
    var publicOut: Fr
    var fee: Fr
    var binding: Fr
    /// The root proved against; nil for the root computed from the first input of non-zero
    /// value (input 0's when both are dummies, whose membership is not enforced).
    var anchor: Fr?

    init(inputs: [Input], outputs: [Output], publicIn: Fr, publicOut: Fr, fee: Fr, binding: Fr, anchor: Fr?) {
        precondition(inputs.count == 2 && outputs.count == 2, "two inputs and two outputs")
        let depth = inputs[0].pathBits.count
        precondition((1...SpendCircuit.treeDepth).contains(depth), "tree depth 1 to \(SpendCircuit.treeDepth)")
        precondition(inputs.allSatisfy { $0.pathBits.count == depth && $0.siblings.count == depth },
                     "every input has one path bit and one sibling per level")
        self.inputs = inputs; self.outputs = outputs
        self.publicIn = publicIn; self.publicOut = publicOut; self.fee = fee
        self.binding = binding; self.anchor = anchor
    }

    var root: Fr { anchor ?? (inputs.first { !$0.value.isZero } ?? inputs[0]).computedRoot }

    /// root, nullifier 0 and 1, commitment 0 and 1, publicIn, publicOut, fee, binding.
    var publicInputs: [Fr] {
        [root] + inputs.map(\.nullifier) + outputs.map(\.commitment) + [publicIn, publicOut, fee, binding]
    }

    /// The system and its witness. Constraints, in this order (counts at depth d):
    /// per input, H(sk) 213, the commitment 261, the path 242·d, membership 1, the nullifier 261
    /// and its equality 1, the value's range 65; per output, the commitment 261 and its equality
    /// 1, the range 65; the balance 1; binding² 1.
    func build() -> ConstraintSystem {
        var cs = ConstraintSystem()
        let publics = publicInputs.map { cs.allocatePublicInput($0) }
        let root = publics[0], nullifiers = publics[1...2], commitments = publics[3...4]
        let (publicIn, publicOut, fee, binding) = (publics[5], publics[6], publics[7], publics[8])

        let inputWires = inputs.map { input in
            (sk: cs.allocatePrivateInput(input.spendingKey), value: cs.allocatePrivateInput(input.value),
             randomness: cs.allocatePrivateInput(input.randomness),
             bits: input.pathBits.map { cs.allocatePrivateInput($0 ? .one : .zero) },
             siblings: input.siblings.map { cs.allocatePrivateInput($0) })
        }
        let outputWires = outputs.map { output in
            (value: cs.allocatePrivateInput(output.value), owner: cs.allocatePrivateInput(output.owner),
             randomness: cs.allocatePrivateInput(output.randomness))
        }

        for (i, w) in inputWires.enumerated() {
            let pk = cs.poseidon([w.sk.lc])
            let cm = cs.poseidon([w.value.lc, pk, w.randomness.lc])
            let computedRoot = cs.merkleRoot(leaf: cm, pathBits: w.bits, siblings: w.siblings.map(\.lc))
            // value · (computedRoot − root) = 0: a zero-value input is a dummy, in no tree.
            cs.enforce(w.value.lc, computedRoot - root, .zero)
            // The position is the path bits (boolean-constrained by merkleRoot) recomposed.
            var position = LinearCombination.zero
            var power = Fr.one
            for bit in w.bits {
                position += bit * power
                power = power.doubled()
            }
            cs.enforceEqual(nullifiers[nullifiers.startIndex + i].lc, cs.poseidon([w.sk.lc, cm, position]))
            cs.enforceRange(w.value.lc, bits: 64)
        }
        for (j, w) in outputWires.enumerated() {
            let cm = cs.poseidon([w.value.lc, w.owner.lc, w.randomness.lc])
            cs.enforceEqual(commitments[commitments.startIndex + j].lc, cm)
            cs.enforceRange(w.value.lc, bits: 64)
        }
        // Every term is below 2⁶⁴ (the note values here, the public ones by the verifier), so
        // neither side can wrap modulo r.
        cs.enforceEqual(inputWires[0].value + inputWires[1].value + publicIn,
                        outputWires[0].value + outputWires[1].value + publicOut + fee)
        // The binding hash enters a constraint, so that the proof commits to it.
        let bindingSquared = cs.allocate(cs.value(binding).squared())
        cs.enforce(binding.lc, binding.lc, bindingSquared.lc)
        return cs
    }
}
