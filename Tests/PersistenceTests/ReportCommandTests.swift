import Foundation
import Persistence
import PostgresDriver
import XCTest

/// `settlement report` as a user runs it: the built executable (next to this test bundle) against
/// the hand-constructed workload. Skipped when the executable was not built.
final class ReportCommandTests: PostgresTestCase {
    private func settlementExecutable() throws -> URL {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidate = directory.appendingPathComponent("settlement")
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
            throw XCTSkip("\(candidate.path) not built (swift build --build-tests builds it)")
        }
        return candidate
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = try settlementExecutable()
        process.arguments = ["report"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = nil
        environment["SETTLEMENT_DATABASE_URL"] = nil
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    func testReportCommandPrintsTablesAndWritesHTML() async throws {
        _ = try settlementExecutable()
        let conn = try await connect()
        try await ReportFixture.install(on: conn)
        await conn.close()
        let html = NSTemporaryDirectory() + "report-\(ProcessInfo.processInfo.processIdentifier).html"
        defer { try? FileManager.default.removeItem(atPath: html) }

        let ok = try run(["--database-url", url, "--from", "2024-01-01T00:00:00.5Z", "--to", "2024-01-01 00:00:05",
                          "--bucket", "1s", "--html", html])
        XCTAssertEqual(ok.status, 0, ok.err)
        for value in ["batches                      4 (#1 to #4)", "39.7", "393.0", "host-b:50051", "leader changes in the range: 1",
                      "HTML report written to \(html)"] {
            XCTAssertTrue(ok.out.contains(value), "missing \(value) in:\n\(ok.out)")
        }
        let page = try String(contentsOfFile: html, encoding: .utf8)
        XCTAssertTrue(page.contains("<svg"), page)
        XCTAssertTrue(page.contains("<td class=\"n\">39.7</td>"), page)

        let reversed = try run(["--database-url", url, "--from", "2024-01-02", "--to", "2024-01-01"])
        XCTAssertEqual(reversed.status, 64)
        XCTAssertTrue(reversed.err.contains("must be before"), reversed.err)

        let badBucket = try run(["--database-url", url, "--from", "-1d", "--bucket", "1s"])
        XCTAssertEqual(badBucket.status, 64)
        XCTAssertTrue(badBucket.err.contains("more than the maximum of 10000"), badBucket.err)

        let noServer = try run(["--data-dir", NSTemporaryDirectory() + "no-engine-here"])
        XCTAssertEqual(noServer.status, 3)
        XCTAssertTrue(noServer.err.contains("is settlement-engine running"), noServer.err)
    }
}
