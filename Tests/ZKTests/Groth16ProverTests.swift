import Foundation
import XCTest
@testable import ZK


/// The Groth16 prover with keys from the single-party development setup: proofs of our built-in
/// circuits and of circom's files verify with our verifier; the dishonest prover (another public
/// input, a witness that does not satisfy the system) is refused; the QAP step matches a naive
/// evaluation. Interop with arkworks (groth16py) is in Tests/interop/test_zk_groth16_prove.py.
final class Groth16ProverTests: XCTestCase {
    static let vectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("vectors")

    func circom(_ name: String) throws -> (R1CS, Witness) {
        let r1cs = try R1CSFile.read([UInt8](Data(contentsOf: Self.vectors.appendingPathComponent("circom_\(name).r1cs"))))
        let wtns = try WitnessFile.read([UInt8](Data(contentsOf: Self.vectors.appendingPathComponent("circom_\(name).wtns"))))
        return (r1cs, wtns)
    }

    func setup(_ r1cs: R1CS, seed: UInt64 = 7) throws -> Groth16.ProvingKey {
        var rng = TestRNG(seed: seed)
        return try Groth16.developmentSetup(r1cs: r1cs, toxicWaste: .random(using: &rng))
    }

    /// poseidon-preimage and its development key, made once (setups are slow in a debug build).
    static let poseidon = PoseidonPreimageCircuit.example.build()
    static let poseidonKey: Groth16.ProvingKey = {
        var rng = TestRNG(seed: 7)
        return try! Groth16.developmentSetup(r1cs: poseidon.r1cs, toxicWaste: .random(using: &rng))
    }()

    func publicInputs(_ r1cs: R1CS, _ witness: Witness) -> [Fr] {
        Array(witness.values[1...r1cs.publicCount])
    }

    /// Proves and verifies, and checks the proof fails for the first public input + 1.
    func assertProves(_ r1cs: R1CS, _ witness: Witness, _ label: String, key given: Groth16.ProvingKey? = nil,
                      file: StaticString = #filePath, line: UInt = #line) throws {
        let key = try given ?? setup(r1cs)
        XCTAssertEqual(key.domainSize, EvaluationDomain(minimumSize: r1cs.constraints.count + r1cs.publicCount + 1)!.size)
        var rng = TestRNG(seed: 11)
        let proof = try Groth16.prove(key: key, witness: witness, checking: r1cs, using: &rng)
        let inputs = publicInputs(r1cs, witness)
        let pvk = Groth16.PreparedVerifyingKey(key.verifyingKey)
        XCTAssertTrue(Groth16.verify(pvk, proof, publicInputs: inputs), "\(label) verifies", file: file, line: line)
        var wrong = inputs
        wrong[0] += .one
        XCTAssertFalse(Groth16.verify(pvk, proof, publicInputs: wrong), "\(label) wrong input", file: file, line: line)
    }

    func testBuiltinCircuitProofsVerify() throws {
        try assertProves(Self.poseidon.r1cs, Self.poseidon.witness, "poseidon-preimage", key: Self.poseidonKey)
        let merkle = MerkleMembershipCircuit.example(depth: 3).build()
        try assertProves(merkle.r1cs, merkle.witness, "merkle-membership depth 3")
    }

    /// circom's own files: a multiplier (a public output, one constraint) and Poseidon(2).
    func testCircomFilesProve() throws {
        for name in ["multiplier", "poseidon2"] {
            let (r1cs, witness) = try circom(name)
            try assertProves(r1cs, witness, name)
        }
    }

    /// Fresh blinding: two proofs of one witness differ (all three elements) and both verify.
    func testProofsAreRandomised() throws {
        let cs = Self.poseidon
        let key = Self.poseidonKey
        let p1 = try Groth16.prove(key: key, witness: cs.witness)
        let p2 = try Groth16.prove(key: key, witness: cs.witness)
        XCTAssertNotEqual(p1.a, p2.a)
        XCTAssertNotEqual(p1.b, p2.b)
        XCTAssertNotEqual(p1.c, p2.c)
        let inputs = publicInputs(cs.r1cs, cs.witness)
        XCTAssertTrue(Groth16.verify(key.verifyingKey, p1, publicInputs: inputs))
        XCTAssertTrue(Groth16.verify(key.verifyingKey, p2, publicInputs: inputs))
    }

