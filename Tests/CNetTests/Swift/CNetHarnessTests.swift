import CNetTestHarness
import XCTest

/// Runs one C test of the harness (Tests/CNetTests/Harness) and fails with its message.
private func runC(_ test: (UnsafeMutablePointer<CChar>?, Int) -> Int32,
                  file: StaticString = #filePath, line: UInt = #line) {
    var err = [CChar](repeating: 0, count: 512)
    let rc = err.withUnsafeMutableBufferPointer { test($0.baseAddress, $0.count) }
    if rc != 0 {
        let message = String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        XCTFail(message, file: file, line: line)
    }
}

/// The server's HTTP/2 session driven with bytes alone: the honest request and each protection
/// against a hostile peer (see session_tests.c for what every test plays).
final class CNetSessionTests: XCTestCase {
    func testValidRequestReachesTheOwner() { runC(cnet_test_session_valid_request) }
    func testBadPrefaceIsRefused() { runC(cnet_test_session_bad_preface) }
    func testOwnerRefusalResetsTheStream() { runC(cnet_test_session_owner_refusal) }
    func testHeaderListLimit() { runC(cnet_test_session_header_list_limit) }
    func testConcurrentStreamLimit() { runC(cnet_test_session_concurrent_stream_limit) }
    func testPerAddressStreamLimit() { runC(cnet_test_session_per_address_stream_limit) }
    func testPingFlood() { runC(cnet_test_session_ping_flood) }
    func testSettingsFlood() { runC(cnet_test_session_settings_flood) }
    func testRapidResetFlood() { runC(cnet_test_session_rst_flood) }
    func testStreamOutboundBudget() { runC(cnet_test_session_stream_budget) }
    func testConnectionOutboundBudget() { runC(cnet_test_session_connection_budget) }
    func testStreamIdleDeadline() { runC(cnet_test_session_stream_idle_deadline) }
    func testWriteStallDeadline() { runC(cnet_test_session_write_stall_deadline) }
    func testFirstRequestDeadline() { runC(cnet_test_session_first_request_deadline) }
    func testPrefaceDeadline() { runC(cnet_test_session_preface_deadline) }
}

/// loop.c by itself: handler pointers, posted items, dirty flushes, ticks and shutdown.
final class CNetLoopTests: XCTestCase {
    func testIOHandlerRuns() { runC(cnet_test_loop_io_handler) }
    func testPostAndDirty() { runC(cnet_test_loop_post_and_dirty) }
    func testTickHook() { runC(cnet_test_loop_tick_hook) }
    func testShutdownClosesAndDrops() { runC(cnet_test_loop_shutdown) }
}
