import XCTest
@testable import ZK

/// A beacon contribution is recomputed exactly by the verifier; a contribution that claims a
/// beacon but multiplied in other secrets is refused.
final class CeremonyBeaconTests: XCTestCase {
    func testBeaconContributionsAreCheckedExactly() throws {
        var rng = TestRNG(seed: 41)
        let beacon = CeremonyBeacon(value: Array("block 0xabc".utf8), iterationsExponent: 4)!
        XCTAssertNil(CeremonyBeacon(value: [1], iterationsExponent: 29))
        XCTAssertNil(CeremonyBeacon(value: [], iterationsExponent: 1))

        var p1 = Phase1Transcript(power: 3)
        p1.contribute(name: "alice", using: &rng)
        let before = p1
        p1.contribute(name: "beacon", beacon: beacon)
        XCTAssertTrue(p1.verify(using: &rng).isValid)
        var again = before
        again.contribute(name: "beacon", beacon: beacon)
        XCTAssertEqual(again, p1, "anyone recomputes the same contribution")
        XCTAssertEqual(try Phase1File.read(Phase1File.write(p1), threads: 1), p1)

        // Claims the beacon, but used its own secrets (with valid proofs of them).
        var liar = before
        liar.contribute(name: "beacon", secrets: Phase1Secrets.random(using: &rng), using: &rng, beacon: beacon)
        let report = liar.verify(using: &rng)
        XCTAssertEqual(report.contributions[1].failure, .beaconMismatch)

        var p2 = try Phase2Transcript(phase1: p1.parameters, r1cs: CeremonyFixture.circuit().r1cs, threads: 1)
        p2.contribute(name: "carol", using: &rng)
        let before2 = p2
        p2.contribute(name: "beacon", beacon: beacon)
        let r1cs = CeremonyFixture.circuit().r1cs
        XCTAssertTrue(p2.verify(phase1: p1.parameters, r1cs: r1cs, using: &rng).isValid)
        XCTAssertEqual(try Phase2File.read(Phase2File.write(p2), threads: 1), p2)
        var liar2 = before2
        liar2.contribute(name: "beacon", secret: rng.fr(), using: &rng, beacon: beacon)
        XCTAssertEqual(liar2.verify(phase1: p1.parameters, r1cs: r1cs, using: &rng).contributions[1].failure,
                       .beaconMismatch)
    }

    /// The adversary: a coordinator who publishes a transcript made of beacon contributions only.
    /// Every check of each record passes, but anyone can recompute the secrets (and forge proofs
    /// under the key): refused as a whole.
    func testOnlyBeaconContributionsAreRefused() throws {
        var rng = TestRNG(seed: 43)
        let beacon = CeremonyBeacon(value: Array("public".utf8), iterationsExponent: 1)!
        var p1 = Phase1Transcript(power: 3)
        p1.contribute(name: "beacon", beacon: beacon)
        let report = p1.verify(using: &rng)
        XCTAssertTrue(report.contributions.allSatisfy { $0.failure == nil })
        XCTAssertEqual(report.finalFailures, [.onlyBeaconContributions])

        var honest = Phase1Transcript(power: 3)
        honest.contribute(name: "alice", using: &rng)
        let r1cs = CeremonyFixture.circuit().r1cs
        var p2 = try Phase2Transcript(phase1: honest.parameters, r1cs: r1cs, threads: 1)
        p2.contribute(name: "beacon", beacon: beacon)
        XCTAssertEqual(p2.verify(phase1: honest.parameters, r1cs: r1cs, using: &rng).finalFailures,
                       [.onlyBeaconContributions])
        // With a private contribution before the beacon, the transcript is valid.
        var withCarol = try Phase2Transcript(phase1: honest.parameters, r1cs: r1cs, threads: 1)
        withCarol.contribute(name: "carol", using: &rng)
        withCarol.contribute(name: "beacon", beacon: beacon)
        XCTAssertTrue(withCarol.verify(phase1: honest.parameters, r1cs: r1cs, using: &rng).isValid)
    }

    /// The adversary: a coordinator who makes verifiers spend hash rounds by putting beacons
    /// anywhere but at the end (each costs up to 2^28 rounds): a beacon must be last, and is
    /// refused elsewhere before its rounds are computed. Reports mark beacons.
    func testBeaconMustBeLast() throws {
        var rng = TestRNG(seed: 44)
        let beacon = CeremonyBeacon(value: Array("early".utf8), iterationsExponent: 2)!
        var p1 = Phase1Transcript(power: 3)
        p1.contribute(name: "alice", using: &rng)
        p1.contribute(name: "beacon", beacon: beacon)
        XCTAssertEqual(p1.verify(using: &rng).contributions.map(\.isBeacon), [false, true])
        p1.contribute(name: "bob", using: &rng)
        let report = p1.verify(using: &rng)
        XCTAssertEqual(report.contributions.map(\.failure), [nil, .beaconNotLast, nil])
        XCTAssertFalse(report.isValid)

        let r1cs = CeremonyFixture.circuit().r1cs
        var honest = Phase1Transcript(power: 3)
        honest.contribute(name: "alice", using: &rng)
        var p2 = try Phase2Transcript(phase1: honest.parameters, r1cs: r1cs, threads: 1)
        p2.contribute(name: "beacon", beacon: beacon)
        p2.contribute(name: "carol", using: &rng)
        XCTAssertEqual(p2.verify(phase1: honest.parameters, r1cs: r1cs, using: &rng).contributions.map(\.failure),
                       [.beaconNotLast, nil])
        XCTAssertEqual(p2.contributionEntries().map(\.failure), [.beaconNotLast, nil])
    }

    /// The adversary: a participant who claims a contribution but multiplies by 1 (valid proofs of
    /// knowledge of the secret 1, points unchanged): refused, naming the secret.
    func testSecretOfOneIsRefused() throws {
        var rng = TestRNG(seed: 45)
        var p1 = Phase1Transcript(power: 3)
        p1.contribute(name: "alice", using: &rng)
        var lazy = p1
        lazy.contribute(name: "mallory", secrets: Phase1Secrets(tau: .one, alpha: rng.fr(), beta: rng.fr()), using: &rng)
        XCTAssertEqual(lazy.verify(using: &rng).contributions[1].failure, .secretIsOne(secret: "tau"))
        lazy = p1
        lazy.contribute(name: "mallory", secrets: Phase1Secrets(tau: rng.fr(), alpha: rng.fr(), beta: .one), using: &rng)
        XCTAssertEqual(lazy.verify(using: &rng).contributions[1].failure, .secretIsOne(secret: "beta"))

        let r1cs = CeremonyFixture.circuit().r1cs
        var p2 = try Phase2Transcript(phase1: p1.parameters, r1cs: r1cs, threads: 1)
        p2.contribute(name: "carol", using: &rng)
        p2.contribute(name: "mallory", secret: .one, using: &rng)
        XCTAssertEqual(p2.contributionEntries().map(\.failure), [nil, .secretIsOne(secret: "delta")])
    }
}
