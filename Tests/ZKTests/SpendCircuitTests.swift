import XCTest
@testable import ZK

/// The shielded spend circuit (docs/shielded.md): its size, the honest spends (transfer, shield
/// with dummy inputs, unshield), and each dishonest spender refused — inflation, a note not in the
/// tree, a wrong nullifier, a value of 2⁶⁴ or more that wraps the balance, another owner's note —
/// and a Groth16 proof bound to every public input.
final class SpendCircuitTests: XCTestCase {
    /// Constraint indices at depth d, in `SpendAssignment.build`'s order.
    struct Layout {
        let depth: Int
        var perInput: Int { 213 + 261 + 242 * depth + 1 + 261 + 1 + 65 }
        static let perOutput = 261 + 1 + 65
        var total: Int { 2 * perInput + 2 * Self.perOutput + 2 }
        func membership(_ i: Int) -> Int { i * perInput + 213 + 261 + 242 * depth }
        func nullifier(_ i: Int) -> Int { membership(i) + 1 + 261 }
        func outputRange(_ j: Int) -> Int { 2 * perInput + (j + 1) * Self.perOutput - 1 }
        var balance: Int { total - 2 }
    }

    func assertSatisfied(_ circuit: SpendCircuit, file: StaticString = #filePath, line: UInt = #line) {
        let cs = circuit.build()
        XCTAssertEqual(cs.r1cs.isSatisfied(cs.witness), .satisfied, file: file, line: line)
        XCTAssertEqual(Array(cs.witness.values[1...9]), circuit.publicInputs, file: file, line: line)
    }

    func assertRefused(_ cs: ConstraintSystem, _ witness: Witness? = nil, at index: Int,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(cs.r1cs.isSatisfied(witness ?? cs.witness), .unsatisfied(constraint: index), file: file, line: line)
    }

    /// 17,748 constraints at depth 32, where each comes from; the example satisfies it and its
    /// public inputs are the statement, in order.
    func testSizeAndExample() {
        let circuit = SpendCircuit.example()
        let cs = circuit.build()
        print("spend circuit (depth 32): \(cs.r1cs.constraints.count) constraints, \(cs.wireCount) wires")
        XCTAssertEqual(cs.r1cs.constraints.count, 17_748)
        XCTAssertEqual(cs.r1cs.constraints.count, Layout(depth: 32).total)
        XCTAssertEqual(cs.r1cs.publicCount, 9)
        XCTAssertEqual(cs.r1cs.privateInputs, 2 * (3 + 32 + 32) + 2 * 3)
        XCTAssertEqual(cs.r1cs.isSatisfied(cs.witness), .satisfied)
        let notes = circuit.inputNotes, outputs = circuit.outputNotes
        let filler = NoteHashes.commitment(value: 5, owner: NoteHashes.ownerKey(spendingKey: Fr(3003)), randomness: Fr(7))
        XCTAssertEqual(circuit.publicInputs,
                       [SmallNoteTree(leaves: [filler] + notes.map(\.commitment)).root,
                        notes[0].nullifier, notes[1].nullifier, outputs[0].commitment, outputs[1].commitment,
                        .zero, .zero, Fr(5), circuit.binding])
        XCTAssertEqual(notes.map(\.position), [1, 2])
        XCTAssertEqual(SpendCircuit.example(depth: 4).build().r1cs.constraints.count, Layout(depth: 4).total)

        // The built-in circuit: its example, and the same from its input file.
        let builtin = BuiltinCircuit.named("spend")!
        XCTAssertEqual(builtin.buildExample().witness, cs.witness)
        let json = Array(builtin.exampleInputs.json(signals: builtin.signals).utf8)
        XCTAssertEqual(try builtin.build(inputJSON: json).witness, cs.witness)
    }

    /// The spender who creates value: outputs above inputs + publicIn, or taking more out.
    func testInflationIsRefused() {
        let layout = Layout(depth: 8)
        var circuit = SpendCircuit.example(depth: 8)
        assertSatisfied(circuit)
        circuit.outputNotes[0].value += 1
        assertRefused(circuit.build(), at: layout.balance)
        circuit = SpendCircuit.example(depth: 8)
        circuit.publicOut = 1
        assertRefused(circuit.build(), at: layout.balance)
        circuit = SpendCircuit.example(depth: 8)
        circuit.fee = 6
        assertRefused(circuit.build(), at: layout.balance)
    }

