import XCTest
@testable import ZK

/// The aggregation SRS made from two powers-of-tau ceremonies: a is the first one's τ, b the
/// second's. The adversary is whoever supplies the transcripts: the same ceremony twice (a = b),
/// an untouched one (τ = 1, known to all) or two of different sizes must not give an SRS.
final class AggregationSRSCeremonyTests: XCTestCase {
    private func ceremony(power: Int, seed: UInt64) -> PowersOfTau {
        var rng = TestRNG(seed: seed)
        var t = Phase1Transcript(power: power)
        t.contribute(name: "contributor \(seed)", using: &rng)
        return t.parameters
    }

    func testTwoIndependentCeremoniesGiveAWellFormedSRS() throws {
        let a = ceremony(power: 3, seed: 1), b = ceremony(power: 3, seed: 2)
        let srs = try AggregationSRS(ceremonyA: a, ceremonyB: b)
        XCTAssertEqual(srs.maxProofCount, 8)
        XCTAssertEqual(srs.gAlpha, a.tauG1)
        XCTAssertEqual(srs.hBeta, b.tauG2)
        XCTAssertTrue(srs.isWellFormed)
        XCTAssertNotNil(srs.specialize(proofCount: 4))
    }

    func testSameUntouchedOrMismatchedCeremoniesAreRefused() {
        let a = ceremony(power: 3, seed: 1)
        XCTAssertThrowsError(try AggregationSRS(ceremonyA: a, ceremonyB: a)) {
            XCTAssertEqual($0 as? AggregationSRS.CeremonySourceError, .sameSecret)
        }
        XCTAssertThrowsError(try AggregationSRS(ceremonyA: a, ceremonyB: PowersOfTau(power: 3))) {
            XCTAssertEqual($0 as? AggregationSRS.CeremonySourceError, .noContribution)
        }
        XCTAssertThrowsError(try AggregationSRS(ceremonyA: a, ceremonyB: ceremony(power: 2, seed: 2))) {
            XCTAssertEqual($0 as? AggregationSRS.CeremonySourceError, .differentPowers(3, 2))
        }
    }
}
