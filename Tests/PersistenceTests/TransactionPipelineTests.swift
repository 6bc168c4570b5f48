import Foundation
import Persistence
import PostgresDriver
import XCTest

private struct Boom: Error {}

final class TransactionPipelineTests: PostgresTestCase {
    func testTransactionCommitsAndRollsBackOnThrow() async throws {
        let conn = try await connect()
        try await conn.execute("CREATE TABLE k (v int8)")
        let value = try await conn.transaction { c in
            try c.query("INSERT INTO k VALUES ($1)", [.int64(1)])
            return 42
        }
        XCTAssertEqual(value, 42)
        do {
            _ = try await conn.transaction { c in
                try c.query("INSERT INTO k VALUES ($1)", [.int64(2)])
                throw Boom()
            }
            XCTFail("expected Boom")
        } catch is Boom {}
        // A swallowed statement error aborts the transaction: COMMIT must not pretend success.
        do {
            _ = try await conn.transaction { c in
                try c.query("INSERT INTO k VALUES ($1)", [.int64(3)])
                _ = try? c.query("SELECT 1/0")
                return 0
            }
            XCTFail("expected an error")
        } catch let error as PostgresError {
            XCTAssertEqual(error.kind, .statement)
        }
        let rows = try await conn.query("SELECT v FROM k ORDER BY v")
        XCTAssertEqual(try rows.map { try $0.int64(0) }, [1])
    }

    func testPipelineReturnsResultsInOrder() async throws {
        let conn = try await connect()
        try await conn.execute("CREATE TABLE p (v int8)")
        var statements: [PipelineStatement] = []
        for i in 0..<500 { statements.append(PipelineStatement("INSERT INTO p VALUES ($1)", [.int64(Int64(i))])) }
        statements.append(PipelineStatement("SELECT count(*) FROM p"))
        for i in 0..<20 { statements.append(PipelineStatement("SELECT $1::int8 * 2", [.int64(Int64(i))])) }
        let results = try await conn.pipeline(statements)
        XCTAssertEqual(results.count, 521)
        XCTAssertTrue(results[0].isEmpty)
        XCTAssertEqual(try results[500][0].int64(0), 500)
        for i in 0..<20 { XCTAssertEqual(try results[501 + i][0].int64(0), Int64(2 * i)) }
        let tuples = try await conn.pipeline([(sql: "SELECT 'a'", params: []), (sql: "SELECT $1", params: [.text("b")])])
        XCTAssertEqual(try tuples.map { try $0[0].string(0) }, ["a", "b"])
    }

    func testPipelineErrorRollsBackTheBatch() async throws {
        let conn = try await connect()
        try await conn.execute("CREATE TABLE q (v int8 PRIMARY KEY)")
        do {
            _ = try await conn.pipeline([
                PipelineStatement("INSERT INTO q VALUES (1)"),
                PipelineStatement("INSERT INTO q VALUES (1)"),
                PipelineStatement("INSERT INTO q VALUES (2)"),
            ])
            XCTFail("expected a unique violation")
        } catch {
            XCTAssertEqual(error.sqlState, "23505")
            XCTAssertTrue(error.message.contains("statement 1"), error.message)
        }
        let rows = try await conn.query("SELECT count(*) FROM q")
        XCTAssertEqual(try rows[0].int64(0), 0)
        // The connection left pipeline mode cleanly.
        try await conn.query("INSERT INTO q VALUES (3)")
    }

    func testListenNotifyAcrossConnections() async throws {
        let listener = try await connect()
        let sender = try await connect()
        try await listener.listen("batches")
        try await sender.notify("batches", payload: "batch 7")
        try await sender.execute("NOTIFY batches, 'batch 8'")
        let received = try await withTimeout(60) {
            var got: [String] = []
            for await n in listener.notifications {
                XCTAssertEqual(n.channel, "batches")
                got.append(n.payload)
                if got.count == 2 { break }
            }
            return got
        }
        XCTAssertEqual(received, ["batch 7", "batch 8"])
    }
}
