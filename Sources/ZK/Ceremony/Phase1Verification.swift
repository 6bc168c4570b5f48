extension Phase1Transcript {
    /// Verifies every contribution against its predecessor and the final parameters against the
    /// last contribution, with random weights from `generator` for the vector checks.
    ///
    /// Per contribution i (predecessor: contribution i − 1's recorded points, or the generators):
    /// the three knowledge proofs verify against their challenges (derived from the digest before
    /// i); τ·G1, α·G1 and β·G1 changed by exactly the proven secrets (same ratio with the proofs'
    /// (R, x·R)); τ·G2 matches τ·G1 and β·G2 matches β·G1.
    /// Final: the parameters start at the generators, their key points equal the last record's,
    /// their digest equals its recorded digest, and every vector is a sequence of consecutive
    /// powers of that τ (two pairings per vector), so α·τⁱ and β·τⁱ follow from α·G1, β·G1.
    public func verify<G: RandomNumberGenerator>(using generator: inout G, threads: Int? = nil) -> CeremonyReport {
        let threads = threads ?? MultiScalarMultiplication.defaultThreadCount
        let entries = CeremonyReport.entries(
            contributions, digests: digests, name: \.name, beacon: \.beacon
        ) { i, record, digest in
            Self.check(record, after: i == 0 ? .generators : contributions[i - 1].points, digest: digest)
        }
        return CeremonyReport(contributions: entries, finalFailures: checkFinal(generator: &generator, threads: threads))
    }

    /// The checks of one contribution against the points before it.
    static func check(_ record: Phase1Contribution, after old: Phase1Points, digest: [UInt8]) -> CeremonyFailure? {
        let new = record.points
        for (label, before, after) in [("tau", old.tauG1, new.tauG1), ("alpha", old.alphaG1, new.alphaG1),
                                       ("beta", old.betaG1, new.betaG1)] where before == after {
            return .secretIsOne(secret: label)
        }
        let proofs: [(String, KnowledgeProof, G1Affine, G1Affine)] = [
            ("tau", record.tauProof, old.tauG1, new.tauG1),
            ("alpha", record.alphaProof, old.alphaG1, new.alphaG1),
            ("beta", record.betaProof, old.betaG1, new.betaG1),
        ]
        for (label, proof, before, after) in proofs {
            let challenge = Phase1Contribution.challenge(digest, label)
            guard proof.verify(challenge: challenge) else { return .invalidKnowledgeProof(secret: label) }
            guard proof.provesUpdate(from: before, to: after, challenge: challenge) else {
                return .updateNotProven(secret: label)
            }
        }
        guard SameRatio.holds(BN254G1.generator, new.tauG1, BN254G2.generator, new.tauG2) else {
            return .inconsistentPoints("tauG2 against tauG1")
        }
        guard SameRatio.holds(BN254G1.generator, new.betaG1, BN254G2.generator, new.betaG2) else {
            return .inconsistentPoints("betaG2 against betaG1")
        }
        if let beacon = record.beacon {
            var generator = beacon.generator()
            let s = Phase1Secrets.random(using: &generator)
            let expected = Phase1Points(
                tauG1: (old.tauG1.jacobian * s.tau).affine, tauG2: (old.tauG2.jacobian * s.tau).affine,
                alphaG1: (old.alphaG1.jacobian * s.alpha).affine, betaG1: (old.betaG1.jacobian * s.beta).affine,
                betaG2: (old.betaG2.jacobian * s.beta).affine)
            guard expected == new else { return .beaconMismatch }
        }
        return nil
    }

    /// The checks of the final parameters.
    func checkFinal<G: RandomNumberGenerator>(generator: inout G, threads: Int) -> [CeremonyFailure] {
        var failures: [CeremonyFailure] = []
        let p = parameters
        if contributions.isEmpty { failures.append(.noContributions) }
        // A beacon's secrets are derived from public data: at least one contributor must have
        // drawn secrets nobody else knows.
        if !contributions.isEmpty, contributions.allSatisfy({ $0.beacon != nil }) {
            failures.append(.onlyBeaconContributions)
        }
        if p.tauG1[0] != BN254G1.generator { failures.append(.notAtGenerator("tauG1[0]")) }
        if p.tauG2[0] != BN254G2.generator { failures.append(.notAtGenerator("tauG2[0]")) }
        let expected = contributions.last?.points ?? .generators
        if p.keyPoints != expected { failures.append(.finalStateMismatch("key points (tau, alpha, beta)")) }
        if let last = contributions.last, p.hash != last.parametersHash {
            failures.append(.hashMismatch("the final parameters"))
        }
        // With no contribution the vectors are all generators: τ = 1 and the checks below hold.
        let tauG2 = p.tauG2[1], tauG1 = p.tauG1[1]
        if !RandomCombination.consecutivePowers(p.tauG1, tauG2: tauG2, using: &generator, threads: threads) {
            failures.append(.inconsistentPowers("tauG1"))
        }
        if !RandomCombination.consecutivePowers(p.tauG2, tauG1: tauG1, using: &generator, threads: threads) {
            failures.append(.inconsistentPowers("tauG2"))
        }
        if !RandomCombination.consecutivePowers(p.alphaTauG1, tauG2: tauG2, using: &generator, threads: threads) {
            failures.append(.inconsistentPowers("alphaTauG1"))
        }
        if !RandomCombination.consecutivePowers(p.betaTauG1, tauG2: tauG2, using: &generator, threads: threads) {
            failures.append(.inconsistentPowers("betaTauG1"))
        }
        return failures
    }
}
