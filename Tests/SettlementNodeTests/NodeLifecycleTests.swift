import Settlement
import SettlementNode
import SettlementTestSupport
import XCTest

/// The node's start and stop with its L1 duties in background tasks, as `settlement-engine` runs it.
final class NodeLifecycleTests: XCTestCase {
    /// Started, the node leads, posts a commitment of its durable batches and credits a confirmed
    /// deposit on its own; stopped, its tasks are over and the engine no longer takes transfers,
    /// with every sequenced batch durable in the store.
    func testStartRunsTheL1DutiesAndStopEndsThemBeforeTheEngine() async throws {
        let f = try NodeFixture(background: true)
        XCTAssertNil(f.node.l1Duties, "nothing runs against the L1 before start")
        try await f.node.start()
        XCTAssertTrue(f.engine.isLeader)
        XCTAssertNotNil(f.node.l1Duties)
        let sent = f.keys.indices.map { f.transfer($0, nonce: 0) }
        try await f.sequence(sent)
        try await eventually("a commitment is posted") { try await f.store.latestCommitment() != nil }
        try await f.deposit(to: f.keys[2].address, amount: 9, nonce: 1)
        for _ in 0 ..< 2 { await f.l1.produceBlock() }
        try await eventually("the deposit is credited") { f.engine.creditedDeposits == 1 }

        await f.node.stop()
        XCTAssertFalse(f.engine.isRunning)
        XCTAssertThrowsError(try f.engine.submit(f.transfer(0, nonce: 1)) { _ in }, "a stopped node takes nothing")
        let durable = try await f.store.latestBatchNumber()
        XCTAssertEqual(durable, f.engine.head.batch, "every sequenced batch is durable")
        XCTAssertTrue(f.node.revertHistory.isEmpty)
    }
}
