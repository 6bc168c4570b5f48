import Foundation
@testable import Persistence
import PostgresDriver
import XCTest

/// A session that stops in the middle of a transaction (a replica frozen by SIGSTOP between its
/// INSERT and its COMMIT) must not hold the rows it touched for ever: the server ends it after
/// `PostgresSettlementStore.commitIdleTimeoutMs`, and a second session inserting the same key
/// (the new leader committing the same batch number) goes on. Before the session setting, the
/// second INSERT waited until the first session's transaction ended: here, without limit.
final class FrozenTransactionTests: XCTestCase {
    func testAnIdleTransactionDoesNotBlockAConflictingInsertForEver() async throws {
        let server = try await PostgresTestServer.shared.running()
        let url = await server.url()
        let setup = try await PostgresConnection.connect(url)
        try await setup.execute("CREATE TABLE IF NOT EXISTS frozen_tx_test (number bigint PRIMARY KEY)")
        try await setup.execute("DELETE FROM frozen_tx_test")
        let frozen = try await PostgresConnection.connect(url)
        let live = try await PostgresConnection.connect(url)
        // The "frozen leader": inserts batch 21 and then sends nothing more (no COMMIT).
        try await frozen.execute("BEGIN")
        try await frozen.execute(PostgresSettlementStore.commitSettings)
        try await frozen.execute("INSERT INTO frozen_tx_test VALUES (21)")
        // The "new leader": bounded well above the idle timeout, so the test cannot hang.
        try await live.execute("SET statement_timeout = \(PostgresSettlementStore.commitIdleTimeoutMs + 20_000)")
        let started = Date()
        let inserted = try await live.query("INSERT INTO frozen_tx_test VALUES (21) ON CONFLICT (number) DO NOTHING RETURNING number")
        let waited = Date().timeIntervalSince(started)
        XCTAssertEqual(inserted.count, 1, "the frozen session's row was rolled back: the live session's insert wins")
        XCTAssertLessThan(waited, Double(PostgresSettlementStore.commitIdleTimeoutMs) / 1000 + 10)
        do {
            try await frozen.execute("COMMIT")
            XCTFail("the frozen session's transaction must be gone")
        } catch {
            // Terminated by the server: the woken replica's commit fails (and is fenced anyway).
        }
        try await setup.execute("DROP TABLE frozen_tx_test")
    }
}
