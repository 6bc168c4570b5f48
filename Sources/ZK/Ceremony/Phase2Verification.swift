extension Phase2Transcript {
    /// Verifies the transcript against the phase-1 parameters and the circuit (the verifier brings
    /// both; the phase-1 transcript is verified on its own).
    ///
    /// The initial key is recomputed (`Phase2Setup.initialKey`). Per contribution: its knowledge
    /// proof verifies against the digest before it; δ·G1 changed by exactly the proven secret (from
    /// the previous record's δ·G1, or G1); δ·G2 matches δ·G1. Final: the key's δ·G1, δ·G2 and the
    /// verifying key's δ equal the last record's, its digest equals the recorded one, every field
    /// other than δ, c and h equals the recomputed key, and c and h are the recomputed ones divided
    /// by δ (one random linear combination each: e(Σρᵢ·cᵢ, δ·G2) = e(Σρᵢ·c⁰ᵢ, G2)).
    public func verify<G: RandomNumberGenerator>(
        phase1: PowersOfTau, r1cs: R1CS, using generator: inout G, threads: Int? = nil
    ) -> CeremonyReport {
        let threads = threads ?? MultiScalarMultiplication.defaultThreadCount
        let entries = contributionEntries()
        var failures: [CeremonyFailure] = []
        if circuitHash != Phase2Setup.circuitHash(r1cs) { failures.append(.wrongCircuit) }
        if phase1Hash != phase1.hash { failures.append(.wrongPhase1) }
        do {
            let initial = try Phase2Setup.initialKey(phase1: phase1, r1cs: r1cs, threads: threads)
            failures += checkFinal(against: initial, generator: &generator, threads: threads)
        } catch {
            failures.append(error)
        }
        return CeremonyReport(contributions: entries, finalFailures: failures)
    }

    /// The checks of each contribution against its predecessor alone (knowledge proof, δ update,
    /// δ·G2 against δ·G1, beacons), without the key's recomputation from phase 1 and the circuit:
    /// what can be checked without them.
    public func contributionEntries() -> [CeremonyReport.Entry] {
        CeremonyReport.entries(contributions, digests: digests, name: \.name, beacon: \.beacon) { i, record, digest in
            Self.check(record, after: i == 0 ? BN254G1.generator : contributions[i - 1].deltaG1, digest: digest)
        }
    }

    static func check(_ record: Phase2Contribution, after old: G1Affine, digest: [UInt8]) -> CeremonyFailure? {
        if record.deltaG1 == old { return .secretIsOne(secret: "delta") }
        let challenge = Phase2Contribution.challenge(digest)
        guard record.proof.verify(challenge: challenge) else { return .invalidKnowledgeProof(secret: "delta") }
        guard record.proof.provesUpdate(from: old, to: record.deltaG1, challenge: challenge) else {
            return .updateNotProven(secret: "delta")
        }
        guard SameRatio.holds(BN254G1.generator, record.deltaG1, BN254G2.generator, record.deltaG2) else {
            return .inconsistentPoints("deltaG2 against deltaG1")
        }
        if let beacon = record.beacon {
            var generator = beacon.generator()
            let d = Phase2Contribution.beaconSecret(&generator)
            guard (old.jacobian * d).affine == record.deltaG1 else { return .beaconMismatch }
        }
        return nil
    }

    func checkFinal<G: RandomNumberGenerator>(
        against initial: Groth16.ProvingKey, generator: inout G, threads: Int
    ) -> [CeremonyFailure] {
        var failures: [CeremonyFailure] = []
        let k = key, vk = key.verifyingKey, v0 = initial.verifyingKey
        if contributions.isEmpty { failures.append(.noContributions) }
        // A beacon's secrets are derived from public data: at least one contributor must have
        // drawn secrets nobody else knows.
        if !contributions.isEmpty, contributions.allSatisfy({ $0.beacon != nil }) {
            failures.append(.onlyBeaconContributions)
        }
        let deltaG1 = contributions.last?.deltaG1 ?? BN254G1.generator
        let deltaG2 = contributions.last?.deltaG2 ?? BN254G2.generator
        if k.delta1 != deltaG1 { failures.append(.finalStateMismatch("delta1")) }
        if k.delta2 != deltaG2 { failures.append(.finalStateMismatch("delta2")) }
        if vk.delta != deltaG2 { failures.append(.finalStateMismatch("verifying key delta")) }
        if let last = contributions.last, Phase2File.keyHash(k) != last.keyHash {
            failures.append(.hashMismatch("the final key"))
        }
        let unchanged: [(String, Bool)] = [
            ("domainSize", k.domainSize == initial.domainSize), ("wireCount", k.wireCount == initial.wireCount),
            ("alpha1", k.alpha1 == initial.alpha1), ("beta1", k.beta1 == initial.beta1),
            ("beta2", k.beta2 == initial.beta2), ("vk.alpha", vk.alpha == v0.alpha), ("vk.beta", vk.beta == v0.beta),
            ("vk.gamma", vk.gamma == v0.gamma), ("ic", vk.ic == v0.ic), ("a", k.a == initial.a),
            ("b1", k.b1 == initial.b1), ("b2", k.b2 == initial.b2),
            ("matricesA", k.matricesA == initial.matricesA), ("matricesB", k.matricesB == initial.matricesB),
        ]
        failures += unchanged.filter { !$0.1 }.map { .keyFieldChanged($0.0) }
        if !RandomCombination.dividedByDelta(old: initial.c, new: k.c, deltaG2: k.delta2, using: &generator, threads: threads) {
            failures.append(.inconsistentPowers("c (not the initial c divided by delta)"))
        }
        if !RandomCombination.dividedByDelta(old: initial.h, new: k.h, deltaG2: k.delta2, using: &generator, threads: threads) {
            failures.append(.inconsistentPowers("h (not the initial h divided by delta)"))
        }
        return failures
    }
}
