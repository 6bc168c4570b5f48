import XCTest
@testable import ZK

/// Phase 2: the key from an honest ceremony equals the key computed from the secrets by scalars,
/// satisfies its defining pairing relations and proves; contributors who change what they must not,
/// or lie about their secret, are refused.
final class CeremonyPhase2Tests: XCTestCase {
    struct Setup {
        var phase1: Phase1Transcript
        var r1cs: R1CS
        var secrets: [Phase1Secrets]
    }

    func makePhase1(_ rng: inout TestRNG, contributions: Int = 2) -> Setup {
        var t = Phase1Transcript(power: 4)
        var secrets: [Phase1Secrets] = []
        for i in 0..<contributions {
            let s = Phase1Secrets.random(using: &rng)
            secrets.append(s)
            t.contribute(name: "p1-\(i)", secrets: s, using: &rng, threads: 2)
        }
        return Setup(phase1: t, r1cs: CeremonyFixture.circuit().r1cs, secrets: secrets)
    }

    func testHonestPhase2EqualsScalarKeyAndVerifies() throws {
        var rng = TestRNG(seed: 21)
        let setup = makePhase1(&rng)
        var t = try Phase2Transcript(phase1: setup.phase1.parameters, r1cs: setup.r1cs, threads: 2)
        let ds = [rng.fr(), rng.fr(), rng.fr()]
        for (i, d) in ds.enumerated() { t.contribute(name: "p2-\(i)", secret: d, using: &rng, threads: 2) }
        let report = t.verify(phase1: setup.phase1.parameters, r1cs: setup.r1cs, using: &rng)
        XCTAssertTrue(report.isValid, "\(report.failures)")

        let tau = CeremonyFixture.product(setup.secrets.map(\.tau))
        let alpha = CeremonyFixture.product(setup.secrets.map(\.alpha))
        let beta = CeremonyFixture.product(setup.secrets.map(\.beta))
        let delta = CeremonyFixture.product(ds)
        let k = t.key
        XCTAssertEqual(k.domainSize, 8)
        let e = CeremonyFixture.expectedKey(r1cs: setup.r1cs, tau: tau, alpha: alpha, beta: beta, delta: delta, domainSize: 8)
        XCTAssertEqual(k.a, e.a)
        XCTAssertEqual(k.b1, e.b1)
        XCTAssertEqual(k.b2, e.b2)
        XCTAssertEqual(k.c, e.c)
        XCTAssertEqual(k.h, e.h)
        XCTAssertEqual(k.verifyingKey.ic, e.ic)
        XCTAssertEqual(k.alpha1, CeremonyFixture.g1(alpha))
        XCTAssertEqual(k.beta1, CeremonyFixture.g1(beta))
        XCTAssertEqual(k.beta2, CeremonyFixture.g2(beta))
        XCTAssertEqual(k.delta1, CeremonyFixture.g1(delta))
        XCTAssertEqual(k.delta2, CeremonyFixture.g2(delta))
        XCTAssertEqual(k.verifyingKey.delta, CeremonyFixture.g2(delta))
        XCTAssertEqual(k.verifyingKey.gamma, BN254G2.generator)

        let bytes = Phase2File.write(t)
        XCTAssertEqual(try Phase2File.read(bytes, threads: 2), t)
    }

