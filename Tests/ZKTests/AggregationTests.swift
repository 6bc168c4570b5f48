import XCTest
@testable import ZK

/// SnarkPack aggregation of simulated Groth16 proofs (valid for a key with a known trapdoor) under
/// an SRS from known secrets. The adversary is the aggregator: it hides an invalid proof in the set,
/// changes any element of the aggregate, claims other public inputs or another order, or uses
/// another SRS; each is refused.
final class AggregationTests: XCTestCase {
    struct Setup {
        let sim: Groth16Simulator
        let srs: AggregationSRS
        let prover: AggregationProverKey
        let verifier: AggregationVerifierKey
        let proofs: [Groth16.Proof]
        let inputs: [[Fr]]
    }

    func setup(_ n: Int, seed: UInt64, inputs count: Int = 2) -> Setup {
        var rng = TestRNG(seed: seed)
        let sim = Groth16Simulator(publicInputs: count, rng: &rng)
        let srs = AggregationSRS.insecureFromSecrets(a: rng.fr(), b: rng.fr(), proofCount: n)
        let (pk, vk) = srs.specialize(proofCount: n)!
        let items = sim.items(n, rng: &rng)
        return Setup(sim: sim, srs: srs, prover: pk, verifier: vk, proofs: items.map(\.proof),
                     inputs: items.map(\.publicInputs))
    }

    func aggregate(_ s: Setup, proofs: [Groth16.Proof]? = nil, inputs: [[Fr]]? = nil) -> AggregateProof {
        SnarkPack.aggregate(s.prover, s.sim.key, proofs: proofs ?? s.proofs, publicInputs: inputs ?? s.inputs)!
    }

    /// Honest aggregates of 2, 4, 8 and 16 proofs verify, also after a round trip through bytes.
    func testHonestAggregatesVerify() throws {
        for (n, seed) in [(2, 1), (4, 2), (8, 3), (16, 4)] as [(Int, UInt64)] {
            let s = setup(n, seed: seed, inputs: n == 4 ? 0 : 2)
            let agg = aggregate(s)
            XCTAssertEqual(agg.proofCount, n)
            XCTAssertTrue(SnarkPack.verify(s.verifier, s.sim.prepared, agg, publicInputs: s.inputs), "N = \(n)")
            let bytes = agg.bytes
            XCTAssertEqual(bytes.count, AggregateProof.byteCount(logProofCount: n.trailingZeroBitCount))
            let decoded = try AggregateProof(bytes: bytes)
            XCTAssertEqual(decoded, agg)
            XCTAssertTrue(SnarkPack.verify(s.verifier, s.sim.prepared, decoded, publicInputs: s.inputs))
        }
    }

    /// A set with one invalid proof (C moved), or two whose errors cancel in an unweighted sum,
    /// aggregates to something that does not verify.
    func testInvalidProofInSetIsRefused() {
        let s = setup(8, seed: 5)
        var proofs = s.proofs
        let p = proofs[5]
        proofs[5] = Groth16.Proof(a: p.a, b: p.b, c: (p.c.jacobian + G1Point.generator).affine)
        XCTAssertFalse(SnarkPack.verify(s.verifier, s.sim.prepared, aggregate(s, proofs: proofs), publicInputs: s.inputs))
        proofs = s.proofs
        let d = G1Point.generator * Fr(12345)
        proofs[1] = Groth16.Proof(a: proofs[1].a, b: proofs[1].b, c: (proofs[1].c.jacobian + d).affine)
        proofs[2] = Groth16.Proof(a: proofs[2].a, b: proofs[2].b, c: (proofs[2].c.jacobian - d).affine)
        XCTAssertFalse(SnarkPack.verify(s.verifier, s.sim.prepared, aggregate(s, proofs: proofs), publicInputs: s.inputs))
    }

