import XCTest
import ZK
@testable import Settlement

/// The arbiter at posting with the shielded lane (`L1Arbiter+Lane`): a commitment whose data
/// holds lane transactions is accepted only with the aggregate of their spend proofs, and the
/// dishonest proposer is refused with its reason and nothing recorded. The L1 transaction
/// carries the aggregate under strict bounds.
///
/// The posting tests put lane transactions in the batch data (`BatchData` version 2; they would
/// skip, not pass, on an encoding without the lane); the same refusals are also checked on the
/// arbiter's decision for a decoded lane (`laneProblem(_:lane:)`).
final class L1ArbiterLaneTests: XCTestCase {
    let alice = Address(bytes: [UInt8](repeating: 0xa1, count: 20))!
    var t: [ShieldedTransaction] { LaneAggregateTests.transactions }
    var keys: LaneProverKeys { LaneAggregateTests.keys }
    var domain: SigningDomain { L1ArbiterConfig.defaultRules.domain }

    func arbiter(lane: Bool = true) -> L1Arbiter { L1Arbiter(config: L1ArbiterConfig(shieldedLane: lane ? keys.verifier : nil)) }

    let block = L1BlockHeader(number: 1, hash: Keccak256.hash(utf8: "b1"), parentHash: .zero, timestampMs: 1_000_000)

    /// Batch 1 with `lane` (and no transfer), as commitment 0.
    func posting(lane: [ShieldedTransaction], aggregate: [UInt8]) throws -> L1Transaction {
        let data = BatchData.encode([BatchData.Batch(number: 1, transfers: [], shielded: lane)], domain: domain)
        let c = L1Commitment(index: 0, firstBatch: 1, lastBatch: 1, prevRoot: Keccak256.hash(utf8: "prev"),
                             newRoot: Keccak256.hash(utf8: "new"), dataRoot: try BatchDataTree.dataRoot(of: data))
        return L1Transaction(sender: alice, call: .postCommitment(c, data: data, bond: 1, aggregate: aggregate), nonce: 0)
    }

    func revert(_ events: [L1Event]) -> String? {
        guard events.count == 1, case .reverted(let reason) = events[0] else { return nil }
        return reason
    }

    /// Whether the batch data carries the lane (the encoding's version 2): else skip.
    func requireLaneInData() throws {
        let data = BatchData.encode([BatchData.Batch(number: 1, transfers: [], shielded: [t[0]])], domain: domain)
        let decoded = try? BatchData.decode(data)
        try XCTSkipUnless(decoded?.batches.first?.shielded == [t[0]], "needs the lane in the batch data encoding (BatchData version 2)")
    }

    // MARK: Posting

    /// Data without lane transactions: no aggregate accepted, any aggregate refused (with or
    /// without shielded settings), nothing recorded.
    func testAnAggregateOnDataWithoutALaneIsRefused() throws {
        let aggregate = try LaneAggregate.aggregate(lane: [t[0], t[1]], keys: keys)
        for lane in [true, false] {
            var a = arbiter(lane: lane)
            XCTAssertEqual(revert(a.execute(try posting(lane: [], aggregate: aggregate), in: block)),
                           LaneAggregateError.unexpected(bytes: aggregate.count).description)
            XCTAssertEqual(a.state.commitments.count, 0)
            XCTAssertNil(revert(a.execute(try posting(lane: [], aggregate: []), in: block)))
            XCTAssertEqual(a.state.commitments.count, 1)
        }
    }

    /// Honest: the lane's aggregate is accepted. Dishonest: none, another lane's (swapped,
    /// reordered), part of the lane's, truncated, garbage, or a lane at an arbiter without
    /// shielded settings: each refused with its reason, the commitment not recorded.
    func testPostingWithALaneNeedsItsAggregate() throws {
        try requireLaneInData()
        let lane = [t[0], t[1], t[2]]
        let honest = try LaneAggregate.aggregate(lane: lane, keys: keys)
        let cases: [(String, [ShieldedTransaction], [UInt8], String)] = [
            ("no aggregate", lane, [], "no aggregate"),
            ("a transaction swapped", [t[0], t[1], t[3]], honest, "does not verify"),
            ("two reordered", [t[1], t[0], t[2]], honest, "does not verify"),
            ("part of the lane", lane + [t[3]], honest, "does not verify"),
            ("an aggregate of two", lane, try LaneAggregate.aggregate(lane: [t[0], t[1]], keys: keys), "of 2 proofs"),
            ("truncated", lane, Array(honest.dropLast(100)), "malformed"),
            ("garbage", lane, Array("SPK1".utf8) + [2] + [UInt8](repeating: 0x5a, count: honest.count - 5), "malformed"),
        ]
        for (what, postedLane, aggregate, reason) in cases {
            var a = arbiter()
            let refused = revert(a.execute(try posting(lane: postedLane, aggregate: aggregate), in: block))
            XCTAssertTrue(refused?.contains(reason) == true, "\(what): \(refused ?? "accepted")")
            XCTAssertEqual(a.state.commitments.count, 0, what)
        }
        var bare = arbiter(lane: false)
        XCTAssertTrue(revert(bare.execute(try posting(lane: lane, aggregate: honest), in: block))?.contains("no shielded settings") == true)
        XCTAssertEqual(bare.state.commitments.count, 0)
        var a = arbiter()
        XCTAssertNil(revert(a.execute(try posting(lane: lane, aggregate: honest), in: block)))
        XCTAssertEqual(a.state.commitments.count, 1)
    }

