import Foundation
import Persistence
import PostgresDriver
import XCTest

final class QueryTests: PostgresTestCase {
    func testRoundTripOfEveryType() async throws {
        let conn = try await connect()
        try await conn.execute("""
            CREATE TABLE t (i2 int2, i4 int4, i8 int8, d float8, b bool, s text, by bytea, ts timestamptz)
            """)
        let big = (0..<5_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        let date = Date(timeIntervalSince1970: 1_717_171_717.123456)
        let values: [PostgresValue?] = [
            .int16(-12), .int32(123_456_789), .int64(Int64.min), .double(-1.5e-300), .bool(true),
            .text("héllo 'quoted' \"x\" ✓"), .bytes(big), .timestamp(date),
        ]
        try await conn.query("INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", values)
        try await conn.query("INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                             [PostgresValue?](repeating: nil, count: 8))
        let rows = try await conn.query("SELECT * FROM t ORDER BY i8 NULLS LAST")
        XCTAssertEqual(rows.count, 2)
        let r = rows[0]
        XCTAssertEqual(try r.int64(0), -12)
        XCTAssertEqual(try r.int64(1), 123_456_789)
        XCTAssertEqual(try r.int64(2), Int64.min)
        XCTAssertEqual(try r.double(3), -1.5e-300)
        XCTAssertEqual(try r.bool(4), true)
        XCTAssertEqual(try r.string(5), "héllo 'quoted' \"x\" ✓")
        XCTAssertEqual(try r.bytes(6), big)
        XCTAssertEqual(try r.date(7).timeIntervalSince1970, date.timeIntervalSince1970, accuracy: 1e-6)
        XCTAssertEqual(r.columnNames, ["i2", "i4", "i8", "d", "b", "s", "by", "ts"])
        XCTAssertEqual(r.column(named: "s"), 5)
        let n = rows[1]
        for c in 0..<8 { XCTAssertTrue(try n.isNull(c)) }
        XCTAssertNil(try n.int64OrNil(2))
        XCTAssertNil(try n.bytesOrNil(6))
        XCTAssertThrowsError(try n.int64(2))
        // Text parameters let the server infer the type (numeric here).
        let sum = try await conn.query("SELECT $1::numeric + 1", [.text("123456789012345678901234567890")])
        XCTAssertEqual(try sum[0].string(0), "123456789012345678901234567891")
        await conn.close()
    }

    func testStatementErrorCarriesSQLState() async throws {
        let conn = try await connect()
        try await conn.execute("CREATE TABLE u (k int PRIMARY KEY)")
        try await conn.query("INSERT INTO u VALUES (1)")
        do {
            try await conn.query("INSERT INTO u VALUES ($1)", [.int32(1)])
            XCTFail("expected a unique violation")
        } catch {
            XCTAssertEqual(error.kind, .statement)
            XCTAssertEqual(error.sqlState, "23505")
        }
        // The connection is still usable.
        let rows = try await conn.query("SELECT count(*) FROM u")
        XCTAssertEqual(try rows[0].int64(0), 1)
    }

    func testConnectErrorHidesPassword() async throws {
        let server = try await PostgresTestServer.shared.running()
        let bad = "postgresql://nobody_here:s3cretpw@127.0.0.1:\(await server.port)/nodb"
        do {
            _ = try await PostgresConnection.connect(bad)
            XCTFail("expected failure")
        } catch {
            XCTAssertEqual(error.kind, .connection)
            XCTAssertFalse(error.message.contains("s3cretpw"), error.message)
        }
    }
}
