import Foundation
import XCTest
@testable import ZK

/// The Groth16 verifier on a key and proof made by another implementation (Tests/vectors/groth16:
/// groth16py, i.e. arkworks, for our exported poseidon-preimage circuit; written and cross-checked
/// with py_ecc by Tests/interop/test_zk_groth16_verify.py), on synthetic keys built from known
/// exponents, and the snarkjs JSON and calldata formats with their refusals.
final class Groth16Tests: XCTestCase {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("vectors/groth16")

    func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Self.dir.appendingPathComponent(name)))
    }

    func fixture() throws -> (Groth16.VerifyingKey, Groth16.Proof, [Fr]) {
        (try Groth16JSON.verifyingKey(from: bytes("vk.json")), try Groth16JSON.proof(from: bytes("proof.json")),
         try Groth16JSON.publicInputs(from: bytes("public.json")))
    }

    func json(_ object: Any) -> [UInt8] { [UInt8](try! JSONSerialization.data(withJSONObject: object)) }

    /// arkworks' proof verifies; its public input is Poseidon(1, 2) as our hash computes it.
    func testArkworksProofVerifies() throws {
        let (vk, proof, inputs) = try fixture()
        XCTAssertEqual(vk.publicInputCount, 1)
        XCTAssertEqual(inputs, [Poseidon.hash([Fr(1), Fr(2)])])
        XCTAssertTrue(Groth16.verify(vk, proof, publicInputs: inputs))
        let prepared = Groth16.PreparedVerifyingKey(vk)
        XCTAssertTrue(Groth16.verify(prepared, proof, publicInputs: inputs))
    }

    /// The dishonest prover: another public value, a moved or swapped proof element, a wrong input
    /// count, all refused.
    func testTamperedProofsAreRefused() throws {
        let (vk, proof, inputs) = try fixture()
        let pvk = Groth16.PreparedVerifyingKey(vk)
        XCTAssertFalse(Groth16.verify(pvk, proof, publicInputs: [inputs[0] + .one]))
        XCTAssertFalse(Groth16.verify(pvk, proof, publicInputs: [.zero]))
        XCTAssertFalse(Groth16.verify(pvk, proof, publicInputs: []))
        XCTAssertFalse(Groth16.verify(pvk, proof, publicInputs: inputs + [.zero]))
        let g1 = G1Point.generator
        let movedC = Groth16.Proof(a: proof.a, b: proof.b, c: (proof.c.jacobian + g1).affine)
        XCTAssertFalse(Groth16.verify(pvk, movedC, publicInputs: inputs))
        let negatedA = Groth16.Proof(a: proof.a.negated, b: proof.b, c: proof.c)
        XCTAssertFalse(Groth16.verify(pvk, negatedA, publicInputs: inputs))
        let swapped = Groth16.Proof(a: proof.c, b: proof.b, c: proof.a)
        XCTAssertFalse(Groth16.verify(pvk, swapped, publicInputs: inputs))
        let otherB = Groth16.Proof(a: proof.a, b: (proof.b.jacobian + G2Point.generator).affine, c: proof.c)
        XCTAssertFalse(Groth16.verify(pvk, otherB, publicInputs: inputs))
    }

    /// The equation itself, on keys with known exponents and three public inputs: with
    /// The prepared key's vk_x (fixed-base tables up to `maxTabledInputs` inputs, a multi-scalar
    /// multiplication beyond) equals IC₀ + Σ xᵢ·ICᵢ computed from known logarithms, zero and
    /// r − 1 inputs included; a wrong input count is nil.
    func testPreparedPublicInputCommitmentBothWays() {
        var rng = TestRNG(seed: 17)
        for count in [1, Groth16.PreparedVerifyingKey.maxTabledInputs, Groth16.PreparedVerifyingKey.maxTabledInputs + 3] {
            let ics = (0...count).map { _ in rng.fr() }
            let vk = Groth16.VerifyingKey(
                alpha: BN254G1.generator, beta: BN254G2.generator, gamma: BN254G2.generator, delta: BN254G2.generator,
                ic: ics.map { (G1Point.generator * $0).affine })!
            let pvk = Groth16.PreparedVerifyingKey(vk)
            XCTAssertEqual(pvk.icTables == nil, count > Groth16.PreparedVerifyingKey.maxTabledInputs)
            var xs = (0..<count).map { _ in rng.fr() }
            xs[0] = .zero
            xs[count - 1] = -Fr.one
            let x = zip(xs, ics.dropFirst()).reduce(ics[0]) { $0 + $1.0 * $1.1 }
            XCTAssertEqual(pvk.publicInputCommitment(xs), (G1Point.generator * x).affine, "\(count) inputs")
            // The one-shot path (`verify(key, …)`) builds no tables and computes the same point.
            let oneShot = Groth16.PreparedVerifyingKey(vk, fixedBaseTables: false)
            XCTAssertNil(oneShot.icTables)
            XCTAssertEqual(oneShot.publicInputCommitment(xs), (G1Point.generator * x).affine)
            XCTAssertNil(pvk.publicInputCommitment(Array(xs.dropLast())))
        }
    }

    /// A = s·G1, B = t·G2, C = c·G1, it holds iff s·t = a·b + x·g + c·d (x the IC combination).
    func testSyntheticKeyWithKnownExponents() {
        var rng = TestRNG(seed: 16)
        for _ in 0..<2 {
            let (a, b, g, d) = (rng.fr(), rng.fr(), rng.fr(), rng.fr())
            let ics = (0..<4).map { _ in rng.fr() }
            let xs = (0..<3).map { _ in rng.fr() }
            let vk = Groth16.VerifyingKey(
                alpha: (G1Point.generator * a).affine, beta: (G2Point.generator * b).affine,
                gamma: (G2Point.generator * g).affine, delta: (G2Point.generator * d).affine,
                ic: ics.map { (G1Point.generator * $0).affine })!
            let x = zip(xs, ics.dropFirst()).reduce(ics[0]) { $0 + $1.0 * $1.1 }
            XCTAssertEqual(Groth16.publicInputCommitment(vk, xs), (G1Point.generator * x).affine)
            let (s, t) = (rng.fr(), rng.fr())
            let c = (s * t - a * b - x * g) * d.inverse()!
            let proof = Groth16.Proof(a: (G1Point.generator * s).affine, b: (G2Point.generator * t).affine,
                                      c: (G1Point.generator * c).affine)
            let pvk = Groth16.PreparedVerifyingKey(vk)
            XCTAssertTrue(Groth16.verify(pvk, proof, publicInputs: xs))
            var bumped = xs
            bumped[2] = bumped[2] + .one
            XCTAssertFalse(Groth16.verify(pvk, proof, publicInputs: bumped))
            XCTAssertFalse(Groth16.verify(pvk, proof, publicInputs: Array(xs.reversed())))
            // The same proof and inputs through the JSON writer and reader.
            let vk2 = try? Groth16JSON.verifyingKey(from: Groth16JSON.encode(vk))
            let proof2 = try? Groth16JSON.proof(from: Groth16JSON.encode(proof))
            let xs2 = try? Groth16JSON.publicInputs(from: Groth16JSON.encode(publicInputs: xs))
            XCTAssertEqual(vk2, vk)
            XCTAssertEqual(proof2, proof)
            XCTAssertEqual(xs2, xs)
        }
    }

    /// Our writer gives back the fixture's numbers (snarkjs order: Fq2 as [c0, c1]) and the calldata
    /// layout puts the imaginary part first and decodes back.
    func testJSONAndCalldataRoundTrip() throws {
        let (vk, proof, inputs) = try fixture()
        XCTAssertEqual(try Groth16JSON.verifyingKey(from: Groth16JSON.encode(vk)), vk)
        XCTAssertEqual(try Groth16JSON.proof(from: Groth16JSON.encode(proof)), proof)
        XCTAssertEqual(try Groth16JSON.publicInputs(from: Groth16JSON.encode(publicInputs: inputs)), inputs)
        let file = try JSONSerialization.jsonObject(with: Data(bytes("proof.json"))) as! [String: Any]
        let piB = file["pi_b"] as! [[String]]
        XCTAssertEqual(piB[0], [proof.b.x.c0.decimalString, proof.b.x.c1.decimalString])
        let data = proof.calldata
        XCTAssertEqual(data.count, 256)
        XCTAssertEqual(Array(data[64..<96]), proof.b.x.c1.bigEndianBytes)
        XCTAssertEqual(Array(data[96..<128]), proof.b.x.c0.bigEndianBytes)
        XCTAssertEqual(try Groth16.Proof(calldata: data), proof)
        XCTAssertEqual(vk.eip197Bytes.count, 64 + 3 * 128 + 64 * vk.ic.count)
        XCTAssertThrowsError(try Groth16.Proof(calldata: data.dropLast()))
    }

    func expect(_ error: Groth16FormatError, _ body: () throws -> Void, line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { XCTAssertEqual($0 as? Groth16FormatError, error, line: line) }
    }

    /// Points off the curve, outside G2 or with a coordinate ≥ p, and malformed or oversized files.
    func testHostileInputIsRefused() throws {
        let proofFile = try JSONSerialization.jsonObject(with: Data(bytes("proof.json"))) as! [String: Any]
        var bad = proofFile
        let a = proofFile["pi_a"] as! [String]
        bad["pi_a"] = [a[0], (Fq(decimal: a[1])! + .one).decimalString, "1"]
        expect(.point(field: "pi_a", .notOnCurve)) { _ = try Groth16JSON.proof(from: self.json(bad)) }
        bad = proofFile
        bad["pi_c"] = [Fq.modulus.decimalString, "2", "1"]
        expect(.point(field: "pi_c", .coordinateNotInField)) { _ = try Groth16JSON.proof(from: self.json(bad)) }
        bad = proofFile
        bad["pi_a"] = ["0", "0", "1"]
        expect(.point(field: "pi_a", .notOnCurve)) { _ = try Groth16JSON.proof(from: self.json(bad)) }

        // A twist point outside G2 as B.
        var rng = TestRNG(seed: 3)
        var outside: G2Affine?
        while outside == nil {
            let x = rng.fq2()
            if let y = (x.squared() * x + BN254G2.b).squareRoot(), let q = G2Affine(x: x, y: y), !q.isInSubgroup {
                outside = q
            }
        }
        bad = proofFile
        bad["pi_b"] = [[outside!.x.c0.decimalString, outside!.x.c1.decimalString],
                       [outside!.y.c0.decimalString, outside!.y.c1.decimalString], ["1", "0"]]
        expect(.point(field: "pi_b", .notInSubgroup)) { _ = try Groth16JSON.proof(from: self.json(bad)) }

        bad = proofFile
        bad.removeValue(forKey: "pi_c")
        expect(.missing("pi_c")) { _ = try Groth16JSON.proof(from: self.json(bad)) }
        bad = proofFile
        bad["protocol"] = "plonk"
        expect(.unsupported("protocol (want groth16)")) { _ = try Groth16JSON.proof(from: self.json(bad)) }
        bad = proofFile
        bad["pi_a"] = [a[0], a[1], "2"]
        XCTAssertThrowsError(try Groth16JSON.proof(from: self.json(bad)))
        bad["pi_a"] = ["0" + a[0], a[1], "1"]
        XCTAssertThrowsError(try Groth16JSON.proof(from: self.json(bad)))
        expect(.malformed("not valid JSON")) { _ = try Groth16JSON.proof(from: Array("{\"pi_a\":".utf8)) }
        expect(.tooLarge(limit: Groth16JSON.maxProofBytes)) {
            _ = try Groth16JSON.proof(from: [UInt8](repeating: 32, count: Groth16JSON.maxProofBytes + 1))
        }

        // Key: nPublic must match IC; IC must not be empty.
        var vkFile = try JSONSerialization.jsonObject(with: Data(bytes("vk.json"))) as! [String: Any]
        vkFile["nPublic"] = 2
        XCTAssertThrowsError(try Groth16JSON.verifyingKey(from: json(vkFile)))
        vkFile["nPublic"] = 0
        vkFile["IC"] = [Any]()
        XCTAssertThrowsError(try Groth16JSON.verifyingKey(from: json(vkFile)))

        // Public inputs: canonical decimals below r only.
        XCTAssertThrowsError(try Groth16JSON.publicInputs(from: json([Fr.modulus.decimalString])))
        XCTAssertThrowsError(try Groth16JSON.publicInputs(from: json(["0x1"])))
        XCTAssertThrowsError(try Groth16JSON.publicInputs(from: json([1])))
        XCTAssertThrowsError(try Groth16JSON.publicInputs(from: json(["-1"])))
        XCTAssertEqual(try Groth16JSON.publicInputs(from: json(["0", "5"])), [Fr.zero, Fr(5)])
    }
}
