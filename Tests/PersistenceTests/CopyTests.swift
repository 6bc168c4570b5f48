import Foundation
import Persistence
import PostgresDriver
import XCTest

final class CopyTests: PostgresTestCase {
    /// 100k rows by binary COPY, read back exactly (compared field by field and by checksum).
    func testBinaryCopyOf100kRowsReadsBackExactly() async throws {
        let conn = try await connect()
        try await conn.execute("""
            CREATE TABLE tx (a bytea, b bytea, c bytea, d int8, e int8, s text, f bool, ts timestamptz,
                             n int4, m int2, x float8)
            """)
        let count = 100_000
        let base = Date(timeIntervalSince1970: 1_700_000_000)
        func bytes(_ i: Int, _ salt: UInt8, _ n: Int) -> [UInt8] {
            (0..<n).map { UInt8(truncatingIfNeeded: i &* 31 &+ $0 &* 7) ^ salt }
        }
        let loaded = try await conn.copyIn(table: "tx", columns: ["a", "b", "c", "d", "e", "s", "f", "ts", "n", "m", "x"]) {
            (w) throws(PostgresError) in
            for i in 0..<count {
                try w.beginRow()
                try w.write(bytes: bytes(i, 0xA5, 32))
                try w.write(bytes: bytes(i, 0x5A, 20))
                try w.write(bytes: bytes(i, 0x33, 20))
                try w.write(int64: Int64(i))
                try w.write(int64: Int64(i) &* -7_919)
                try w.write(text: "row \(i) ✓")
                try w.write(bool: i % 3 == 0)
                try w.write(timestamp: base.addingTimeInterval(Double(i) * 0.001))
                if i % 10 == 0 { try w.writeNull() } else { try w.write(int32: Int32(i)) }
                try w.write(int16: Int16(truncatingIfNeeded: i))
                try w.write(double: Double(i) / 3)
            }
        }
        XCTAssertEqual(loaded, count)

        let rows = try await conn.query("SELECT a, b, c, d, e, s, f, ts, n, m, x FROM tx ORDER BY d")
        XCTAssertEqual(rows.count, count)
        var expectedSum: UInt64 = 0, actualSum: UInt64 = 0
        for (i, r) in rows.enumerated() {
            let a = try r.bytes(0), b = try r.bytes(1), c = try r.bytes(2)
            XCTAssertEqual(a, bytes(i, 0xA5, 32))
            XCTAssertEqual(b, bytes(i, 0x5A, 20))
            XCTAssertEqual(c, bytes(i, 0x33, 20))
            XCTAssertEqual(try r.int64(3), Int64(i))
            XCTAssertEqual(try r.int64(4), Int64(i) &* -7_919)
            XCTAssertEqual(try r.string(5), "row \(i) ✓")
            XCTAssertEqual(try r.bool(6), i % 3 == 0)
            XCTAssertEqual(try r.date(7).timeIntervalSince1970, base.timeIntervalSince1970 + Double(i) * 0.001, accuracy: 1e-6)
            XCTAssertEqual(try r.int64OrNil(8), i % 10 == 0 ? nil : Int64(i))
            XCTAssertEqual(try r.int64(9), Int64(Int16(truncatingIfNeeded: i)))
            XCTAssertEqual(try r.double(10), Double(i) / 3)
            expectedSum = checksum(expectedSum, bytes(i, 0xA5, 32) + bytes(i, 0x5A, 20) + bytes(i, 0x33, 20))
            actualSum = checksum(actualSum, a + b + c)
            if i % 10_000 == 0, a != bytes(i, 0xA5, 32) { break }  // keep failure output short
        }
        XCTAssertEqual(expectedSum, actualSum)
        // And the server agrees on the totals.
        let agg = try await conn.query("SELECT sum(d), sum(length(a) + length(b) + length(c)), count(n) FROM tx")
        XCTAssertEqual(try agg[0].int64(0), Int64(count * (count - 1) / 2))
        XCTAssertEqual(try agg[0].int64(1), Int64(count * 72))
        XCTAssertEqual(try agg[0].int64(2), Int64(count - count / 10))
    }

    func testCopyOfValueRowsAndAbortOnBadRow() async throws {
        let conn = try await connect()
        try await conn.execute("CREATE TABLE v (k int8, s text, b bytea)")
        let n = try await conn.copyIn(table: "v", columns: ["k", "s", "b"],
                                      rows: [[.int64(1), .text("one"), .bytes([1])], [.int64(2), nil, nil]])
        XCTAssertEqual(n, 2)
        // A row with the wrong field count aborts the whole COPY.
        do {
            try await conn.copyIn(table: "v", columns: ["k", "s", "b"], rows: [[.int64(3), .text("x"), nil], [.int64(4)]])
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error.kind, .invalidArgument)
        }
        // A field of the wrong binary size is refused by the server.
        do {
            try await conn.copyIn(table: "v", columns: ["k", "s", "b"], rows: [[.int32(5), .text("x"), nil]])
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual(error.kind, .statement, "\(error)")
            XCTAssertNotNil(error.sqlState)
        }
        let rows = try await conn.query("SELECT count(*) FROM v")
        XCTAssertEqual(try rows[0].int64(0), 2)
    }

    private func checksum(_ seed: UInt64, _ bytes: [UInt8]) -> UInt64 {
        var h = seed ^ 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }
}
