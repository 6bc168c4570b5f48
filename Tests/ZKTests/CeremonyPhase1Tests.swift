import XCTest
@testable import ZK

/// Phase 1: honest contributions verify and give exactly the powers of the product of the secrets;
/// a contributor who lies, a coordinator who swaps parameters and a tampered transcript are refused
/// with a specific reason.
final class CeremonyPhase1Tests: XCTestCase {
    static let power = 3

    func secrets(_ rng: inout TestRNG, _ count: Int) -> [Phase1Secrets] {
        (0..<count).map { _ in Phase1Secrets.random(using: &rng) }
    }

    func testHonestContributionsVerifyAndEqualScalarPowers() throws {
        var rng = TestRNG(seed: 1)
        var t = Phase1Transcript(power: Self.power)
        let all = secrets(&rng, 3)
        for (i, s) in all.enumerated() { t.contribute(name: "party \(i)", secrets: s, using: &rng, threads: 2) }
        let report = t.verify(using: &rng)
        XCTAssertTrue(report.isValid, "\(report.failures)")
        XCTAssertEqual(report.contributions.map(\.name), ["party 0", "party 1", "party 2"])

        let tau = CeremonyFixture.product(all.map(\.tau))
        let alpha = CeremonyFixture.product(all.map(\.alpha)), beta = CeremonyFixture.product(all.map(\.beta))
        let p = t.parameters, n = p.size
        func pw(_ i: Int) -> Fr { tau.pow(UInt256(UInt64(i))) }
        XCTAssertEqual(p.tauG1, (0..<(2 * n)).map { CeremonyFixture.g1(pw($0)) })
        XCTAssertEqual(p.tauG2, (0..<n).map { CeremonyFixture.g2(pw($0)) })
        XCTAssertEqual(p.alphaTauG1, (0..<n).map { CeremonyFixture.g1(alpha * pw($0)) })
        XCTAssertEqual(p.betaTauG1, (0..<n).map { CeremonyFixture.g1(beta * pw($0)) })
        XCTAssertEqual(p.betaG2, CeremonyFixture.g2(beta))

        // The file round-trips, and the digests (contribution hashes) are those of the records.
        let bytes = Phase1File.write(t)
        XCTAssertEqual(bytes.count, 8 + 384 * n + 132 + 4 + t.contributions.map { Phase1File.recordFixedBytes + $0.name.utf8.count }.reduce(0, +))
        XCTAssertEqual(try Phase1File.read(bytes, threads: 2), t)
        XCTAssertEqual(report.contributions.map(\.hash), Array(t.digests.dropFirst()))
    }

    func testRandomSecretsAndNoContributions() {
        var rng = TestRNG(seed: 2)
        var t = Phase1Transcript(power: 2)
        XCTAssertEqual(t.verify(using: &rng).failures, [.noContributions], "δ = τ = 1 is refused as insecure")
        t.contribute(name: "a", using: &rng)
        XCTAssertTrue(t.verify(using: &rng).isValid)
        XCTAssertNotEqual(t.parameters.tauG1[1], BN254G1.generator)
    }

    /// A contributor multiplies in one secret but proves knowledge of another.
    func testProofForAnotherSecretIsRefused() {
        var rng = TestRNG(seed: 3)
        var t = Phase1Transcript(power: Self.power)
        t.contribute(name: "honest", using: &rng)
        let s = Phase1Secrets.random(using: &rng)
        let digest = t.digests.last!
        let next = t.parameters.multiplied(by: s, threads: 1)
        for (label, broken) in [("tau", 0), ("alpha", 1), ("beta", 2)] {
            var proofs = [s.tau, s.alpha, s.beta].enumerated().map { i, x in
                KnowledgeProof(secret: i == broken ? x + .one : x,
                               challenge: Phase1Contribution.challenge(digest, ["tau", "alpha", "beta"][i]), using: &rng)
            }
            var liar = t
            liar.parameters = next
            liar.contributions.append(Phase1Contribution(
                name: "liar", points: next.keyPoints, tauProof: proofs[0], alphaProof: proofs[1],
                betaProof: proofs[2], parametersHash: next.hash))
            let report = liar.verify(using: &rng)
            XCTAssertNil(report.contributions[0].failure)
            XCTAssertEqual(report.contributions[1].failure, .updateNotProven(secret: label))
            XCTAssertFalse(report.isValid)
            // A proof answering another challenge (replayed from elsewhere) is refused as a proof.
            proofs[broken] = KnowledgeProof(secret: [s.tau, s.alpha, s.beta][broken], challenge: [9], using: &rng)
            liar.contributions[1] = Phase1Contribution(
                name: "liar", points: next.keyPoints, tauProof: proofs[0], alphaProof: proofs[1],
                betaProof: proofs[2], parametersHash: next.hash)
            XCTAssertEqual(liar.verify(using: &rng).contributions[1].failure, .invalidKnowledgeProof(secret: label))
        }
    }

