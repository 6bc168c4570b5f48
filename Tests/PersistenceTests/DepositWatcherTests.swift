import Logging
import Persistence
import PostgresDriver
import Settlement
import SimulatedL1
import Synchronization
import XCTest

/// The deposit watcher with a real engine on PostgreSQL and the L1 simulator (blocks produced by
/// hand): deposits are credited only once confirmed; a deposit in blocks a reorg drops before
/// confirmation is credited exactly once after it is included again, and never when it is gone
/// for good; a new engine on the same database resumes from the state's bridge nonce; a reorg
/// deeper than the confirmation depth that changes a credited deposit is detected and reported.
final class DepositWatcherTests: PostgresTestCase {
    let depositor = Address(bytes: [UInt8](repeating: 0xd1, count: 20))!
    let bob = Address(bytes: [UInt8](repeating: 0xb0, count: 20))!
    let carol = Address(bytes: [UInt8](repeating: 0xca, count: 20))!
    let depth = 3

    private struct Setup {
        let store: PostgresSettlementStore
        let engine: SettlementEngine
        let l1: L1Simulator
        let watcher: DepositWatcher
        let lost: LostLog
    }

    final class LostLog: Sendable {
        private let entries = Lock<[DepositWatcher.LostDeposit]>([])
        func append(_ d: DepositWatcher.LostDeposit) { entries.withLock { $0.append(d) } }
        var all: [DepositWatcher.LostDeposit] { entries.withLock { $0 } }
    }

    private func logger() -> Logger {
        var logger = Logger(label: "deposit-test")
        logger.logLevel = .critical
        return logger
    }

    /// An engine on a fresh store of this database, the simulator (manual blocks) and a watcher
    /// confirming at `depth`.
    private func makeSetup() async throws -> Setup {
        var config = SettlementConfig()
        config.chainId = 1337
        config.batchSize = 50
        config.batchTimeoutMs = 5
        let genesis = Genesis(chainId: 1337, allocations: [(carol, UInt256(1_000))])
        let store = PostgresSettlementStore(conninfo: url, logger: logger())
        let engine = try SettlementEngine(config: config, genesis: genesis, store: store, logger: logger())
        try await engine.start()
        let l1 = L1Simulator(conninfo: url, config: L1SimulatorConfig(
            seed: 3, blockTimeMs: 12_000, genesisTimestampMs: 1_700_000_000_000,
            arbiter: L1ArbiterConfig(rules: TransitionRules(domain: engine.domain, feeAccount: config.feeAccount)), producerID: "test"))
        try await l1.open()
        let lost = LostLog()
        let watcher = DepositWatcher(settings: DepositWatcher.Settings(confirmationDepth: depth), l1: l1, engine: engine,
                                     logger: logger()) { d in lost.append(d) }
        return Setup(store: store, engine: engine, l1: l1, watcher: watcher, lost: lost)
    }

    private func tearDown(_ s: Setup) async {
        await s.engine.stop()
        await s.l1.close()
        await s.store.close()
    }

    private func deposit(_ s: Setup, to recipient: Address, _ amount: UInt256, nonce: UInt64) async throws {
        _ = try await s.l1.submit(L1Transaction(sender: depositor, call: .deposit(l2Recipient: recipient, amount: amount), nonce: nonce))
    }