    /// The verifier checks the public inputs: another value, the inputs or the proofs in another
    /// order, a missing or extra input are refused.
    func testPublicInputsAndOrderAreBound() {
        let s = setup(4, seed: 6)
        let agg = aggregate(s)
        let pvk = s.sim.prepared
        var other = s.inputs
        other[2][1] = other[2][1] + .one
        XCTAssertFalse(SnarkPack.verify(s.verifier, pvk, agg, publicInputs: other))
        var swapped = s.inputs
        swapped.swapAt(0, 3)
        XCTAssertFalse(SnarkPack.verify(s.verifier, pvk, agg, publicInputs: swapped))
        // Proofs aggregated in another order than their inputs: each pair mismatched.
        var proofs = s.proofs
        proofs.swapAt(1, 2)
        XCTAssertFalse(SnarkPack.verify(s.verifier, pvk, aggregate(s, proofs: proofs), publicInputs: s.inputs))
        XCTAssertFalse(SnarkPack.verify(s.verifier, pvk, agg, publicInputs: Array(s.inputs.dropLast())))
        XCTAssertFalse(SnarkPack.verify(s.verifier, pvk, agg, publicInputs: s.inputs.map { $0 + [.zero] }))
        XCTAssertNil(SnarkPack.aggregate(s.prover, s.sim.key, proofs: Array(s.proofs.dropLast()),
                                         publicInputs: Array(s.inputs.dropLast())))
    }

    /// An aggregate made under one SRS does not verify under another one of the same size, nor
    /// under another Groth16 key.
    func testOtherSRSOrKeyIsRefused() {
        let s = setup(4, seed: 7)
        let agg = aggregate(s)
        var rng = TestRNG(seed: 99)
        let otherSRS = AggregationSRS.insecureFromSecrets(a: rng.fr(), b: rng.fr(), proofCount: 4)
        XCTAssertFalse(SnarkPack.verify(otherSRS.specialize(proofCount: 4)!.verifier, s.sim.prepared, agg,
                                        publicInputs: s.inputs))
        let otherKey = Groth16Simulator(publicInputs: 2, rng: &rng)
        XCTAssertFalse(SnarkPack.verify(s.verifier, otherKey.prepared, agg, publicInputs: s.inputs))
        // An aggregate for 4 proofs is not one for 2 or 8.
        let (_, vk8) = AggregationSRS.insecureFromSecrets(a: rng.fr(), b: rng.fr(), proofCount: 8).specialize(proofCount: 8)!
        XCTAssertFalse(SnarkPack.verify(vk8, s.sim.prepared, agg, publicInputs: s.inputs + s.inputs))
    }

    /// Every element of an aggregate of 2 proofs, changed to another valid group element, makes
    /// the aggregate fail.
    func testEveryTamperedElementIsRefused() {
        let s = setup(2, seed: 8)
        let agg = aggregate(s)
        let gt = Pairing.pairing(BN254G1.generator, BN254G2.generator)
        let g1 = { (p: G1Affine) in (p.jacobian + G1Point.generator).affine }
        let g2 = { (p: G2Affine) in (p.jacobian + G2Point.generator).affine }
        let cm = { (c: PairCommitment, first: Bool) in
            first ? PairCommitment(t: c.t * gt, u: c.u) : PairCommitment(t: c.t, u: c.u * gt)
        }
        func with(_ build: (inout Parts) -> Void) -> AggregateProof {
            var parts = Parts(agg)
            build(&parts)
            return parts.proof
        }
        var variants: [(String, AggregateProof)] = []
        for first in [true, false] {
            variants.append(("comAB", with { $0.comAB = cm($0.comAB, first) }))
            variants.append(("comC", with { $0.comC = cm($0.comC, first) }))
            variants.append(("abPlus", with { $0.rounds[0].abPlus = cm($0.rounds[0].abPlus, first) }))
            variants.append(("abMinus", with { $0.rounds[0].abMinus = cm($0.rounds[0].abMinus, first) }))
            variants.append(("cPlus", with { $0.rounds[0].cPlus = cm($0.rounds[0].cPlus, first) }))
            variants.append(("cMinus", with { $0.rounds[0].cMinus = cm($0.rounds[0].cMinus, first) }))
        }
        variants.append(("zAB", with { $0.zAB = $0.zAB * gt }))
        variants.append(("zC", with { $0.zC = g1($0.zC) }))
        variants.append(("zPlus", with { $0.rounds[0].zPlus = $0.rounds[0].zPlus * gt }))
        variants.append(("zMinus", with { $0.rounds[0].zMinus = $0.rounds[0].zMinus * gt }))
        variants.append(("zcPlus", with { $0.rounds[0].zcPlus = g1($0.rounds[0].zcPlus) }))
        variants.append(("zcMinus", with { $0.rounds[0].zcMinus = g1($0.rounds[0].zcMinus) }))
        variants.append(("final.a", with { $0.final.a = g1($0.final.a) }))
        variants.append(("final.b", with { $0.final.b = g2($0.final.b) }))
        variants.append(("final.c", with { $0.final.c = g1($0.final.c) }))
        variants.append(("final.v1", with { $0.final.v1 = g2($0.final.v1) }))
        variants.append(("final.v2", with { $0.final.v2 = g2($0.final.v2) }))
        variants.append(("final.w1", with { $0.final.w1 = g1($0.final.w1) }))
        variants.append(("final.w2", with { $0.final.w2 = g1($0.final.w2) }))
        variants.append(("open.v1", with { $0.openings.v1 = g2($0.openings.v1) }))
        variants.append(("open.v2", with { $0.openings.v2 = g2($0.openings.v2) }))
        variants.append(("open.w1", with { $0.openings.w1 = g1($0.openings.w1) }))
        variants.append(("open.w2", with { $0.openings.w2 = g1($0.openings.w2) }))
        XCTAssertEqual(variants.count, 29)
        XCTAssertTrue(SnarkPack.verify(s.verifier, s.sim.prepared, with { _ in }, publicInputs: s.inputs))
        for (name, variant) in variants {
            XCTAssertNotEqual(variant, agg, name)
            XCTAssertFalse(SnarkPack.verify(s.verifier, s.sim.prepared, variant, publicInputs: s.inputs), name)
        }
    }