    /// The arbiter's decision for a decoded lane, with the same adversaries (runs whatever the
    /// data encoding carries).
    func testTheArbitersLaneDecision() throws {
        let lane = [t[0], t[1], t[2]]
        let honest = try LaneAggregate.aggregate(lane: lane, keys: keys)
        let a = arbiter()
        XCTAssertNil(a.laneProblem(honest, lane: lane))
        XCTAssertNil(a.laneProblem([], lane: []))
        XCTAssertEqual(a.laneProblem([], lane: lane), LaneAggregateError.missing(laneCount: 3).description)
        XCTAssertEqual(a.laneProblem(honest, lane: [t[0], t[1], t[3]]), LaneAggregateError.invalid(laneCount: 3).description)
        XCTAssertEqual(a.laneProblem(honest, lane: [t[1], t[0], t[2]]), LaneAggregateError.invalid(laneCount: 3).description)
        XCTAssertEqual(a.laneProblem(honest, lane: lane + [t[3]]), LaneAggregateError.invalid(laneCount: 4).description)
        XCTAssertTrue(a.laneProblem(Array(honest.prefix(40)), lane: lane)?.contains("malformed") == true)
        XCTAssertEqual(a.laneProblem(honest, lane: []), LaneAggregateError.unexpected(bytes: honest.count).description)
        XCTAssertTrue(arbiter(lane: false).laneProblem(honest, lane: lane)?.contains("no shielded settings") == true)
        XCTAssertTrue(arbiter(lane: false).laneProblem([], lane: lane)?.contains("no shielded settings") == true)
    }

    /// The lane keys are part of the arbiter's rules: another SRS or none changes the fingerprint;
    /// no lane keeps the fingerprint of before (chains stored by the simulator still open).
    func testTheLaneKeysArePartOfTheFingerprint() throws {
        let none = L1ArbiterConfig(), ours = L1ArbiterConfig(shieldedLane: keys.verifier)
        let other = L1ArbiterConfig(shieldedLane: LaneVerifierKeys(srs: .insecureFromSecrets(a: .random(), b: .random(), proofCount: 8),
                                                                  spendKey: keys.verifier.spendKey))
        XCTAssertNotEqual(none.fingerprint, ours.fingerprint)
        XCTAssertNotEqual(ours.fingerprint, other.fingerprint)
        XCTAssertNotEqual(ours, other)
        XCTAssertEqual(ours, L1ArbiterConfig(shieldedLane: keys.verifier))
    }

    // MARK: The L1 transaction encoding

    /// With and without an aggregate the transaction round-trips (tag 1 without: the encoding of
    /// before; tag 13 with); an empty aggregate under tag 13 and an aggregate longer than
    /// `LaneAggregate.maxBytes` are refused, the latter from its length field, before reading it.
    func testTheEncodingCarriesTheAggregateWithinItsBound() throws {
        let aggregate = try LaneAggregate.aggregate(lane: [t[0], t[1]], keys: keys)
        let without = try posting(lane: [], aggregate: [])
        let with = try posting(lane: [], aggregate: aggregate)
        XCTAssertEqual(without.encoded[29], 1)
        XCTAssertEqual(with.encoded[29], 13)
        XCTAssertEqual(try L1Transaction(encoded: without.encoded), without)
        XCTAssertEqual(try L1Transaction(encoded: with.encoded), with)
        XCTAssertNotEqual(without.hash, with.hash)
        XCTAssertEqual(with.encoded.count, without.encoded.count + 4 + aggregate.count)
        // Tag 13 with an empty aggregate: one value, one encoding.
        var empty = without.encoded
        empty[29] = 13
        empty += [0, 0, 0, 0]
        XCTAssertThrowsError(try L1Transaction(encoded: empty)) { XCTAssertTrue("\($0)".contains("empty aggregate"), "\($0)") }
        // A length field one over the bound, followed by nothing: refused for its length, not as truncated.
        var oversized = without.encoded
        oversized[29] = 13
        let n = UInt32(LaneAggregate.maxBytes + 1)
        oversized += [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)]
        XCTAssertThrowsError(try L1Transaction(encoded: oversized)) {
            XCTAssertEqual($0 as? L1CodecError, .malformed("byte string of \(n) bytes, more than \(LaneAggregate.maxBytes)"))
        }
        // The bound itself is accepted by the codec (the arbiter judges the contents).
        let atBound = L1Transaction(sender: alice, call: .postCommitment(L1Commitment(index: 0, firstBatch: 1, lastBatch: 1, prevRoot: .zero,
                                                                                      newRoot: .zero, dataRoot: .zero),
                                                                         data: [1], bond: 1,
                                                                         aggregate: [UInt8](repeating: 7, count: LaneAggregate.maxBytes)),
                                    nonce: 0)
        XCTAssertEqual(try L1Transaction(encoded: atBound.encoded), atBound)
    }
}