    /// The profiled prover gives a proof that verifies and records the eight steps in order
    /// (rows, NTTs, the five MSMs, the combination), each with a time; it checks the witness
    /// length like `prove`.
    func testProfiledProofVerifiesAndNamesEachStep() throws {
        let cs = Self.poseidon
        let key = Self.poseidonKey
        var profile = Groth16.ProverProfile()
        let proof = try Groth16.prove(key: key, witness: cs.witness, threads: 2, profile: &profile)
        XCTAssertTrue(Groth16.verify(key.verifyingKey, proof, publicInputs: publicInputs(cs.r1cs, cs.witness)))
        let names = profile.steps.map(\.name)
        XCTAssertEqual(names.count, 8)
        for (name, prefix) in zip(names, ["witness map: A", "witness map: 3", "MSM A", "MSM B1", "MSM B2", "MSM H",
                                          "MSM C", "combination"]) {
            XCTAssertTrue(name.hasPrefix(prefix), name)
        }
        XCTAssertTrue(profile.steps.allSatisfy { $0.milliseconds >= 0 })
        var short = cs.witness
        short.values.removeLast()
        XCTAssertThrowsError(try Groth16.prove(key: key, witness: short, profile: &profile))
    }

    /// The dishonest prover: a private value changed. With the system the prover refuses and names
    /// the constraint; without it, the proof it makes does not verify. Lengths and wire 0 are
    /// always checked, and a system that is not the key's is refused.
    func testUnsatisfyingWitnessIsRefused() throws {
        let cs = Self.poseidon
        let key = Self.poseidonKey
        var bad = cs.witness
        bad.values[2] += .one
        guard case .unsatisfied(let index) = cs.r1cs.isSatisfied(bad) else { return XCTFail("should be unsatisfied") }
        XCTAssertThrowsError(try Groth16.prove(key: key, witness: bad, checking: cs.r1cs)) {
            XCTAssertEqual($0 as? Groth16.ProverError, .unsatisfied(constraint: index))
        }
        let unchecked = try Groth16.prove(key: key, witness: bad)
        XCTAssertFalse(Groth16.verify(key.verifyingKey, unchecked, publicInputs: publicInputs(cs.r1cs, cs.witness)))
        XCTAssertFalse(Groth16.verify(key.verifyingKey, unchecked, publicInputs: publicInputs(cs.r1cs, bad)))

        XCTAssertThrowsError(try Groth16.prove(key: key, witness: Witness(values: Array(cs.witness.values.dropLast())))) {
            XCTAssertEqual($0 as? Groth16.ProverError, .wrongWitnessLength(expected: key.wireCount, got: key.wireCount - 1))
        }
        var zero = cs.witness
        zero.values[0] = Fr(2)
        XCTAssertThrowsError(try Groth16.prove(key: key, witness: zero)) {
            XCTAssertEqual($0 as? Groth16.ProverError, .wireZeroNotOne)
        }
        let other = MerkleMembershipCircuit.example(depth: 1).build().r1cs
        XCTAssertThrowsError(try Groth16.prove(key: key, witness: cs.witness, checking: other)) {
            guard case .constraintSystemMismatch = $0 as? Groth16.ProverError else { return XCTFail("\($0)") }
        }
    }