    /// Bytes: a changed byte is refused (at decoding or verification), and so are wrong lengths,
    /// headers, a GT element outside GT and a point off the curve.
    func testDecodingRefusesMalformedBytes() throws {
        let s = setup(2, seed: 9)
        let bytes = aggregate(s).bytes
        XCTAssertThrowsError(try AggregateProof(bytes: bytes.dropLast()))
        XCTAssertThrowsError(try AggregateProof(bytes: bytes + [0]))
        XCTAssertThrowsError(try AggregateProof(bytes: [UInt8]()))
        var header = bytes; header[0] = 0x58
        XCTAssertEqual(try? AggregateProof(bytes: header), nil)
        var count = bytes; count[4] = 0
        XCTAssertThrowsError(try AggregateProof(bytes: count))
        count[4] = 25
        XCTAssertThrowsError(try AggregateProof(bytes: count))
        // A coefficient of CM(A, B).T changed: no longer in GT.
        var gtBytes = bytes; gtBytes[5 + 100] ^= 1
        XCTAssertThrowsError(try AggregateProof(bytes: gtBytes)) { XCTAssertEqual($0 as? AggregateProof.DecodingError, .notInTargetGroup) }
        // Z_C's y changed: off the curve.
        let zcOffset = 5 + 5 * Fq12.encodedByteCount
        var g1Bytes = bytes; g1Bytes[zcOffset + 63] ^= 1
        XCTAssertThrowsError(try AggregateProof(bytes: g1Bytes)) { XCTAssertEqual($0 as? AggregateProof.DecodingError, .point(.notOnCurve)) }
        // A sample of single-byte changes across the whole encoding.
        for offset in stride(from: 5, to: bytes.count, by: 97) {
            var changed = bytes; changed[offset] ^= 0x10
            if let decoded = try? AggregateProof(bytes: changed) {
                XCTAssertFalse(SnarkPack.verify(s.verifier, s.sim.prepared, decoded, publicInputs: s.inputs), "\(offset)")
            }
        }
    }

