import Settlement
import SettlementNode
import SettlementTestSupport
import XCTest

/// The node's single revert sequence, without PostgreSQL: the in-memory store and the pure
/// arbiter as the L1. Adversaries: a proposer posting a wrong root (fault injection: this node,
/// made dishonest), and an L1 reorg that takes back a deposit the node already credited.
final class NodeRevertTests: XCTestCase {
    /// The node posts a wrong root for commitment 0; the honest validator challenges it and wins;
    /// the arbiter reverts the commitment. The node reverts once, in order — watchers held, engine
    /// rolled back, watchers reset, finality noted, sequencing and watchers resumed — re-sequences
    /// every transfer and credits the reverted deposit again (only because the deposit watcher's
    /// cursor was reset), and a new commitment with the honest root finalizes.
    func testALostGameRevertsOnceInOrderAndTheResequencedChainFinalizes() async throws {
        let f = try NodeFixture(wrongRootAt: 0)
        try await f.node.start()
        var sent: [SignedTransfer] = []
        for n in 0 ..< UInt64(5) { for i in f.keys.indices { sent.append(f.transfer(i, nonce: n)) } }
        let watched = f.engine.events.subscribe(ids: [sent[0].id])
        let collector = Task { () -> [TransactionStatus] in
            var seen: [TransactionStatus] = []
            for try await e in watched {
                seen.append(e.status)
                if e.status == .finalized { break }
            }
            return seen
        }
        // A deposit credited between the transfers (two blocks deep).
        try await f.deposit(to: f.keys[5].address, amount: 777, nonce: 1)
        try await f.sequence(Array(sent[..<10]))
        for _ in 0 ..< 2 { await f.l1.produceBlock() }
        try await f.node.watcherStep()
        try await eventually("the deposit is credited") { f.engine.creditedDeposits == 1 && f.node.l1Duties!.deposits.pendingCount == 0 }
        try await f.sequence(Array(sent[10...]))
        let credit = L1Deposit.transaction(id: 0, recipient: f.keys[5].address, amount: 777, domain: f.domain)
        let firstHead = f.engine.head

        var finalized = false
        for _ in 0 ..< 400 where !finalized {
            try await f.round()
            if !f.store.chainReverts.isEmpty, let last = try await f.store.latestCommitment(), last.status == .finalized,
               last.commitment.lastBatch == f.engine.head.batch, try await f.engine.status(of: sent.last!.id)?.status == .finalized {
                finalized = true
            }
        }
        XCTAssertTrue(finalized, "a new commitment finalized after the rollback")
        let l1Events = try await f.l1.receipts(fromBlock: 0, toBlock: try await f.l1.head().number).flatMap(\.events)
        XCTAssertTrue(l1Events.contains(.gameResolved(game: 0, winner: f.validatorAddress, loser: f.proposer, slashed: 5, toWinner: 2)),
                      "the validator won and the proposer was slashed")

        // Exactly one revert, from the genesis, through the node's ordered sequence.
        XCTAssertEqual(f.store.chainReverts.count, 1)
        XCTAssertEqual(f.store.chainReverts.first?.fromBatch, 1)
        let history = f.node.revertHistory
        XCTAssertEqual(history.count, 1, "\(history)")
        XCTAssertEqual(history.first?.cause, .lostGame(commitment: 0))
        XCTAssertEqual(history.first?.steps, orderedRevertSteps(1))
        XCTAssertNil(history.first?.failure)
        XCTAssertGreaterThan(firstHead.batch, 0)

        // The re-sequenced chain is the honest one, the deposit credited again once.
        let honest = try f.honestRoot(sent, deposits: [L1Deposit(id: 0, depositor: f.depositor, recipient: f.keys[5].address, amount: 777,
                                                                  l1BlockNumber: 1, l1BlockHash: .zero)])
        XCTAssertEqual(f.engine.head.root, honest, "the engine's state equals the honest replay")
        XCTAssertEqual(f.engine.creditedDeposits, 1, "the reverted deposit was credited again, once")
        let validatorRoot = await f.validator.root
        XCTAssertEqual(validatorRoot, honest, "the validator accepted the new commitment")
        let latest = try await f.store.latestCommitment()
        XCTAssertEqual(latest?.commitment.newRoot, honest)
        XCTAssertGreaterThanOrEqual(latest?.commitment.index ?? 0, 1, "the new commitment took a new index")
        for t in sent + [credit] {
            let status = try await f.engine.status(of: t.id)
            XCTAssertEqual(status?.status, .finalized, "\(t.id)")
        }
        // The game was logged by the proposer defense.
        XCTAssertEqual(f.store.loggedChallenges[0]?.game.commitmentIndex, 0)
        let seen = try await collector.value
        let revertedAt = try XCTUnwrap(seen.firstIndex(of: .reverted), "\(seen)")
        XCTAssertEqual(Array(seen[revertedAt...]), [.reverted, .sequenced, .posted, .l1Confirmed, .finalized], "\(seen)")
        await f.node.stop()
    }