    /// The QAP step against a naive computation: A, B, C interpolated from their row values and
    /// evaluated by Horner at ω₂ₙ^(2k+1).
    func testOddCosetEvaluationsMatchNaiveEvaluation() throws {
        let cs = MerkleMembershipCircuit.example(depth: 1).build()
        let key = try setup(cs.r1cs)
        let w = cs.witness.values
        let p = Groth16.QAPWitnessMap.oddCosetEvaluations(key: key, witness: w)
        let domain = EvaluationDomain(minimumSize: key.domainSize)!
        var a = Groth16.QAPWitnessMap.rowEvaluations(key.matricesA, witness: w, rows: domain.size)
        var b = Groth16.QAPWitnessMap.rowEvaluations(key.matricesB, witness: w, rows: domain.size)
        var c = zip(a, b).map { $0 * $1 }
        domain.inverseNTT(&a); domain.inverseNTT(&b); domain.inverseNTT(&c)
        let root2N = domain.doubleDomainRoot!
        XCTAssertEqual(root2N * root2N, domain.root)
        func horner(_ coefficients: [Fr], _ x: Fr) -> Fr { coefficients.reversed().reduce(Fr.zero) { $0 * x + $1 } }
        for k in [0, 1, domain.size / 2, domain.size - 1] {
            let x = root2N * domain.root.pow(UInt256(UInt64(k)))
            XCTAssertEqual(p[k], horner(a, x) * horner(b, x) - horner(c, x), "k = \(k)")
        }
        // Z(x) = x^N − 1 is −2 on that coset.
        XCTAssertEqual(domain.vanishingPolynomial(at: root2N), -Fr(2))
    }

    /// The arbitrary-shift coset transform evaluates at s·ωⁱ and inverts.
    func testCosetNTTWithShift() {
        var rng = TestRNG(seed: 3)
        let domain = EvaluationDomain(minimumSize: 16)!
        let coefficients = (0..<16).map { _ in rng.fr() }
        let shift = rng.fr()
        var values = coefficients
        domain.cosetNTT(&values, shift: shift)
        for i in [0, 5, 15] {
            let x = shift * domain.root.pow(UInt256(UInt64(i)))
            XCTAssertEqual(values[i], coefficients.reversed().reduce(Fr.zero) { $0 * x + $1 })
        }
        domain.inverseCosetNTT(&values, shift: shift)
        XCTAssertEqual(values, coefficients)
    }

    /// The setup's points against their definitions for a tiny system, with known toxic waste:
    /// a = A(τ)·G1 computed by Horner from the interpolated column, and the verifying key's parts.
    func testSetupPointsMatchDefinitions() throws {
        let (r1cs, _) = try circom("multiplier")
        let t = Groth16.ToxicWaste(tau: Fr(1234), alpha: Fr(5), beta: Fr(6), gamma: Fr(7), delta: Fr(8))
        let key = try Groth16.developmentSetup(r1cs: r1cs, toxicWaste: t)
        let domain = EvaluationDomain(minimumSize: key.domainSize)!
        XCTAssertEqual(key.domainSize, 4)  // 1 constraint + 1 public + 1
        for wire in 0..<key.wireCount {
            var column = [Fr](repeating: .zero, count: domain.size)
            for e in key.matricesA where e.wire == wire { column[e.row] += e.coefficient }
            domain.inverseNTT(&column)
            let value = column.reversed().reduce(Fr.zero) { $0 * t.tau + $1 }
            XCTAssertEqual(key.a[wire], (G1Point.generator * value).affine, "a[\(wire)]")
        }
        XCTAssertEqual(key.alpha1, (G1Point.generator * Fr(5)).affine)
        XCTAssertEqual(key.verifyingKey.gamma, (G2Point.generator * Fr(7)).affine)
        XCTAssertEqual(key.delta2, (G2Point.generator * Fr(8)).affine)
        XCTAssertThrowsError(try Groth16.developmentSetup(
            r1cs: r1cs, toxicWaste: .init(tau: domain.root, alpha: .one, beta: .one, gamma: .one, delta: .one)))
        XCTAssertThrowsError(try Groth16.developmentSetup(
            r1cs: r1cs, toxicWaste: .init(tau: Fr(3), alpha: .one, beta: .one, gamma: .one, delta: .zero)))
    }

    // MARK: .zkey