    /// A contributor whose vectors are not consecutive powers (a skipped power, a wrong α·τⁱ), with
    /// a record consistent with what they published.
    func testInconsistentPowersAreRefused() {
        var rng = TestRNG(seed: 4)
        var t = Phase1Transcript(power: Self.power)
        t.contribute(name: "first", using: &rng)
        let s = Phase1Secrets.random(using: &rng)
        let p = t.parameters.multiplied(by: s, threads: 1)
        let cases: [(String, PowersOfTau)] = [
            ("tauG1", PowersOfTau(power: p.power, tauG1: Array(p.tauG1[..<5]) + Array(p.tauG1[6...]) + [p.tauG1[0]], tauG2: p.tauG2,
                                  alphaTauG1: p.alphaTauG1, betaTauG1: p.betaTauG1, betaG2: p.betaG2)!),
            ("tauG2", PowersOfTau(power: p.power, tauG1: p.tauG1, tauG2: Array(p.tauG2[..<3]) + [p.tauG2[4]] + Array(p.tauG2[4...]),
                                  alphaTauG1: p.alphaTauG1, betaTauG1: p.betaTauG1, betaG2: p.betaG2)!),
            ("alphaTauG1", PowersOfTau(power: p.power, tauG1: p.tauG1, tauG2: p.tauG2,
                                       alphaTauG1: Array(p.alphaTauG1.dropLast()) + [p.tauG1[p.size - 1]],
                                       betaTauG1: p.betaTauG1, betaG2: p.betaG2)!),
            ("betaTauG1", PowersOfTau(power: p.power, tauG1: p.tauG1, tauG2: p.tauG2, alphaTauG1: p.alphaTauG1,
                                      betaTauG1: Array(p.betaTauG1.dropLast()) + [p.alphaTauG1[p.size - 1]], betaG2: p.betaG2)!),
        ]
        for (vector, bad) in cases {
            var liar = t
            liar.parameters = bad
            let digest = t.digests.last!
            liar.contributions.append(Phase1Contribution(
                name: "skipper", points: bad.keyPoints,
                tauProof: KnowledgeProof(secret: s.tau, challenge: Phase1Contribution.challenge(digest, "tau"), using: &rng),
                alphaProof: KnowledgeProof(secret: s.alpha, challenge: Phase1Contribution.challenge(digest, "alpha"), using: &rng),
                betaProof: KnowledgeProof(secret: s.beta, challenge: Phase1Contribution.challenge(digest, "beta"), using: &rng),
                parametersHash: bad.hash))
            let report = liar.verify(using: &rng)
            XCTAssertTrue(report.contributions.allSatisfy { $0.failure == nil }, vector)
            XCTAssertEqual(report.finalFailures, [.inconsistentPowers(vector)])
            // An honest contributor after them cannot repair it: the powers stay inconsistent.
            liar.contribute(name: "later", using: &rng)
            XCTAssertEqual(liar.verify(using: &rng).finalFailures, [.inconsistentPowers(vector)])
        }
    }

    /// The coordinator replaces the parameters (by ones whose τ they know) between two
    /// contributions, or after the last one.
    func testCoordinatorSwappingParametersIsCaught() {
        var rng = TestRNG(seed: 5)
        var t = Phase1Transcript(power: Self.power)
        t.contribute(name: "alice", using: &rng)
        var own = Phase1Transcript(power: Self.power)
        own.contribute(name: "coordinator", secrets: Phase1Secrets(tau: Fr(7), alpha: Fr(8), beta: Fr(9)), using: &rng)

        var swapped = t
        swapped.parameters = own.parameters
        swapped.contribute(name: "bob", using: &rng)
        let report = swapped.verify(using: &rng)
        XCTAssertNil(report.contributions[0].failure)
        XCTAssertEqual(report.contributions[1].failure, .updateNotProven(secret: "tau"))

        var swappedAtEnd = t
        swappedAtEnd.parameters = own.parameters
        XCTAssertEqual(swappedAtEnd.verify(using: &rng).finalFailures,
                       [.finalStateMismatch("key points (tau, alpha, beta)"), .hashMismatch("the final parameters")])
        // Dropping a contribution from the list leaves the parameters without their record.
        var dropped = t
        dropped.contribute(name: "bob", using: &rng)
        dropped.contributions.removeFirst()
        XCTAssertEqual(dropped.verify(using: &rng).contributions[0].failure, .invalidKnowledgeProof(secret: "tau"))
    }

    /// Changing a recorded field of an earlier contribution (here its name) changes the digest
    /// every later proof answers.
    func testEditedRecordBreaksTheChain() {
        var rng = TestRNG(seed: 6)
        var t = Phase1Transcript(power: 2)
        t.contribute(name: "alice", using: &rng)
        t.contribute(name: "bob", using: &rng)
        let r = t.contributions[0]
        t.contributions[0] = Phase1Contribution(name: "mallory", points: r.points, tauProof: r.tauProof,
                                                alphaProof: r.alphaProof, betaProof: r.betaProof, parametersHash: r.parametersHash)
        XCTAssertEqual(t.verify(using: &rng).contributions[1].failure, .invalidKnowledgeProof(secret: "tau"))
    }
}
