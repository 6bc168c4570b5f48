import XCTest
@testable import ZK

/// The aggregation SRS made from two powers-of-tau ceremonies: a is the first one's τ, b the
/// second's. The adversary is whoever supplies the transcripts: the same ceremony twice (a = b),
/// an untouched one (τ = 1, known to all) or two of different sizes must not give an SRS.
final class AggregationSRSCeremonyTests: XCTestCase {
    private func ceremony(power: Int, seed: UInt64) -> Phase1Transcript {
        var rng = TestRNG(seed: seed)
        var t = Phase1Transcript(power: power)
        t.contribute(name: "contributor \(seed)", using: &rng)
        return t
    }

    func testTwoIndependentCeremoniesGiveAWellFormedSRS() throws {
        let a = ceremony(power: 3, seed: 1), b = ceremony(power: 3, seed: 2)
        let srs = try AggregationSRS(ceremonyA: a, ceremonyB: b)
        XCTAssertEqual(srs.maxProofCount, 8)
        XCTAssertEqual(srs.gAlpha, a.parameters.tauG1)
        XCTAssertEqual(srs.hBeta, b.parameters.tauG2)
        XCTAssertTrue(srs.isWellFormed)
        XCTAssertNotNil(srs.specialize(proofCount: 4))
        XCTAssertTrue(try XCTUnwrap(srs.specialize(proofCount: 4)).verifier.isConsistent)
        // Mismatched secrets between the groups (b's G1 with a's G2): the verifier key says so.
        let mixed = try XCTUnwrap(AggregationSRS(gAlpha: srs.gAlpha, hAlpha: srs.hAlpha, gBeta: srs.gBeta, hBeta: srs.hAlpha))
        XCTAssertFalse(try XCTUnwrap(mixed.specialize(proofCount: 4)).verifier.isConsistent)
    }

    func testSameUntouchedOrMismatchedCeremoniesAreRefused() {
        let a = ceremony(power: 3, seed: 1)
        XCTAssertThrowsError(try AggregationSRS(ceremonyA: a, ceremonyB: a)) {
            XCTAssertEqual($0 as? AggregationSRS.CeremonySourceError, .sameSecret)
        }
        XCTAssertThrowsError(try AggregationSRS(ceremonyA: a, ceremonyB: Phase1Transcript(power: 3))) {
            XCTAssertEqual($0 as? AggregationSRS.CeremonySourceError, .noSecretContribution)
        }
        XCTAssertThrowsError(try AggregationSRS(ceremonyA: a, ceremonyB: ceremony(power: 2, seed: 2))) {
            XCTAssertEqual($0 as? AggregationSRS.CeremonySourceError, .differentPowers(3, 2))
        }
    }

    /// The adversary who supplies ceremony B as a copy of A's records plus a contribution of its
    /// own (here a public beacon, so everyone knows x): B verifies, τ_b = x·τ_a, and the SRS's
    /// commitments would not bind. Refused because the transcripts share records.
    func testACeremonyContinuingACopyOfTheOtherIsRefused() throws {
        let a = ceremony(power: 3, seed: 1)
        var copy = a
        copy.contribute(name: "x", beacon: CeremonyBeacon(value: Array("known".utf8), iterationsExponent: 1)!)
        var rng = TestRNG(seed: 9)
        XCTAssertTrue(copy.verify(using: &rng).isValid, "the copy is a valid transcript by itself")
        XCTAssertThrowsError(try AggregationSRS(ceremonyA: a, ceremonyB: copy)) {
            XCTAssertEqual($0 as? AggregationSRS.CeremonySourceError, .sharedContribution)
        }
        var secret = a
        secret.contribute(name: "y", using: &rng)
        XCTAssertThrowsError(try AggregationSRS(ceremonyA: secret, ceremonyB: a)) {
            XCTAssertEqual($0 as? AggregationSRS.CeremonySourceError, .sharedContribution)
        }
    }
}