    func testZKeyRoundTrip() throws {
        let cs = Self.poseidon
        let key = Self.poseidonKey
        let bytes = ZKeyFile.write(key)
        let read = try ZKeyFile.read(bytes)
        XCTAssertEqual(read.key, key)
        XCTAssertEqual(read.contributions, ZKeyFile.emptyContributions)
        XCTAssertEqual(ZKeyFile.write(read.key, contributions: read.contributions), bytes)
        // Section 10 is carried opaquely.
        let opaque: [UInt8] = (0..<200).map { UInt8($0 & 0xFF) }
        let again = try ZKeyFile.read(ZKeyFile.write(key, contributions: opaque))
        XCTAssertEqual(again.contributions, opaque)
        // A key read back proves.
        let proof = try Groth16.prove(key: read.key, witness: cs.witness, checking: cs.r1cs)
        XCTAssertTrue(Groth16.verify(key.verifyingKey, proof, publicInputs: publicInputs(cs.r1cs, cs.witness)))
    }

    /// The representations, against constants: the generator (1, 2) of G1 is stored as the
    /// Montgomery forms R mod p and 2R mod p; a coefficient 1 is stored as R² mod r.
    func testZKeyRepresentations() throws {
        var g: [UInt8] = []
        ZKeyEncoding.appendG1(&g, BN254G1.generator)
        let rModP = Fq.montgomeryR, twoRModP = (Fq.one + Fq.one).montgomery
        XCTAssertEqual(g, le(rModP) + le(twoRModP))
        var c: [UInt8] = []
        ZKeyEncoding.appendCoefficient(&c, .one)
        XCTAssertEqual(c, le(Fr.montgomeryR2))
        var reader = BinaryReader(c)
        XCTAssertEqual(try ZKeyEncoding.coefficient(&reader, "c"), .one)
        var h = TestRNG(seed: 5)
        for _ in 0..<20 {
            let v = h.fr()
            var out: [UInt8] = []
            ZKeyEncoding.appendCoefficient(&out, v)
            var r = BinaryReader(out)
            XCTAssertEqual(try ZKeyEncoding.coefficient(&r, "c"), v)
        }
    }

    func le(_ v: UInt256) -> [UInt8] { Array(v.bigEndianBytes.reversed()) }

    /// Offset of section `type`'s content in a file we wrote (sections in order 1…10).
    func sectionOffset(_ bytes: [UInt8], _ type: UInt32) -> (offset: Int, size: Int) {
        var r = BinaryReader(bytes, offset: 12)
        while true {
            let t = try! r.u32("t"), size = Int(try! r.u64("s"))
            if t == type { return (r.offset, size) }
            r.offset += size
        }
    }