    /// The key's defining relations, checked by pairings on the key alone (no secrets):
    /// b1ᵢ and b2ᵢ share a logarithm; cⱼ·δ = β·aⱼ + α·b1ⱼ + Cⱼ(τ) with Cⱼ(τ)·G1 from the
    /// phase-1 Lagrange points; and a proof made with the key from a satisfying witness verifies
    /// while one from a wrong witness does not.
    func testKeyRelationsByPairingsAndAProof() throws {
        var rng = TestRNG(seed: 22)
        let setup = makePhase1(&rng)
        var t = try Phase2Transcript(phase1: setup.phase1.parameters, r1cs: setup.r1cs, threads: 2)
        t.contribute(name: "d", using: &rng)
        let k = t.key
        for i in 0..<k.wireCount where !k.b1[i].isInfinity {
            XCTAssertTrue(SameRatio.holds(BN254G1.generator, k.b1[i], BN254G2.generator, k.b2[i]), "b wire \(i)")
        }
        let lG1 = GroupNumberTheoreticTransform.lagrange(fromPowers: Array(setup.phase1.parameters.tauG1[0..<8]), threads: 1)
        var cTau = [G1Point](repeating: .infinity, count: k.wireCount)
        for (row, con) in setup.r1cs.constraints.enumerated() {
            for term in con.c.terms { cTau[term.wire] = cTau[term.wire] + lG1[row].jacobian * term.coefficient }
        }
        let nPublic = k.publicCount
        for j in 0..<k.c.count {
            let wire = nPublic + 1 + j
            // e(cⱼ, δ) = e(aⱼ, β)·e(α, b2ⱼ)·e(Cⱼ(τ), G2)
            XCTAssertTrue(Pairing.pairingCheck([
                (k.c[j], k.delta2), (k.a[wire].negated, k.beta2), (k.alpha1.negated, k.b2[wire]),
                (cTau[wire].affine.negated, BN254G2.generator),
            ]), "c wire \(wire)")
        }
        let cs = CeremonyFixture.circuit()
        let publics = Array(cs.witness.values[1...nPublic])
        let proof = TestProver.prove(k, witness: cs.witness.values, using: &rng)
        XCTAssertTrue(Groth16.verify(k.verifyingKey, proof, publicInputs: publics))
        XCTAssertFalse(Groth16.verify(k.verifyingKey, proof, publicInputs: [publics[0] + .one, publics[1]]))
        var wrong = cs.witness.values
        wrong[3] += .one
        XCTAssertFalse(Groth16.verify(k.verifyingKey, TestProver.prove(k, witness: wrong, using: &rng), publicInputs: publics))
    }

    /// A contributor who publishes a key with δ updated honestly but another field changed, with a
    /// record consistent with that key.
    func testContributionChangingOtherFieldsIsRefused() throws {
        var rng = TestRNG(seed: 23)
        let setup = makePhase1(&rng)
        var t = try Phase2Transcript(phase1: setup.phase1.parameters, r1cs: setup.r1cs, threads: 2)
        t.contribute(name: "honest", using: &rng)
        var honest = t
        honest.contribute(name: "next", using: &rng)
        let k = honest.key, vk = k.verifyingKey
        let bump = { (p: G1Affine) in (p.jacobian + G1Point.generator).affine }
        func edited(a: [G1Affine]? = nil, ic: [G1Affine]? = nil, c: [G1Affine]? = nil, h: [G1Affine]? = nil,
                    alpha1: G1Affine? = nil) -> Groth16.ProvingKey {
            let v = Groth16.VerifyingKey(alpha: vk.alpha, beta: vk.beta, gamma: vk.gamma, delta: vk.delta, ic: ic ?? vk.ic)!
            return Groth16.ProvingKey(verifyingKey: v, alpha1: alpha1 ?? k.alpha1, beta1: k.beta1, beta2: k.beta2,
                                      delta1: k.delta1, delta2: k.delta2, domainSize: k.domainSize, wireCount: k.wireCount,
                                      a: a ?? k.a, b1: k.b1, b2: k.b2, c: c ?? k.c, h: h ?? k.h,
                                      matricesA: k.matricesA, matricesB: k.matricesB)!
        }
        var a = k.a; a[1] = bump(a[1])
        var ic = vk.ic; ic[0] = bump(ic[0])
        var c = k.c; c[0] = (c[0].jacobian * Fr(2)).affine
        var h = k.h; h[3] = bump(h[3])
        let cases: [(Groth16.ProvingKey, CeremonyFailure)] = [
            (edited(a: a), .keyFieldChanged("a")),
            (edited(ic: ic), .keyFieldChanged("ic")),
            (edited(alpha1: bump(k.alpha1)), .keyFieldChanged("alpha1")),
            (edited(c: c), .inconsistentPowers("c (not the initial c divided by delta)")),
            (edited(h: h), .inconsistentPowers("h (not the initial h divided by delta)")),
        ]
        for (key, failure) in cases {
            var liar = honest
            liar.key = key
            let r = liar.contributions.removeLast()
            liar.contributions.append(Phase2Contribution(name: r.name, deltaG1: r.deltaG1, deltaG2: r.deltaG2,
                                                         proof: r.proof, keyHash: Phase2File.keyHash(key)))
            let report = liar.verify(phase1: setup.phase1.parameters, r1cs: setup.r1cs, using: &rng)
            XCTAssertTrue(report.contributions.allSatisfy { $0.failure == nil })
            XCTAssertEqual(report.finalFailures, [failure])
            // Without re-recording the digest, the edit also shows as a digest mismatch.
            var unrecorded = honest
            unrecorded.key = key
            XCTAssertEqual(unrecorded.verify(phase1: setup.phase1.parameters, r1cs: setup.r1cs, using: &rng).finalFailures,
                           [.hashMismatch("the final key"), failure])
        }
    }