    /// A credited deposit is taken back by an L1 reorg deeper than the safe depth, and another
    /// deposit takes its id. The node's revert — the same ordered sequence as after a lost game —
    /// undoes the batch that credited it; the transfers after it are sequenced again, and the
    /// deposit the L1 now holds is credited instead (only because the watchers' cursors were reset).
    func testADepositLostToAnL1ReorgGoesThroughTheSameRevertSequence() async throws {
        let f = try NodeFixture()
        try await f.node.start()
        var sent: [SignedTransfer] = []
        for n in 0 ..< UInt64(3) { for i in f.keys.indices { sent.append(f.transfer(i, nonce: n)) } }
        try await f.sequence(Array(sent[..<8]))
        try await f.deposit(to: f.keys[5].address, amount: 777, nonce: 1)
        for _ in 0 ..< 2 { await f.l1.produceBlock() }
        try await f.node.watcherStep()
        try await eventually("the deposit is credited") { f.engine.creditedDeposits == 1 && f.node.l1Duties!.deposits.pendingCount == 0 }
        let lostCredit = L1Deposit.transaction(id: 0, recipient: f.keys[5].address, amount: 777, domain: f.domain)
        let creditStatus = try await f.engine.status(of: lostCredit.id)
        let creditBatch = try XCTUnwrap(creditStatus?.batchNumber)
        try await f.sequence(Array(sent[8...]))

        // The reorg drops the deposit's blocks; a different deposit is made and confirmed.
        try await f.l1.reorg(depth: 2, dropTransactions: true, extraBlocks: 1)
        try await f.deposit(to: f.keys[6].address, amount: 555, nonce: 2)
        for _ in 0 ..< 2 { await f.l1.produceBlock() }
        try await f.node.watcherStep()
        XCTAssertEqual(f.node.l1Duties?.deposits.lostDeposits[0]?.batch, creditBatch, "the watcher found the credit lost")
        XCTAssertTrue(f.node.revertHistory.isEmpty, "the rollback is the finality engine's next step, not the watcher's")

        try await f.node.l1Step()
        let history = f.node.revertHistory
        XCTAssertEqual(history.count, 1, "\(history)")
        XCTAssertEqual(history.first?.cause, .lostDeposit)
        XCTAssertEqual(history.first?.fromBatch, creditBatch)
        XCTAssertEqual(history.first?.steps, orderedRevertSteps(creditBatch))
        XCTAssertEqual(f.store.chainReverts.count, 1)

        let replacement = L1Deposit.transaction(id: 0, recipient: f.keys[6].address, amount: 555, domain: f.domain)
        try await eventually("the transfers and the deposit the L1 holds now are sequenced", polls: 2_000) {
            if f.engine.creditedDeposits < 1 { try await f.node.watcherStep() }
            for t in sent + [replacement] {
                let status = try await f.engine.status(of: t.id)?.status
                guard let status, [.sequenced, .posted, .l1Confirmed].contains(status) else { return false }
            }
            return true
        }
        XCTAssertEqual(f.engine.creditedDeposits, 1)
        let lostStatus = try await f.engine.status(of: lostCredit.id)
        XCTAssertEqual(lostStatus?.status, .reverted, "the lost credit is undone")
        let honest = try f.honestRoot(sent, deposits: [L1Deposit(id: 0, depositor: f.depositor, recipient: f.keys[6].address, amount: 555,
                                                                  l1BlockNumber: 1, l1BlockHash: .zero)])
        XCTAssertEqual(f.engine.head.root, honest, "the engine's state has the L1's deposit, not the lost one")
        XCTAssertEqual(f.node.revertHistory.count, 1, "one revert")
        await f.node.stop()
    }
}
