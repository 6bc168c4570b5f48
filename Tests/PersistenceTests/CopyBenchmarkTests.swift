import Foundation
import Persistence
import XCTest

/// Runs `PostgresBenchmark` only when `PERSISTENCE_BENCH=<rows>` is set (e.g. with
/// `swift test -c release --filter CopyBenchmarkTests`); prints the figures, asserts nothing
/// about speed.
final class CopyBenchmarkTests: PostgresTestCase {
    func testCopyThroughput() async throws {
        guard let rows = ProcessInfo.processInfo.environment["PERSISTENCE_BENCH"].flatMap(Int.init) else {
            throw XCTSkip("set PERSISTENCE_BENCH=<rows> to run")
        }
        let work = try TestServers.temporaryRoot()
        let result = try await PostgresBenchmark.runCopyBenchmark(url: url, rows: rows, repetitions: 3, workDirectory: work)
        XCTAssertGreaterThan(result.ours.rowsPerSecond, 0)
    }
}