    /// δ multiplied by one secret, the proof for another; δ·G2 not matching δ·G1; a transcript
    /// checked against another circuit or other phase-1 parameters; the final key not the last
    /// contribution's.
    func testLyingContributorAndMismatchesAreRefused() throws {
        var rng = TestRNG(seed: 24)
        let setup = makePhase1(&rng)
        var t = try Phase2Transcript(phase1: setup.phase1.parameters, r1cs: setup.r1cs, threads: 2)
        t.contribute(name: "first", using: &rng)
        let d = rng.fr()
        var liar = t
        liar.contribute(name: "liar", secret: d, using: &rng)
        let r = liar.contributions.removeLast()
        let digest = liar.digests.last!
        let otherProof = KnowledgeProof(secret: d + .one, challenge: Phase2Contribution.challenge(digest), using: &rng)
        liar.contributions.append(Phase2Contribution(name: r.name, deltaG1: r.deltaG1, deltaG2: r.deltaG2,
                                                     proof: otherProof, keyHash: r.keyHash))
        let p1 = setup.phase1.parameters
        XCTAssertEqual(liar.verify(phase1: p1, r1cs: setup.r1cs, using: &rng).contributions[1].failure,
                       .updateNotProven(secret: "delta"))

        var mismatched = t
        let r0 = mismatched.contributions[0]
        mismatched.contributions[0] = Phase2Contribution(name: r0.name, deltaG1: r0.deltaG1,
                                                         deltaG2: (r0.deltaG2.jacobian * Fr(2)).affine,
                                                         proof: r0.proof, keyHash: r0.keyHash)
        let report = mismatched.verify(phase1: p1, r1cs: setup.r1cs, using: &rng)
        XCTAssertEqual(report.contributions[0].failure, .inconsistentPoints("deltaG2 against deltaG1"))

        let other = CeremonyFixture.circuit(x: Fr(4), y: Fr(6)).r1cs  // same shape and coefficients
        XCTAssertTrue(t.verify(phase1: p1, r1cs: other, using: &rng).isValid, "the witness is not part of the circuit")
        var bigger = ConstraintSystem()
        let z = bigger.allocatePublicInput(Fr(4)), x = bigger.allocatePrivateInput(Fr(2))
        bigger.enforce(x.lc, x.lc, z.lc)
        let failures = t.verify(phase1: p1, r1cs: bigger.r1cs, using: &rng).finalFailures
        XCTAssertEqual(failures.first, .wrongCircuit)

        var otherPhase1 = setup.phase1
        otherPhase1.contribute(name: "extra", using: &rng)
        XCTAssertEqual(t.verify(phase1: otherPhase1.parameters, r1cs: setup.r1cs, using: &rng).finalFailures.first, .wrongPhase1)

        var stale = t
        stale.contribute(name: "second", using: &rng)
        stale.key = t.key  // the coordinator publishes the key from before the last contribution
        XCTAssertEqual(stale.verify(phase1: p1, r1cs: setup.r1cs, using: &rng).finalFailures,
                       [.finalStateMismatch("delta1"), .finalStateMismatch("delta2"),
                        .finalStateMismatch("verifying key delta"), .hashMismatch("the final key")])
        XCTAssertThrowsError(try Phase2Setup.initialKey(phase1: PowersOfTau(power: 2), r1cs: setup.r1cs)) { error in
            XCTAssertEqual(error as? CeremonyFailure, .circuitTooLarge(domain: 8, supported: 4))
        }
    }
}