    func assertRefused(_ bytes: [UInt8], _ check: (ZKeyFileError) -> Bool, _ label: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try ZKeyFile.read(bytes), label, file: file, line: line) {
            guard let e = $0 as? ZKeyFileError else { return XCTFail("\($0)", file: file, line: line) }
            XCTAssertTrue(check(e), "\(label): \(e)", file: file, line: line)
        }
    }

    /// Hostile files: truncation anywhere, wrong magic/version/prover/fields, sizes that disagree
    /// with the header, coefficient counts, rows and wires out of range.
    func testCorruptedZKeyIsRefused() throws {
        let (r1cs, _) = try circom("multiplier")
        let good = ZKeyFile.write(try setup(r1cs))
        for length in stride(from: 0, to: good.count, by: 37) {
            XCTAssertThrowsError(try ZKeyFile.read(Array(good[..<length])), "truncated at \(length)") {
                guard case .format = $0 as? ZKeyFileError else { return XCTFail("\($0)") }
            }
        }
        var bad = good
        bad[0] = UInt8(ascii: "x")
        assertRefused(bad, { $0 == .format(.wrongMagic(expected: "zkey")) }, "magic")
        bad = good
        bad[4] = 2
        assertRefused(bad, { $0 == .format(.unsupportedVersion(2)) }, "version")
        let s1 = sectionOffset(good, 1).offset
        bad = good
        bad[s1] = 2
        assertRefused(bad, { $0 == .notGroth16(2) }, "plonk")
        let s2 = sectionOffset(good, 2).offset
        bad = good
        bad[s2 + 4] ^= 1
        assertRefused(bad, { $0 == .wrongBaseField }, "q")
        bad = good
        bad[s2 + 40] ^= 1
        assertRefused(bad, { $0 == .format(.wrongPrime) }, "r")
        // nVars + 1: every point section's size now disagrees with the header.
        bad = good
        bad[s2 + 72] &+= 1
        assertRefused(bad, { if case .format(.invalidCount) = $0 { true } else { false } }, "nVars")
        // domainSize 3 (not a power of two), then a huge one.
        bad = good
        bad[s2 + 80] = 3
        assertRefused(bad, { if case .format(.invalidCount) = $0 { true } else { false } }, "domain 3")
        bad = good
        bad[s2 + 83] = 0x80
        assertRefused(bad, { if case .format(.invalidCount) = $0 { true } else { false } }, "domain 2^31")

        // Coefficients: a count the section cannot hold, a row ≥ N, a wire ≥ nVars, a matrix 2,
        // a value ≥ r.
        let s4 = sectionOffset(good, 4).offset
        bad = good
        bad[s4 + 3] = 0x7F
        assertRefused(bad, { if case .format(.invalidCount) = $0 { true } else { false } }, "coefficient count")
        bad = good
        bad[s4 + 8] = 200
        assertRefused(bad, { if case .format(.invalidValue) = $0 { true } else { false } }, "row")
        bad = good
        bad[s4 + 12] = 200
        assertRefused(bad, { if case .format(.invalidValue) = $0 { true } else { false } }, "wire")
        bad = good
        bad[s4 + 4] = 2
        assertRefused(bad, { if case .format(.invalidValue) = $0 { true } else { false } }, "matrix")
        bad = good
        for i in 0..<32 { bad[s4 + 16 + i] = 0xFF }
        assertRefused(bad, { if case .format(.invalidValue) = $0 { true } else { false } }, "coefficient ≥ r")
        // A missing section.
        bad = good
        bad[sectionOffset(good, 9).offset - 12] = 11
        assertRefused(bad, { $0 == .format(.missingSection(9)) }, "no H")
    }

    /// Points: off the curve, a coordinate ≥ p, a G2 point on the twist but outside G2.
    func testBadPointsInZKeyAreRefused() throws {
        let (r1cs, _) = try circom("multiplier")
        let key = try setup(r1cs)
        let good = ZKeyFile.write(key)
        let s5 = sectionOffset(good, 5).offset
        // A[0]'s y Montgomery form + 1 (still < p with overwhelming probability; A[0] is finite).
        XCTAssertFalse(key.a[0].isInfinity)
        var bad = good
        bad[s5 + 32] ^= 1
        assertRefused(bad, { $0 == .invalidPoint("A[0]", .notOnCurve) }, "off curve")
        bad = good
        for i in 0..<32 { bad[s5 + i] = 0xFF }
        assertRefused(bad, { $0 == .invalidPoint("A[0]", .coordinateNotInField) }, "x ≥ p")
        let s2 = sectionOffset(good, 2).offset
        bad = good
        bad[s2 + 84 + 64] ^= 1  // beta1.x
        assertRefused(bad, { $0 == .invalidPoint("beta1", .notOnCurve) }, "beta1")

        // A twist point outside G2 in place of B2[0] (found from x = k + u).
        var k: UInt64 = 1
        var outside: G2Affine?
        while outside == nil {
            let x = Fq2(Fq(k), .one)
            if let y = (x.squared() * x + BN254G2.b).squareRoot(), let p = G2Affine(x: x, y: y), !p.isInSubgroup {
                outside = p
            }
            k += 1
        }
        var encoded: [UInt8] = []
        ZKeyEncoding.appendG2(&encoded, outside!)
        let s7 = sectionOffset(good, 7).offset
        bad = good
        bad.replaceSubrange(s7..<(s7 + 128), with: encoded)
        assertRefused(bad, { $0 == .invalidPoint("B2[0]", .notInSubgroup) }, "outside G2")
    }
}
