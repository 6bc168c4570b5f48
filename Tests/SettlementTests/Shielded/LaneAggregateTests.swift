import XCTest
import ZK
@testable import Settlement

/// The lane-aggregate rule (`LaneAggregate`) with real depth-32 spend proofs: padded aggregates of
/// 1, 2, 3 and 5 lane transactions verify, and the dishonest proposer's aggregates — for other
/// statements (a transaction swapped, two reordered), over part of the lane, with a hidden bad
/// proof, truncated, garbage, oversized, missing, or with no lane — are refused with their reason.
final class LaneAggregateTests: XCTestCase {
    static let domain = L1ArbiterConfig.defaultRules.domain

    /// Six shields proven under the empty note tree (one proof each, made once for the class).
    static let transactions: [ShieldedTransaction] = {
        let account = try! PrivateKey(hex: "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
        let owner = try! SpendingKey.generate()
        return (0..<6).map { nonce in
            try! SpendBuilder.build(spendingKey: owner, inputs: [], payments: [.init(to: owner.address, value: 10 + nonce)],
                                    publicIn: 11 + nonce, fee: 1, party: .shieldFrom(key: account, nonce: nonce),
                                    root: NoteTree().root, domain: domain, provingKey: ShieldedVerifierTests.keys.proving).transaction
        }
    }()

    /// An SRS for 8 proofs from known secrets (tests only) and the lane keys over it.
    static let keys = LaneProverKeys(srs: .insecureFromSecrets(a: .random(), b: .random(), proofCount: 8),
                                     spendKey: ShieldedVerifierTests.keys.verifying.key)!

    var t: [ShieldedTransaction] { Self.transactions }
    var keys: LaneProverKeys { Self.keys }

    func refusal(_ bytes: [UInt8], _ lane: [ShieldedTransaction], keys: LaneVerifierKeys? = nil) -> LaneAggregateError? {
        do { try LaneAggregate.verify(bytes, lane: lane, keys: keys ?? self.keys.verifier) } catch { return error }
        return nil
    }

    /// N is the next power of two ≥ max(count, 2); the copies of the last transaction fill it,
    /// and each padded aggregate verifies. The largest (5 → N = 8) is timed for the report.
    func testPaddedAggregatesOfOneTwoThreeAndFiveVerify() throws {
        XCTAssertEqual([1, 2, 3, 4, 5, 8, 9, 181, 256].map(LaneAggregate.proofCount(forLane:)), [2, 2, 4, 4, 8, 8, 16, 256, 256])
        for count in [1, 2, 3, 5] {
            let lane = Array(t.prefix(count))
            let start = ContinuousClock.now
            let bytes = try LaneAggregate.aggregate(lane: lane, keys: keys)
            let took = ContinuousClock.now - start
            XCTAssertEqual(try AggregateProof(bytes: bytes).proofCount, LaneAggregate.proofCount(forLane: count))
            XCTAssertNil(refusal(bytes, lane), "\(count) lane transactions")
            print("lane aggregate of \(count) (N = \(LaneAggregate.proofCount(forLane: count))): \(bytes.count) bytes in \(took)")
        }
        XCTAssertEqual(try LaneAggregate.aggregate(lane: [], keys: keys), [])
        XCTAssertNil(refusal([], []))
        XCTAssertEqual(LaneAggregate.maxBytes, 34_757)
    }

    /// An aggregate made for other statements: two transactions reordered, or one swapped for
    /// another (same count, so same N).
    func testAnAggregateForOtherStatementsIsRefused() throws {
        let bytes = try LaneAggregate.aggregate(lane: [t[0], t[1], t[2]], keys: keys)
        XCTAssertNil(refusal(bytes, [t[0], t[1], t[2]]))
        XCTAssertEqual(refusal(bytes, [t[1], t[0], t[2]]), .invalid(laneCount: 3))
        XCTAssertEqual(refusal(bytes, [t[0], t[1], t[3]]), .invalid(laneCount: 3))
    }

    /// An aggregate over part of the lane: of another N, or of the same N (the padding then
    /// differs from the lane's last statements).
    func testAnAggregateOverPartOfTheLaneIsRefused() throws {
        let two = try LaneAggregate.aggregate(lane: [t[0], t[1]], keys: keys)
        XCTAssertEqual(refusal(two, [t[0], t[1], t[2]]), .wrongProofCount(aggregated: 2, expected: 4))
        let three = try LaneAggregate.aggregate(lane: [t[0], t[1], t[2]], keys: keys)
        XCTAssertEqual(refusal(three, [t[0], t[1], t[2], t[3]]), .invalid(laneCount: 4))
        // Padding is built by the verifier from the lane: an aggregate of [t0, t1, t2, t2] is the
        // padded aggregate of [t0, t1, t2], which is all it proves.
        XCTAssertNil(refusal(three, [t[0], t[1], t[2], t[2]]))
    }

    /// The proposer hides a bad spend proof (a transaction carrying another's proof): the
    /// aggregate is built but does not verify.
    func testAHiddenBadProofMakesTheAggregateFail() throws {
        var forged = t[2]
        forged.proof = t[1].proof
        let lane = [t[0], t[1], forged]
        let bytes = try LaneAggregate.aggregate(lane: lane, keys: keys)
        XCTAssertEqual(refusal(bytes, lane), .invalid(laneCount: 3))
    }

    /// Missing, unexpected, truncated, garbage, a flipped byte, oversized (refused before decoding).
    func testMalformedMissingAndUnexpectedAggregatesAreRefused() throws {
        let lane = [t[0], t[1]]
        let bytes = try LaneAggregate.aggregate(lane: lane, keys: keys)
        XCTAssertEqual(refusal([], lane), .missing(laneCount: 2))
        XCTAssertEqual(refusal(bytes, []), .unexpected(bytes: bytes.count))
        guard case .malformed = refusal(Array(bytes.dropLast(7)), lane) else { return XCTFail("truncated accepted") }
        var garbage = bytes
        for i in 5..<garbage.count { garbage[i] = UInt8.random(in: 0...255) }
        guard case .malformed = refusal(garbage, lane) else { return XCTFail("garbage accepted") }
        var flipped = bytes
        flipped[bytes.count / 2] ^= 1
        XCTAssertNotNil(refusal(flipped, lane))
        let oversized = [UInt8](repeating: 0, count: LaneAggregate.maxBytes + 1)
        XCTAssertEqual(refusal(oversized, lane), .oversized(bytes: LaneAggregate.maxBytes + 1, max: LaneAggregate.maxBytes))
    }

    /// More lane transactions than the SRS serves (keys for 4 proofs, 5 transactions): neither
    /// aggregated nor accepted; another SRS's aggregate is refused; the keys' fingerprints differ.
    func testTheSRSBoundsTheLaneAndBindsTheAggregate() throws {
        let small = try XCTUnwrap(LaneProverKeys(srs: .insecureFromSecrets(a: .random(), b: .random(), proofCount: 4),
                                                 spendKey: ShieldedVerifierTests.keys.verifying.key))
        XCTAssertEqual(small.verifier.maxLaneTransactions, 4)
        let five = Array(t.prefix(5))
        XCTAssertThrowsError(try LaneAggregate.aggregate(lane: five, keys: small)) { error in
            XCTAssertEqual(error as? LaneAggregateError, .tooMany(count: 5, max: 4))
        }
        let ours = try LaneAggregate.aggregate(lane: five, keys: keys)
        XCTAssertEqual(refusal(ours, five, keys: small.verifier), .tooMany(count: 5, max: 4))
        let theirs = try LaneAggregate.aggregate(lane: [t[0], t[1]], keys: small)
        XCTAssertEqual(refusal(theirs, [t[0], t[1]]), .invalid(laneCount: 2))
        XCTAssertNotEqual(small.verifier, keys.verifier)
        XCTAssertNotEqual(small.verifier.fingerprint, keys.verifier.fingerprint)
        // A key of another shape is no spend key.
        let vectorKey = try XCTUnwrap(Groth16.VerifyingKey(alpha: keys.verifier.spendKey.alpha, beta: keys.verifier.spendKey.beta,
                                                           gamma: keys.verifier.spendKey.gamma, delta: keys.verifier.spendKey.delta,
                                                           ic: Array(keys.verifier.spendKey.ic.prefix(2))))
        XCTAssertNil(LaneProverKeys(srs: .insecureFromSecrets(a: .random(), b: .random(), proofCount: 2), spendKey: vectorKey))
    }

    /// The poster never puts more lane transactions in one commitment than one aggregate serves:
    /// whole batches up to the bound, the rest in the next commitment.
    func testThePosterCutsCommitmentsAtTheLaneBound() {
        let batches = [BatchData.Batch(number: 1, transfers: [], shielded: [t[0], t[1]]),
                       BatchData.Batch(number: 2, transfers: [], shielded: [t[2], t[3]]),
                       BatchData.Batch(number: 3, transfers: [], shielded: [t[4]])]
        XCTAssertEqual(FinalityEngine.fittingPrefix(of: batches, domain: Self.domain, maxLane: 4).map(\.number), [1, 2])
        XCTAssertEqual(FinalityEngine.fittingPrefix(of: batches, domain: Self.domain, maxLane: 3).map(\.number), [1])
        XCTAssertEqual(FinalityEngine.fittingPrefix(of: batches, domain: Self.domain).map(\.number), [1, 2, 3])
        XCTAssertTrue(FinalityEngine.fittingPrefix(of: batches, domain: Self.domain, maxLane: 1).isEmpty)
    }
}
