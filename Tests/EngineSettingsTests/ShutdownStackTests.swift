import Logging
@testable import SettlementEngineServer
import XCTest

/// The engine process stops what it started in the reverse order, with the grace it was given,
/// whether start-up failed half-way or a signal came.
final class ShutdownStackTests: XCTestCase {
    func testUnwindStopsNewestFirstWithTheGraceAndOnlyOnce() async {
        let stack = ShutdownStack(logger: Logger(label: "test"))
        let log = Log()
        for name in ["database", "store", "node", "servers"] {
            stack.push(name) { grace in log.append("\(name) \(grace)") }
        }
        await stack.unwind(grace: .seconds(10))
        await stack.unwind(grace: .zero)
        XCTAssertEqual(log.entries, ["servers 10.0 seconds", "node 10.0 seconds", "store 10.0 seconds", "database 10.0 seconds"])
    }

    func testAFailedStartUnwindsOnlyWhatStarted() async {
        let stack = ShutdownStack(logger: Logger(label: "test"))
        let log = Log()
        stack.push("database") { _ in log.append("database") }
        stack.push("store") { _ in log.append("store") }
        // The node failed to start: its stop was never pushed.
        await stack.unwind(grace: .zero)
        XCTAssertEqual(log.entries, ["store", "database"])
    }
}

private final class Log {
    private(set) var entries: [String] = []
    func append(_ s: String) { entries.append(s) }
}
