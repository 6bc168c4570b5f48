import Foundation
import Persistence
import PostgresDriver
import XCTest

/// Restarts and kills its own server (never the shared one).
final class ConnectionLossTests: XCTestCase {
    private static let serverTask = Task { try await PostgresTestServer.startServer(name: "resilience") }

    private func server() async throws -> EmbeddedPostgres {
        let server = try await Self.serverTask.value
        TestServers.register(server)
        try await server.start()  // no-op when running; brings it back after a failed test
        return server
    }

    func testRestartThenNextOperationSucceedsAfterReconnect() async throws {
        let server = try await server()
        let conn = ReconnectingConnection(conninfo: await server.url(), reconnectTimeout: .seconds(120))
        let before = try await conn.idempotent { c in try await c.query("SELECT pg_backend_pid()")[0].int64(0) }
        try await withTimeout { try await server.restart() }
        let after = try await withTimeout {
            try await conn.idempotent { c in try await c.query("SELECT pg_backend_pid()")[0].int64(0) }
        }
        XCTAssertNotEqual(before, after)
        let connects = await conn.connectCount
        XCTAssertEqual(connects, 2)
        await conn.close()
    }

    func testKillReportsConnectionErrorThenReconnectsAfterStart() async throws {
        let server = try await server()
        let url = await server.url()
        let raw = try await PostgresConnection.connect(url)
        let reconnecting = ReconnectingConnection(conninfo: url, reconnectTimeout: .milliseconds(500))
        _ = try await reconnecting.idempotent { c in try await c.query("SELECT 1") }

        try await withTimeout { try await server.kill() }

        do {
            try await raw.query("SELECT 1")
            XCTFail("expected a connection error")
        } catch {
            XCTAssertEqual(error.kind, .connection, "\(error)")
            XCTAssertTrue(error.isRetryable)
        }
        do {
            _ = try await withTimeout { try await reconnecting.idempotent { c in try await c.query("SELECT 1") } }
            XCTFail("expected a connection error while the server is down")
        } catch let error as PostgresError {
            XCTAssertEqual(error.kind, .connection, "\(error)")
        }

        try await withTimeout { try await server.start() }
        await reconnecting.setReconnectTimeout(.seconds(120))
        let one = try await withTimeout {
            try await reconnecting.idempotent { c in try await c.query("SELECT 1")[0].int64(0) }
        }
        XCTAssertEqual(one, 1)
        await reconnecting.close()
    }

    func testTransactionLostBeforeCommitIsRepeated() async throws {
        let server = try await server()
        let url = await server.url()
        let admin = try await PostgresConnection.connect(url)
        try await admin.execute("DROP TABLE IF EXISTS lost; CREATE TABLE lost (v int8)")
        let conn = ReconnectingConnection(conninfo: url, reconnectTimeout: .seconds(120))
        let attempts = Counter()
        try await conn.transaction { c in
            try await c.query("INSERT INTO lost VALUES (1)")
            if await attempts.increment() == 1 {
                // Another session terminates ours mid-transaction: nothing was committed.
                let pid = try await c.backendPID()
                try await admin.query("SELECT pg_terminate_backend($1)", [.int32(pid)])
                try await c.query("SELECT 1")  // fails: connection lost
            }
        }
        let tries = await attempts.value
        XCTAssertEqual(tries, 2)
        let rows = try await admin.query("SELECT count(*) FROM lost")
        XCTAssertEqual(try rows[0].int64(0), 1)
        await conn.close()
        await admin.close()
    }

    func testListenSurvivesRestart() async throws {
        let server = try await server()
        let conn = ReconnectingConnection(conninfo: await server.url(), reconnectTimeout: .seconds(120))
        try await conn.listen("finality")
        try await withTimeout { try await server.restart() }
        // The next operation reconnects and re-LISTENs.
        _ = try await withTimeout { try await conn.idempotent { c in try await c.query("SELECT 1") } }
        let sender = try await PostgresConnection.connect(await server.url())
        try await sender.notify("finality", payload: "after restart")
        let events = try await withTimeout(60) {
            var seen: [ReconnectingConnection.Event] = []
            for await e in conn.events {
                seen.append(e)
                if case .notification = e { break }
            }
            return seen
        }
        XCTAssertTrue(events.contains(.reconnected))
        XCTAssertEqual(events.last.flatMap { if case .notification(let n) = $0 { n.payload } else { nil } }, "after restart")
        await conn.close()
        await sender.close()
    }
}

private actor Counter {
    private(set) var value = 0
    func increment() -> Int {
        value += 1
        return value
    }
}
