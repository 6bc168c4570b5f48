import XCTest
import ZK

@testable import GRPC
import RPCTestSupport
@testable import SettlementAPI
import Settlement
import SettlementTestSupport

/// The shielded calls at the RPC boundary, on an engine without a shielded lane: what a hostile
/// or mistaken client sends is refused before the engine (malformed or oversized bytes, too many
/// or out-of-field nullifiers), and an engine without the lane says so instead of accepting.
/// The lane itself (proofs, double spends, stale roots) is Tests/interop/test_shielded_e2e.py.
final class ShieldedServiceTests: XCTestCase {
    /// A transaction with the right shape whose proof is points, not a proof: it decodes.
    private func decodable() -> ShieldedTransaction {
        let generator = Groth16.Proof(a: BN254G1.generator, b: BN254G2.generator, c: BN254G1.generator)
        return ShieldedTransaction(
            kind: .transfer,
            statement: SpendStatement(root: Fr(11), nullifiers: [Fr(21), Fr(22)], commitments: [Fr(31), Fr(32)],
                                      publicIn: 0, publicOut: 0, fee: 1, binding: Fr(5)),
            proof: generator,
            ciphertexts: [[UInt8](repeating: 1, count: ShieldedTransaction.ciphertextSize),
                          [UInt8](repeating: 2, count: ShieldedTransaction.ciphertextSize)],
            shield: nil, recipient: nil)
    }

    private func submit(_ f: SettlementFixture, _ bytes: [UInt8]) async throws -> SettlementV1.TransactionReceipt {
        try await f.client.unary(SettlementMethods.submitShielded, SettlementV1.SubmitShieldedRequest(transaction: bytes))
    }

    func testMalformedOrOversizedBytesAreInvalidArgumentAndNoLaneIsFailedPrecondition() async throws {
        let f = try await SettlementFixture.start(senders: 1)
        let good = decodable().encoded
        XCTAssertEqual(try ShieldedTransaction(encoded: good).encoded, good)
        var unknownKind = good
        unknownKind[0] = 9
        var offCurve = good
        offCurve[1 + 32 + 64 + 64 + 24 + 32 + 63] ^= 1  // A's y coordinate: no longer a curve point
        let cases: [([UInt8], String)] = [
            ([], "field transaction: malformed shielded transaction"),
            (Array(good.dropLast()), "field transaction: malformed shielded transaction"),
            (good + [0], "field transaction: malformed shielded transaction"),
            (unknownKind, "unknown kind"),
            (offCurve, "proof"),
            ([UInt8](repeating: 0, count: ShieldedTransaction.maxSize + 1),
             "field transaction must be at most \(ShieldedTransaction.maxSize) bytes, got \(ShieldedTransaction.maxSize + 1)"),
            ([UInt8](repeating: 0, count: 1 << 20), "must be at most \(ShieldedTransaction.maxSize) bytes"),
        ]
        for (bytes, message) in cases {
            let e = await assertRPCError(.invalidArgument) { try await self.submit(f, bytes) }
            XCTAssertTrue(e?.message.contains(message) ?? false, "\(bytes.count) bytes: \(e?.message ?? "accepted")")
        }
        // Well-formed bytes reach the lane check: this engine has none.
        let e = await assertRPCError(.failedPrecondition) { try await self.submit(f, good) }
        XCTAssertEqual(e?.message, "this engine takes no shielded transactions")
        await f.stop()
    }

    func testShieldedStateWithoutALane() async throws {
        let f = try await SettlementFixture.start(senders: 1)
        let s = try await f.client.unary(SettlementMethods.getShieldedState, SettlementV1.GetShieldedStateRequest())
        XCTAssertFalse(s.acceptsShielded)
        XCTAssertEqual(s.minimumFee, 0)
        XCTAssertEqual(s.noteCount, 0)
        XCTAssertEqual(s.noteRoot, NoteTree().root.bigEndianBytes)
        XCTAssertEqual(s.recentRoots.last, s.noteRoot)
        XCTAssertEqual(s.nullifierRoot.count, 32)
        await f.stop()
    }

    func testNullifierLookupsAreBoundedAndFieldElements() async throws {
        let f = try await SettlementFixture.start(senders: 1)
        func lookup(_ nullifiers: [[UInt8]]) async throws -> SettlementV1.NullifierStatus {
            try await f.client.unary(SettlementMethods.getNullifierStatus,
                                     SettlementV1.GetNullifierStatusRequest(nullifiers: nullifiers))
        }
        let zero = [UInt8](repeating: 0, count: 32)
        let tooMany = await assertRPCError(.invalidArgument) { try await lookup(Array(repeating: zero, count: 1_025)) }
        XCTAssertEqual(tooMany?.message, "at most 1024 nullifiers per request, got 1025")
        let short = await assertRPCError(.invalidArgument) { try await lookup([zero, [1, 2]]) }
        XCTAssertEqual(short?.message, "field nullifiers[1] must be 32 bytes, got 2")
        // r itself is not a field element (a second encoding of 0 would dodge the spent set).
        let modulus = Fr.modulus.bigEndianBytes
        let outOfField = await assertRPCError(.invalidArgument) { try await lookup([modulus]) }
        XCTAssertEqual(outOfField?.message, "field nullifiers[0] is not a field element (it is not below r)")
        let answer = try await lookup(Array(repeating: zero, count: 1_024))
        XCTAssertEqual(answer.spentBatch, Array(repeating: 0, count: 1_024))
        let none = try await lookup([])
        XCTAssertEqual(none.spentBatch, [])
        await f.stop()
    }

    func testScanEndsAtTheDurableEndAndHonoursTheBound() async throws {
        let f = try await SettlementFixture.start(senders: 1, service: { $0.maxScannedNotesPerCall = 5 })
        func scan(_ from: UInt64, max: UInt64 = 0) async throws -> [SettlementV1.ShieldedNotes] {
            var pages: [SettlementV1.ShieldedNotes] = []
            let stream = try SettlementV1.SettlementClient(f.client).scanShieldedNotes(
                SettlementV1.ScanShieldedNotesRequest(fromPosition: from, maxNotes: max))
            for try await page in stream { pages.append(page) }
            return pages
        }
        // No notes: one empty page that says it is the end, from anywhere (even past the tree).
        for from in [UInt64(0), 7, UInt64.max] {
            let pages = try await scan(from, max: UInt64.max)
            XCTAssertEqual(pages.map(\.notes.count), [0], "\(from)")
            XCTAssertEqual(pages.last?.end, true)
        }
        await f.stop()
    }
}