    /// A note that is not in the tree (another randomness, so another commitment) proved against
    /// the tree's root: the membership constraint fails; left to its own computed root, the other
    /// input's membership fails (and the statement's root would not be a recent one).
    func testNoteNotInTreeIsRefused() {
        let layout = Layout(depth: 8)
        let honest = SpendCircuit.example(depth: 8)
        for i in 0..<2 {
            var forged = honest
            forged.inputNotes[i].randomness += .one
            forged.anchor = honest.root
            assertRefused(forged.build(), at: layout.membership(i))
            // Left to the computed root (the first input's), the two inputs' roots differ.
            forged.anchor = nil
            XCTAssertEqual(forged.root == honest.root, i == 1)
            assertRefused(forged.build(), at: layout.membership(1))
        }
        // The honest witness with the public root replaced.
        let cs = honest.build()
        var w = cs.witness
        w.values[1] += .one
        assertRefused(cs, w, at: layout.membership(0))
    }

    /// A nullifier other than H(sk, cm, pos): for another position, or under another key.
    func testWrongNullifierIsRefused() {
        let layout = Layout(depth: 8)
        let honest = SpendCircuit.example(depth: 8)
        let cs = honest.build()
        for i in 0..<2 {
            let note = honest.inputNotes[i]
            let wrongs = [
                NoteHashes.nullifier(spendingKey: note.spendingKey, commitment: note.commitment, position: note.position + 1),
                NoteHashes.nullifier(spendingKey: note.spendingKey + .one, commitment: note.commitment, position: note.position),
                NoteHashes.nullifier(spendingKey: note.spendingKey, commitment: note.commitment + .one, position: note.position),
            ]
            for wrong in wrongs {
                var w = cs.witness
                w.values[2 + i] = wrong
                assertRefused(cs, w, at: layout.nullifier(i))
            }
        }
    }

    /// The wrapping spender: inputs 70 + 30, fee 5, outputs 96 and r − 1 ("−1"): the balance holds
    /// modulo r, but the 64-bit range of the second output fails (the first failing constraint,
    /// before the balance). Likewise an output of 2⁶⁴ + 95 with the other output −2⁶⁴.
    func testValueOf2To64OrMoreIsRefused() {
        let layout = Layout(depth: 8)
        let two64 = Fr(UInt64(1) << 63).doubled()
        for (out0, out1) in [(Fr(96), -Fr.one), (two64 + Fr(95), -two64)] {
            var a = SpendCircuit.example(depth: 8).assignment
            a.outputs[0].value = out0
            a.outputs[1].value = out1
            XCTAssertEqual(a.inputs[0].value + a.inputs[1].value + a.publicIn,
                           a.outputs[0].value + a.outputs[1].value + a.publicOut + a.fee, "balanced modulo r")
            let cs = a.build()
            assertRefused(cs, at: out0 == Fr(96) ? layout.outputRange(1) : layout.outputRange(0))
        }
        // An input of 2⁶⁴ (a dummy-looking path, so only its range and the balance stand in the way).
        var a = SpendCircuit.example(depth: 8).assignment
        a.inputs[0].value = two64
        a.anchor = a.inputs[0].computedRoot
        a.inputs[1].value = .zero
        a.outputs[0].value = two64
        a.outputs[1].value = .zero
        a.fee = .zero
        let cs = a.build()
        XCTAssertEqual(cs.r1cs.isSatisfied(cs.witness), .unsatisfied(constraint: Layout(depth: 8).perInput - 1))
    }

    /// The thief: the note at position 1 belongs to alice; spending it with another key gives
    /// another owner key, hence another commitment, which is not in the tree.
    func testAnotherOwnersNoteIsRefused() {
        let layout = Layout(depth: 8)
        let honest = SpendCircuit.example(depth: 8)
        var theft = honest
        theft.inputNotes[0].spendingKey = Fr(666)
        theft.anchor = honest.root
        theft.outputNotes[0].owner = NoteHashes.ownerKey(spendingKey: Fr(666))
        assertRefused(theft.build(), at: layout.membership(0))
        // Knowing alice's owner key is not enough: the circuit takes sk and computes pk = H(sk).
        theft.inputNotes[0].spendingKey = honest.inputNotes[0].owner
        assertRefused(theft.build(), at: layout.membership(0))
    }

