import XCTest
@testable import ZK

/// Built-in circuits from named inputs (a circom-style input.json): the same witness, and proofs
/// with the same public outputs, as the circuit's example; each malformed or dishonest input is
/// refused with an error naming the signal. The CLI side (`zk prove --input`) is in
/// Tests/interop/test_zk_groth16_prove.py.
final class CircuitInputTests: XCTestCase {
    func json(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Proves `cs` under a development key and returns the public outputs the proof verifies for.
    func provedPublicOutputs(_ cs: ConstraintSystem, key given: Groth16.ProvingKey? = nil) throws -> [Fr] {
        var rng = TestRNG(seed: 5)
        let key = try given ?? Groth16.developmentSetup(r1cs: cs.r1cs, toxicWaste: .random(using: &rng))
        let proof = try Groth16.prove(key: key, witness: cs.witness, checking: cs.r1cs, using: &rng)
        let outputs = Array(cs.witness.values[1...cs.r1cs.publicCount])
        XCTAssertTrue(Groth16.verify(key.verifyingKey, proof, publicInputs: outputs))
        var wrong = outputs
        wrong[0] += .one
        XCTAssertFalse(Groth16.verify(key.verifyingKey, proof, publicInputs: wrong))
        return outputs
    }

    func testPoseidonPreimageFromInputJSON() throws {
        let circuit = BuiltinCircuit.named("poseidon-preimage")!
        XCTAssertEqual(circuit.signals.map(\.name), ["x", "y"])
        // The example's values, one in decimal and one in hex, as a file would give them.
        let cs = try circuit.build(inputJSON: json(#"{"x": "1", "y": "0x02"}"#))
        let example = PoseidonPreimageCircuit.example.build()
        XCTAssertEqual(cs.witness, example.witness)
        let outputs = try provedPublicOutputs(cs, key: Groth16ProverTests.poseidonKey)
        XCTAssertEqual(outputs, Array(example.witness.values[1...1]))
        XCTAssertEqual(outputs, [Poseidon.hash([Fr(1), Fr(2)])])
        // Another preimage: its own hash, proved under the same key.
        let other = try circuit.build(inputJSON: json(#"{"y": "7", "x": 5}"#))
        XCTAssertEqual(try provedPublicOutputs(other, key: Groth16ProverTests.poseidonKey), [Poseidon.hash([Fr(5), Fr(7)])])
    }

    func testMerkleMembershipFromInputJSON() throws {
        let example = MerkleMembershipCircuit.example(depth: 3)
        let circuit = BuiltinCircuit.merkleMembership(depth: 3)
        XCTAssertEqual(circuit.signals.map(\.name), ["leaf", "pathBits", "siblings"])
        let bits = example.pathBits.map { $0 ? "\"1\"" : "\"0\"" }.joined(separator: ", ")
        let siblings = example.siblings.map { "\"\($0.decimalString)\"" }.joined(separator: ", ")
        let text = #"{"leaf": "42", "pathBits": ["# + bits + #"], "siblings": ["# + siblings + "]}"
        let cs = try circuit.build(inputJSON: json(text))
        XCTAssertEqual(cs.witness, example.build().witness)
        XCTAssertEqual(try provedPublicOutputs(cs), [example.root])
        // The registry's depth-20 circuit from its example written as input.json.
        let registry = BuiltinCircuit.named("merkle-membership")!
        let file = registry.exampleInputs.json(signals: registry.signals)
        XCTAssertEqual(try registry.build(inputJSON: json(file)).witness, MerkleMembershipCircuit.example().build().witness)
    }

    func testRefusedInputsNameTheSignal() {
        let poseidon = PoseidonPreimageCircuit.signals
        let merkle = MerkleMembershipCircuit.signals(depth: 2)
        let r = Fr.modulus.decimalString
        let cases: [(String, [CircuitSignal], CircuitInputError)] = [
            (#"{"x": "1", "y": "2", "z": "3"}"#, poseidon, .unknownSignal("z")),
            (#"{"x": "1"}"#, poseidon, .missingSignal("y")),
            (#"{"x": "\#(r)", "y": "2"}"#, poseidon, .notBelowModulus(signal: "x")),
            (#"{"x": "1", "y": "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001"}"#, poseidon,
             .notBelowModulus(signal: "y")),
            (#"{"x": "1\#(String(repeating: "0", count: 90))", "y": "2"}"#, poseidon, .notBelowModulus(signal: "x")),
            (#"{"x": "-1", "y": "2"}"#, poseidon, .notANumber(signal: "x")),
            (#"{"x": "0x", "y": "2"}"#, poseidon, .notANumber(signal: "x")),
            (#"{"x": 1.5, "y": "2"}"#, poseidon, .notANumber(signal: "x")),
            (#"{"x": ["1"], "y": "2"}"#, poseidon, .wrongShape(signal: "x", expectedLength: nil)),
            (#"{"x": "1", "y": "#, poseidon, .malformed("not valid JSON")),
            (#"["1", "2"]"#, poseidon, .malformed("expected an object of signals")),
            (#"{"leaf": "1", "pathBits": ["0"], "siblings": ["1", "2"]}"#, merkle,
             .wrongLength(signal: "pathBits", expected: 2, got: 1)),
            (#"{"leaf": "1", "pathBits": "0", "siblings": ["1", "2"]}"#, merkle,
             .wrongShape(signal: "pathBits", expectedLength: 2)),
            (#"{"leaf": "1", "pathBits": ["0", "2"], "siblings": ["1", "2"]}"#, merkle, .notABit(signal: "pathBits[1]")),
            (#"{"leaf": "1", "pathBits": ["0", "1"], "siblings": ["1", "\#(r)"]}"#, merkle,
             .notBelowModulus(signal: "siblings[1]")),
        ]
        for (text, signals, expected) in cases {
            XCTAssertThrowsError(try CircuitInputs.parse(json: json(text), signals: signals), text) { error in
                XCTAssertEqual(error as? CircuitInputError, expected, text)
            }
        }
        // r − 1 and bits 0/1 are accepted.
        let top = (Fr.zero - .one).decimalString
        XCTAssertEqual(try CircuitInputs.parse(json: json(#"{"x": "\#(top)", "y": "0"}"#), signals: poseidon)["x"],
                       [Fr.zero - .one])
    }
}
