import Foundation
import Persistence
import XCTest

/// Runs `StoreBenchmark` only when `STORE_BENCH=<batches>` is set (e.g.
/// `STORE_BENCH=200 swift test -c release --filter SettlementStoreBenchmarkTests`); prints the
/// figures, asserts nothing about speed. Two servers: the shared test server (fsync off) and one
/// with production settings (fsync on), where every durable commit waits for the disk.
final class SettlementStoreBenchmarkTests: PostgresTestCase {
    private var batches: Int {
        get throws {
            guard let n = ProcessInfo.processInfo.environment["STORE_BENCH"].flatMap(Int.init) else {
                throw XCTSkip("set STORE_BENCH=<batches> to run")
            }
            return n
        }
    }

    func testStoreThroughputFsyncOff() async throws {
        let n = try batches
        print("— test server (fsync off) —")
        let report = try await StoreBenchmark.run(url: url, batches: n)
        XCTAssertGreaterThan(report.store.transactionsPerSecond, 0)
    }

    func testStoreThroughputFsyncOn() async throws {
        let n = try batches
        let root = try TestServers.temporaryRoot()
        let server = EmbeddedPostgres(.init(dataDirectory: root + "/store-bench-durable", testMode: false))
        try await server.start()
        TestServers.register(server)
        print("— production settings (fsync on) —")
        let report = try await StoreBenchmark.run(url: await server.url(), batches: n)
        XCTAssertGreaterThan(report.store.transactionsPerSecond, 0)
        try await server.stop()
    }
}