    /// The SRS: its shape check, specializations, byte round trip and refusals.
    func testSRS() throws {
        var rng = TestRNG(seed: 10)
        let srs = AggregationSRS.insecureFromSecrets(a: rng.fr(), b: rng.fr(), proofCount: 4)
        XCTAssertEqual(srs.maxProofCount, 4)
        XCTAssertTrue(srs.isWellFormed)
        XCTAssertNotNil(srs.specialize(proofCount: 2))
        XCTAssertNil(srs.specialize(proofCount: 8))
        XCTAssertNil(srs.specialize(proofCount: 3))
        XCTAssertEqual(try AggregationSRS(bytes: srs.bytes), srs)
        var gA = srs.gAlpha; gA.swapAt(2, 3)
        XCTAssertFalse(AggregationSRS(gAlpha: gA, hAlpha: srs.hAlpha, gBeta: srs.gBeta, hBeta: srs.hBeta)!.isWellFormed)
        var hB = srs.hBeta; hB[2] = (hB[2].jacobian + G2Point.generator).affine
        XCTAssertFalse(AggregationSRS(gAlpha: srs.gAlpha, hAlpha: srs.hAlpha, gBeta: srs.gBeta, hBeta: hB)!.isWellFormed)
        XCTAssertNil(AggregationSRS(gAlpha: srs.gAlpha, hAlpha: srs.hAlpha, gBeta: Array(srs.gBeta.dropLast()), hBeta: srs.hBeta))
        XCTAssertThrowsError(try AggregationSRS(bytes: srs.bytes.dropLast()))
        var bad = srs.bytes; bad[12 + 63] ^= 1
        XCTAssertThrowsError(try AggregationSRS(bytes: bad))
        // Powers-of-tau shapes: 2·2ᵏ − 1 G1 and 2ᵏ G2 powers serve 2ᵏ⁻¹ proofs.
        let tau = AggregationSRS(gAlpha: Array(srs.gAlpha.dropLast()), hAlpha: srs.hAlpha,
                                 gBeta: Array(srs.gBeta.dropLast()), hBeta: srs.hBeta)!
        XCTAssertEqual(tau.maxProofCount, 2)
    }

    /// The polynomial helpers of the KZG openings agree with each other.
    func testFoldPolynomials() {
        var rng = TestRNG(seed: 11)
        let y = (0..<3).map { _ in rng.fr() }
        let coefficients = TippMipp.coefficients(y)
        XCTAssertEqual(coefficients.count, 8)
        XCTAssertEqual(coefficients[4], y[0])
        XCTAssertEqual(coefficients[1], y[2])
        let x = rng.fr()
        let direct = coefficients.reversed().reduce(Fr.zero) { $0 * x + $1 }
        XCTAssertEqual(TippMipp.evaluate(y, at: x), direct)
        let z = rng.fr()
        let q = TippMipp.quotient(coefficients, at: z)
        let qx = q.reversed().reduce(Fr.zero) { $0 * x + $1 }
        XCTAssertEqual(qx * (x - z), direct - TippMipp.evaluate(y, at: z))
    }
}

/// An aggregate's elements as mutable fields (tests change one at a time).
struct Parts {
    var comAB, comC: PairCommitment
    var zAB: Fq12
    var zC: G1Affine
    var rounds: [RoundParts]
    var final: FinalParts
    var openings: OpeningParts

    struct RoundParts { var abPlus, abMinus: PairCommitment; var zPlus, zMinus: Fq12
        var cPlus, cMinus: PairCommitment; var zcPlus, zcMinus: G1Affine }
    struct FinalParts { var a: G1Affine; var b: G2Affine; var c: G1Affine; var v1, v2: G2Affine; var w1, w2: G1Affine }
    struct OpeningParts { var v1, v2: G2Affine; var w1, w2: G1Affine }

    init(_ p: AggregateProof) {
        comAB = p.comAB; comC = p.comC; zAB = p.zAB; zC = p.zC
        rounds = p.argument.rounds.map { RoundParts(abPlus: $0.abPlus, abMinus: $0.abMinus, zPlus: $0.zPlus, zMinus: $0.zMinus,
                                                    cPlus: $0.cPlus, cMinus: $0.cMinus, zcPlus: $0.zcPlus, zcMinus: $0.zcMinus) }
        let f = p.argument.final, o = p.argument.openings
        final = FinalParts(a: f.a, b: f.b, c: f.c, v1: f.v1, v2: f.v2, w1: f.w1, w2: f.w2)
        openings = OpeningParts(v1: o.v1, v2: o.v2, w1: o.w1, w2: o.w2)
    }

    var proof: AggregateProof {
        AggregateProof(comAB: comAB, comC: comC, zAB: zAB, zC: zC, argument: TippMipp.Proof(
            rounds: rounds.map { TippMipp.Round(abPlus: $0.abPlus, abMinus: $0.abMinus, zPlus: $0.zPlus, zMinus: $0.zMinus,
                                                cPlus: $0.cPlus, cMinus: $0.cMinus, zcPlus: $0.zcPlus, zcMinus: $0.zcMinus) },
            final: TippMipp.Final(a: final.a, b: final.b, c: final.c, v1: final.v1, v2: final.v2, w1: final.w1, w2: final.w2),
            openings: TippMipp.Openings(v1: openings.v1, v2: openings.v2, w1: openings.w1, w2: openings.w2)))
    }
}
