import Logging
import Persistence
import PostgresDriver
import Settlement
import SimulatedL1
import XCTest

/// Forced inclusion end to end: a real engine on PostgreSQL, the L1 simulator (blocks produced by
/// hand), the inbox watcher and the finality engine. A user's forced transfer submitted to the
/// L1 inbox is sequenced once confirmed (a bad one is skipped with no effect), and the engine's
/// commitment, posted after the inclusion delay has passed, consumes both and is accepted; a
/// validator re-executing the posted data with the inbox read from the L1 gets the posted root.
final class InboxWatcherTests: PostgresTestCase {
    let submitter = Address(bytes: [UInt8](repeating: 0xd1, count: 20))!
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let bob = Address(bytes: [UInt8](repeating: 0xb0, count: 20))!
    let depth = 3
    let blockTimeMs: UInt64 = 12_000

    private func logger() -> Logger {
        var logger = Logger(label: "inbox-test")
        logger.logLevel = .critical
        return logger
    }

    func testTheHonestEngineIncludesForcedTransfersBeforeTheDeadlineAndItsCommitmentIsAccepted() async throws {
        var rng = SeededGenerator(seed: 17)
        let alice = PrivateKey.generate(using: &rng), mallory = PrivateKey.generate(using: &rng)
        var config = SettlementConfig()
        config.chainId = 1337
        config.batchSize = 50
        config.batchTimeoutMs = 5
        let genesis = Genesis(chainId: 1337, allocations: [(alice.address, UInt256(1_000))])
        let store = PostgresSettlementStore(conninfo: url, logger: logger())
        let engine = try SettlementEngine(config: config, genesis: genesis, store: store, logger: logger())
        try await engine.start()
        let rules = TransitionRules(domain: engine.domain, feeAccount: config.feeAccount, maxFee: config.maxFee)
        let delayMs = 8 * blockTimeMs
        let l1 = L1Simulator(conninfo: url, config: L1SimulatorConfig(
            seed: 5, blockTimeMs: blockTimeMs, genesisTimestampMs: 1_700_000_000_000,
            arbiter: L1ArbiterConfig(proposer: proposer, challengePeriodMs: 60 * blockTimeMs, rules: rules,
                                     inclusionDelayMs: delayMs),
            producerID: "test"))
        try await l1.open()
        let watcher = InboxWatcher(settings: InboxWatcher.Settings(confirmationDepth: depth), l1: l1, engine: engine, logger: logger())
        var settings = FinalityEngine.Settings(settlementInterval: .zero, confirmationDepth: depth, challengePeriodMs: 60 * blockTimeMs,
                                               maxBatchesPerCommitment: 100, proposer: proposer, bond: 1)
        settings.pollInterval = .milliseconds(10)
        let finality = FinalityEngine(settings: settings, l1: l1, store: store, domain: engine.domain, events: engine.events,
                                      durableHead: { engine.head.batch }, logger: logger(), reverter: engine)

        // Mallory forces a transfer out of alice's account (signed by mallory: skipped); alice
        // forces her own.
        let stolen = SignedTransfer.sign(Transfer(from: alice.address, to: mallory.address, value: 900, fee: 0, nonce: 0),
                                         domain: engine.domain, with: mallory)
        let own = SignedTransfer.sign(Transfer(from: alice.address, to: bob, value: 300, fee: 2, nonce: 0), domain: engine.domain, with: alice)
        _ = try await l1.submit(L1Transaction(sender: submitter, call: .submitToInbox(stolen), nonce: 1))
        _ = try await l1.submit(L1Transaction(sender: submitter, call: .submitToInbox(own), nonce: 2))
        _ = try await l1.produceBlock()
        let items = try await l1.inboxItems(fromID: 0, limit: 10)
        XCTAssertEqual(items.map(\.transfer), [stolen, own])

        // Blocks with a watcher pass after each, until both markers are durable.
        for _ in 0 ..< depth - 2 {
            _ = try await l1.produceBlock()
            try await watcher.step()
        }
        XCTAssertEqual(engine.consumedInboxItems, 0, "not sequenced before \(depth) confirmations")
        _ = try await l1.produceBlock()
        try await watcher.step()
        let bob = self.bob
        try await withTimeout {
            while try engine.account(bob).account.balance == 0 { try await Task.sleep(for: .milliseconds(5)) }
        }
        XCTAssertEqual(engine.consumedInboxItems, 2)
        XCTAssertEqual(try engine.account(alice.address).account, Account(balance: 698, nonce: 1))
        XCTAssertEqual(try engine.account(mallory.address).account.balance, 0, "the forged forced transfer had no effect")
        let markerStatus = try await engine.status(of: items[0].marker(domain: engine.domain).id)?.status
        XCTAssertEqual(markerStatus, .sequenced)
        try await withTimeout {
            while try await store.latestBatchNumber() ?? 0 < engine.head.batch { try await Task.sleep(for: .milliseconds(5)) }
        }

        // Past the inclusion delay: the engine's commitment consumes both and is accepted.
        for _ in 0 ..< 8 { _ = try await l1.produceBlock() }
        var posted: (commitment: L1Commitment, block: L1BlockHeader)?
        for _ in 0 ..< 20 where posted == nil {
            try await finality.step()
            _ = try await l1.produceBlock()
            posted = try await l1.commitments(fromIndex: 0).first
        }
        let commitment = try XCTUnwrap(posted, "the engine's commitment was not accepted")
        let arbiter = try await l1.arbiterState()
        XCTAssertEqual(arbiter.commitments.first?.inboxConsumed, 2)
        XCTAssertGreaterThanOrEqual(commitment.block.timestampMs, items[1].l1TimestampMs + delayMs, "posted after the deadline")

        // A validator's re-execution, with the inbox read from the L1 as `ValidatorNode` reads it.
        let posted0 = try await l1.commitmentData(index: 0)
        let data = try XCTUnwrap(posted0)
        let batches = try BatchData.decode(data).batches.map(\.transfers)
        let ledger = try await DepositLedger.reading(for: batches, includedIn: commitment.block.number, from: l1)
        var tree = SparseMerkleTree()
        tree.update([(address: alice.address, account: Account(balance: 1_000))])
        XCTAssertEqual(tree.root, commitment.commitment.prevRoot)
        XCTAssertEqual(CommitmentTrace.execute(batches, on: &tree, rules: rules, deposits: ledger).newRoot, commitment.commitment.newRoot)

        await engine.stop()
        await l1.close()
        await store.close()
    }
}