    /// One watcher pass, then waits until every deposit it handed over has its receipt.
    private func step(_ s: Setup) async throws {
        try await s.watcher.step()
        try await withTimeout {
            while s.watcher.pendingCount > 0 { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    /// `n` blocks, each followed by a watcher pass.
    private func mine(_ s: Setup, _ n: Int) async throws {
        for _ in 0 ..< n {
            _ = try await s.l1.produceBlock()
            try await step(s)
        }
    }

    private func balance(_ s: Setup, _ a: Address) throws -> UInt256 { try s.engine.account(a).account.balance }

    func testADepositIsCreditedOnceConfirmedAndANewEngineResumesFromTheBridgeNonce() async throws {
        var s = try await makeSetup()
        try await deposit(s, to: bob, 100, nonce: 1)
        try await mine(s, 1)  // included: 1 confirmation
        let included = try await s.l1.deposits(fromID: 0, limit: 10)
        XCTAssertEqual(included.map(\.amount), [100])
        try await mine(s, depth - 2)  // depth - 1 confirmations
        XCTAssertEqual(s.engine.creditedDeposits, 0, "not credited before \(depth) confirmations")
        XCTAssertEqual(try balance(s, bob), 0)
        try await mine(s, 1)  // depth confirmations
        XCTAssertEqual(s.engine.creditedDeposits, 1)
        XCTAssertEqual(try balance(s, bob), 100)
        let id = included[0].transaction(domain: s.engine.domain).id
        let stored = try await s.engine.status(of: id)
        XCTAssertEqual(stored?.status, .sequenced)
        try await mine(s, 3)
        XCTAssertEqual(s.engine.creditedDeposits, 1, "credited once")

        // A new engine and watcher on the same database (a restart or a new leader).
        await s.engine.stop()
        await s.store.close()
        let l1 = s.l1
        s = try await makeSetup()
        await l1.close()
        XCTAssertEqual(s.engine.creditedDeposits, 1, "the bridge nonce is in the state")
        try await deposit(s, to: carol, 7, nonce: 2)
        try await mine(s, depth + 2)
        XCTAssertEqual(s.engine.creditedDeposits, 2)
        XCTAssertEqual(try balance(s, bob), 100, "deposit 0 is not credited again")
        XCTAssertEqual(try balance(s, carol), 1_007)
        XCTAssertTrue(s.lost.all.isEmpty)
        await tearDown(s)
    }

    func testADepositInBlocksDroppedBeforeConfirmationIsCreditedExactlyOnceAfterReinclusion() async throws {
        let s = try await makeSetup()
        try await mine(s, 2)
        try await deposit(s, to: bob, 40, nonce: 1)
        try await mine(s, depth - 1)  // one confirmation short
        let before = try await s.l1.deposits(fromID: 0, limit: 10)
        XCTAssertEqual(before.count, 1)
        // The deposit's block and the one after it are replaced; the deposit returns to the mempool.
        try await s.l1.reorg(depth: depth - 1, dropTransactions: false)
        try await step(s)
        let during = try await s.l1.deposits(fromID: 0, limit: 10)
        XCTAssertEqual(during.count, 0, "not on the canonical chain until included again")
        XCTAssertEqual(s.engine.creditedDeposits, 0)
        try await mine(s, 1)  // included again, in another block
        let again = try await s.l1.deposits(fromID: 0, limit: 10)
        XCTAssertEqual(again.map(\.amount), [40])
        XCTAssertNotEqual(again.first?.l1BlockHash, before.first?.l1BlockHash)
        XCTAssertEqual(s.engine.creditedDeposits, 0, "its new block is not confirmed yet")
        try await mine(s, depth + 3)
        XCTAssertEqual(s.engine.creditedDeposits, 1)
        XCTAssertEqual(try balance(s, bob), 40, "credited exactly once")
        XCTAssertTrue(s.lost.all.isEmpty)
        await tearDown(s)
    }

    func testADepositDroppedForGoodBeforeConfirmationIsNeverCredited() async throws {
        let s = try await makeSetup()
        try await mine(s, 1)
        try await deposit(s, to: bob, 40, nonce: 1)
        try await mine(s, depth - 1)
        try await s.l1.reorg(depth: depth - 1, dropTransactions: true)
        try await mine(s, depth + 3)
        let held = try await s.l1.deposits(fromID: 0, limit: 10)
        XCTAssertEqual(held.count, 0)
        XCTAssertEqual(s.engine.creditedDeposits, 0)
        XCTAssertEqual(try balance(s, bob), 0)
        await tearDown(s)
    }

    func testAReorgDeeperThanTheDepthThatChangesACreditedDepositIsDetected() async throws {
        let s = try await makeSetup()
        try await mine(s, 1)
        try await deposit(s, to: bob, 100, nonce: 1)
        try await mine(s, depth)
        XCTAssertEqual(s.engine.creditedDeposits, 1)
        let batch = try await s.engine.status(of: L1Deposit.transaction(id: 0, recipient: bob, amount: 100, domain: s.engine.domain).id)?
            .batchNumber
        XCTAssertNotNil(batch)
        // Deeper than the confirmation depth: the credited deposit's block is dropped for good,
        // and another deposit takes id 0 on the new branch.
        try await s.l1.reorg(depth: depth + 1, dropTransactions: true)
        try await deposit(s, to: carol, 55, nonce: 2)
        try await mine(s, 1)
        let lost = s.lost.all
        XCTAssertEqual(lost.map(\.depositId), [0])
        XCTAssertEqual(lost.first?.batch, batch)
        XCTAssertEqual(lost.first?.credited.amount, 100)
        XCTAssertEqual(lost.first?.current?.recipient, carol)
        XCTAssertEqual(s.watcher.lostDeposits.keys.sorted(), [0])
        // Reported once; the engine keeps running (the rollback is another component's job).
        try await mine(s, depth + 2)
        XCTAssertEqual(s.lost.all.count, 1)
        XCTAssertTrue(s.engine.isRunning)
        XCTAssertEqual(s.engine.creditedDeposits, 1, "the new deposit 0 is not credited as a second deposit 0")
        XCTAssertEqual(try balance(s, carol), 1_000)
        // What a chain rollback from that batch tells the watcher: the lost credit is forgotten.
        s.watcher.chainReverted(fromBatch: batch!)
        XCTAssertTrue(s.watcher.lostDeposits.isEmpty)
        await tearDown(s)
    }

    /// The same deep reorg, now with the rollback wired as `settlement-engine` wires it: the lost
    /// credit asks the finality engine for a rollback from its batch, which runs before anything is
    /// posted; the engine's revert tells the watcher, which credits deposit 0 again by the L1's
    /// current record (carol's, not bob's).
    func testACreditLostToADeepReorgIsRolledBackAndTheCurrentDepositCredited() async throws {
        let s = try await makeSetup()
        s.engine.onChainRevert { s.watcher.chainReverted(fromBatch: $0) }
        var settings = FinalityEngine.Settings(settlementInterval: .seconds(3_600), confirmationDepth: depth,
                                               challengePeriodMs: 60_000, maxBatchesPerCommitment: 100,
                                               proposer: depositor, bond: 1)
        settings.pollInterval = .milliseconds(10)
        let engine = s.engine
        let finality = FinalityEngine(settings: settings, l1: s.l1, store: s.store, domain: engine.domain, events: engine.events,
                                      durableHead: { engine.head.batch }, logger: logger(), reverter: engine)
        try await mine(s, 1)
        try await deposit(s, to: bob, 100, nonce: 1)
        try await mine(s, depth)
        let bobsCredit = L1Deposit.transaction(id: 0, recipient: bob, amount: 100, domain: engine.domain).id
        XCTAssertEqual(try balance(s, bob), 100)

        try await s.l1.reorg(depth: depth + 1, dropTransactions: true)
        try await deposit(s, to: carol, 55, nonce: 2)
        try await mine(s, 1)
        let lost = try XCTUnwrap(s.lost.all.first)
        finality.requestRollback(fromBatch: lost.batch)  // what the hook does in settlement-engine
        try await finality.step()
        let revert = try await s.store.latestRevert()
        XCTAssertEqual(revert?.fromBatch, lost.batch)
        XCTAssertEqual(s.engine.head.batch, lost.batch - 1)
        XCTAssertEqual(try balance(s, bob), 0, "bob's lost credit is undone")
        XCTAssertEqual(s.engine.creditedDeposits, 0)
        let status = try await s.engine.status(of: bobsCredit)?.status
        XCTAssertEqual(status, .reverted)

        try await mine(s, depth)
        XCTAssertEqual(s.engine.creditedDeposits, 1)
        XCTAssertEqual(try balance(s, carol), 1_055, "deposit 0 as the L1 holds it now")
        XCTAssertEqual(try balance(s, bob), 0)
        let carols = L1Deposit.transaction(id: 0, recipient: carol, amount: 55, domain: engine.domain).id
        let carolStatus = try await s.engine.status(of: carols)?.status
        XCTAssertEqual(carolStatus, .sequenced)
        await tearDown(s)
    }
}
