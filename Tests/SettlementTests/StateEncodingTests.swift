import XCTest
@testable import Settlement

final class StateEncodingTests: XCTestCase {
    func testStateDiffIsCanonicalAndRoundTrips() throws {
        var rng = SeededGenerator(seed: 1)
        let a = rng.address(), b = rng.address(), c = rng.address()
        let diff = StateDiff([(address: b, account: Account(balance: 2)), (address: a, account: Account(balance: 1, nonce: 4)),
                              (address: b, account: Account(balance: 3)), (address: c, account: .empty)])
        XCTAssertEqual(diff.count, 3)
        XCTAssertEqual(diff.entries.map(\.address), [a, b, c].sorted())
        XCTAssertEqual(diff.entries.first { $0.address == b }?.account, Account(balance: 3))
        let bytes = diff.serialized
        XCTAssertEqual(bytes.count, 4 + 3 * 60)
        XCTAssertEqual(Array(bytes[0 ..< 4]), [0, 0, 0, 3])
        XCTAssertEqual(try StateDiff(serialized: bytes), diff)
        // The same changes in another order encode identically.
        let again = StateDiff([(address: c, account: .empty), (address: b, account: Account(balance: 3)),
                               (address: a, account: Account(balance: 1, nonce: 4))])
        XCTAssertEqual(again.serialized, bytes)
        XCTAssertEqual(StateDiff.empty.serialized, [0, 0, 0, 0])
        XCTAssertEqual(try StateDiff(serialized: [0, 0, 0, 0]), .empty)
    }

    func testStateDiffStrictDecoding() {
        var rng = SeededGenerator(seed: 2)
        let diff = StateDiff((0 ..< 5).map { _ in (address: rng.address(), account: rng.account()) })
        let bytes = diff.serialized
        XCTAssertThrowsError(try StateDiff(serialized: []))
        XCTAssertThrowsError(try StateDiff(serialized: [0, 0, 0]))
        XCTAssertThrowsError(try StateDiff(serialized: Array(bytes.dropLast())))
        XCTAssertThrowsError(try StateDiff(serialized: bytes + [0]))
        XCTAssertThrowsError(try StateDiff(serialized: [0xFF, 0xFF, 0xFF, 0xFF]))
        // Swap two entries: out of order.
        var swapped = bytes
        swapped.replaceSubrange(4 ..< 64, with: bytes[64 ..< 124])
        swapped.replaceSubrange(64 ..< 124, with: bytes[4 ..< 64])
        XCTAssertThrowsError(try StateDiff(serialized: swapped))
        // Repeat an entry: not strictly increasing.
        var repeated = bytes
        repeated.replaceSubrange(64 ..< 124, with: bytes[4 ..< 64])
        XCTAssertThrowsError(try StateDiff(serialized: repeated))
    }

    func testSnapshotEncoding() throws {
        var rng = SeededGenerator(seed: 3)
        let m = StateManager()
        m.apply(diff: StateDiff((0 ..< 25).map { _ in (address: rng.address(), account: rng.account()) }))
        m.apply(diff: StateDiff([(address: rng.address(), account: Account(balance: 77))]))
        let snap = m.snapshot()
        let bytes = snap.serialized
        XCTAssertEqual(bytes.count, 48 + 26 * 60)
        XCTAssertEqual(Array(bytes[0 ..< 8]), [0, 0, 0, 0, 0, 0, 0, 1])
        XCTAssertEqual(Array(bytes[8 ..< 40]), m.root.bytes)
        XCTAssertEqual(try StateSnapshot(serialized: bytes), snap)
        XCTAssertThrowsError(try StateSnapshot(serialized: Array(bytes.prefix(47))))
        XCTAssertThrowsError(try StateSnapshot(serialized: Array(bytes.dropLast())))
        XCTAssertThrowsError(try StateSnapshot(serialized: bytes + [1]))
        var hugeCount = bytes
        for i in 40 ..< 48 { hugeCount[i] = 0xFF }
        XCTAssertThrowsError(try StateSnapshot(serialized: hugeCount))
        // An empty account inside a snapshot is malformed (absent accounts are not listed).
        var withEmpty = bytes
        for i in 48 + 20 ..< 48 + 60 { withEmpty[i] = 0 }
        XCTAssertThrowsError(try StateSnapshot(serialized: withEmpty))
        // Any single-byte change of an account makes restoring fail (root check) or decoding fail.
        for i in stride(from: 48, to: bytes.count, by: 7) {
            var m2 = bytes
            m2[i] ^= 0x01
            if let decoded = try? StateSnapshot(serialized: m2) {
                XCTAssertThrowsError(try StateManager(restoringFrom: decoded), "byte \(i)")
            }
        }
    }
}
