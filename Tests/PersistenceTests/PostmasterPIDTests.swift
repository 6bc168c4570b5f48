import Foundation
import Persistence
import PostgresDriver
import XCTest

/// Finding a running PostgreSQL through its `postmaster.pid` (how `settlement report` reaches the
/// engine's embedded server).
final class PostmasterPIDTests: XCTestCase {
    func testParsesTheLinesPostgreSQLWrites() throws {
        let text = "6807\n/srv/data\n1795618867\n55432\n/srv/data\n127.0.0.1\n 16294009    426033\nready   \n"
        let pid = try XCTUnwrap(PostmasterPID(text: text))
        XCTAssertEqual(pid, PostmasterPID(text: text))
        XCTAssertEqual(pid.pid, 6807)
        XCTAssertEqual(pid.port, 55432)
        XCTAssertEqual(pid.socketDirectory, "/srv/data")
        XCTAssertEqual(pid.listenAddress, "127.0.0.1")
        XCTAssertEqual(pid.connectionString(user: "settlement", database: "postgres"),
                       "host='127.0.0.1' port=55432 user='settlement' dbname='postgres'")
        let wildcard = try XCTUnwrap(PostmasterPID(text: "1\n/d\n0\n5432\n/tmp\n*\n"))
        XCTAssertTrue(wildcard.connectionString(user: "u", database: "d").hasPrefix("host='127.0.0.1' port=5432"))
        let socketOnly = try XCTUnwrap(PostmasterPID(text: "1\n/d\n0\n5432\n/run/it's\n\n"))
        XCTAssertNil(socketOnly.listenAddress)
        XCTAssertEqual(socketOnly.connectionString(user: "u", database: "d"), "host='/run/it\\'s' port=5432 user='u' dbname='d'")
        XCTAssertNil(PostmasterPID(text: "garbage"))
        XCTAssertNil(PostmasterPID(text: "12\n/d\n0\nnot-a-port\n"))
    }

    func testReadsTheTestServerAndConnectsThroughIt() async throws {
        let server = try await PostgresTestServer.shared.running()
        let found = try PostmasterPID.read(dataDirectory: server.configuration.dataDirectory)
        let port = await server.port
        XCTAssertEqual(found.port, port)
        let conn = try await PostgresConnection.connect(
            found.connectionString(user: server.configuration.superuser, database: "postgres"))
        let rows = try await conn.query("SELECT current_setting('port')")
        XCTAssertEqual(try rows[0].int(0), port)
        await conn.close()
    }

    func testAMissingServerIsReportedClearly() throws {
        let dir = NSTemporaryDirectory() + "no-postgres-\(ProcessInfo.processInfo.processIdentifier)"
        XCTAssertThrowsError(try PostmasterPID.read(dataDirectory: dir)) {
            let error = $0 as? PostgresError
            XCTAssertEqual(error?.kind, .embeddedServer)
            XCTAssertTrue(error?.message.contains("does not exist") == true, "\($0)")
        }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertThrowsError(try PostmasterPID.read(dataDirectory: dir)) {
            XCTAssertTrue("\($0)".contains("no PostgreSQL server is running"), "\($0)")
        }
    }
}