    /// A shield: two zero-value dummies with arbitrary paths, publicIn = the outputs; proved
    /// against any root (a recent one, chosen by the wallet). A non-zero dummy is refused.
    func testShieldWithDummyInputs() {
        let tree = SpendCircuit.example(depth: 8)
        let alice = NoteHashes.ownerKey(spendingKey: Fr(1001))
        var shield = SpendCircuit(
            inputNotes: [.dummy(spendingKey: Fr(5), randomness: Fr(77), depth: 8),
                         SpendCircuit.InputNote(spendingKey: Fr(6), value: 0, randomness: Fr(78), position: 200,
                                                siblings: (0..<8).map { Fr(UInt64(900 + $0)) })],
            outputNotes: [.init(value: 60, owner: alice, randomness: Fr(1)), .init(value: 40, owner: alice, randomness: Fr(2))],
            publicIn: 100, binding: Fr(99), anchor: tree.root)
        assertSatisfied(shield)
        XCTAssertEqual(shield.publicInputs[0], tree.root)
        XCTAssertNotEqual(shield.publicInputs[1], shield.publicInputs[2])
        shield.anchor = nil
        assertSatisfied(shield)
        shield.anchor = tree.root
        shield.publicIn = 99
        assertRefused(shield.build(), at: Layout(depth: 8).balance)
        shield.publicIn = 100
        shield.inputNotes[0].value = 1
        shield.outputNotes[0].value = 61
        assertRefused(shield.build(), at: Layout(depth: 8).membership(0))
    }

    /// An unshield: 70 + 30 = 90 out + 5 fee + 5 change (and a zero-value output).
    func testUnshield() {
        var unshield = SpendCircuit.example(depth: 8)
        unshield.publicOut = 90
        unshield.outputNotes[0].value = 5
        unshield.outputNotes[1].value = 0
        assertSatisfied(unshield)
        XCTAssertEqual(unshield.publicInputs[6], Fr(90))
        unshield.publicOut = 91
        assertRefused(unshield.build(), at: Layout(depth: 8).balance)
    }

    /// A real Groth16 proof (development setup; depth 2 to keep the debug build quick) verifies,
    /// and fails when any one of the nine public inputs changes, `binding` included, whose
    /// verification-key point is not the identity.
    func testProofBindsEveryPublicInput() throws {
        let circuit = SpendCircuit.example(depth: 2)
        let cs = circuit.build()
        var rng = TestRNG(seed: 5)
        let key = try Groth16.developmentSetup(r1cs: cs.r1cs, toxicWaste: .random(using: &rng))
        XCTAssertEqual(key.verifyingKey.ic.count, 10)
        XCTAssertFalse(key.verifyingKey.ic[9].isInfinity, "binding's verification-key point")
        let proof = try Groth16.prove(key: key, witness: cs.witness, checking: cs.r1cs, using: &rng)
        let pvk = Groth16.PreparedVerifyingKey(key.verifyingKey)
        XCTAssertTrue(Groth16.verify(pvk, proof, publicInputs: circuit.publicInputs))
        for i in 0..<9 {
            var changed = circuit.publicInputs
            changed[i] += .one
            XCTAssertFalse(Groth16.verify(pvk, proof, publicInputs: changed), SpendCircuit.publicInputNames[i])
        }
    }

    /// Why the spec's binding² constraint is a second line, not the only one: with the public
    /// rows the setup adds (as snarkjs and arkworks), even a public input in no constraint gets a
    /// verification-key point that is not the identity, and a proof does not verify for another
    /// value of it.
    func testPublicInputInNoConstraintIsStillBound() throws {
        var cs = ConstraintSystem()
        let x = cs.allocatePublicInput(Fr(9))
        _ = cs.allocatePublicInput(Fr(1234))               // in no constraint
        let z = cs.allocatePrivateInput(Fr(3))
        cs.enforce(z.lc, z.lc, x.lc)
        var rng = TestRNG(seed: 6)
        let key = try Groth16.developmentSetup(r1cs: cs.r1cs, toxicWaste: .random(using: &rng))
        XCTAssertFalse(key.verifyingKey.ic[2].isInfinity)
        let proof = try Groth16.prove(key: key, witness: cs.witness, checking: cs.r1cs, using: &rng)
        XCTAssertTrue(Groth16.verify(key.verifyingKey, proof, publicInputs: [Fr(9), Fr(1234)]))
        XCTAssertFalse(Groth16.verify(key.verifyingKey, proof, publicInputs: [Fr(9), Fr(1235)]))
    }
}
