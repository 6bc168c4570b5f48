import Logging
import Persistence
import PostgresDriver
import Settlement
import SimulatedL1
import XCTest

/// The whole optimistic path with a running engine: the engine posts a wrong root (fault
/// injection), a validator wins the challenge game, the arbiter reverts the commitment, the
/// engine rolls its chain back, re-sequences the transactions (and its deposit watcher credits
/// the reverted deposit again), posts a new commitment that finalizes, and ends with the
/// balances of an honest replay. Real PostgreSQL, real signatures,
/// the L1 simulator with blocks produced by hand (one per round).
final class ChainRollbackTests: PostgresTestCase {
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let validatorAddress = Address(bytes: [UInt8](repeating: 0xcc, count: 20))!
    let blockTimeMs: UInt64 = 12_000

    /// The engine on PostgreSQL and an L1 simulator with small bonds and a clock for a whole game:
    /// the set-up both rollback tests start from.
    private func makeEngineAndL1(label: String, seed: UInt64) async throws
        -> (StoreTestChain, SettlementConfig, Logger, PostgresSettlementStore, SettlementEngine, TransitionRules, L1Simulator) {
        let chain = StoreTestChain(accounts: 8, balance: 1_000_000)
        var config = SettlementConfig()
        config.chainId = StoreTestChain.chainId
        config.feeAccount = StoreTestChain.feeAccount
        config.batchSize = 10
        config.batchTimeoutMs = 5
        var logger = Logger(label: label)
        logger.logLevel = .error
        let store = PostgresSettlementStore(conninfo: url, logger: logger)
        let engine = try SettlementEngine(config: config, genesis: chain.genesis, store: store, logger: logger)
        try await engine.start()
        let rules = TransitionRules(domain: engine.domain, feeAccount: config.feeAccount, maxFee: config.maxFee)
        let l1 = L1Simulator(conninfo: url, config: L1SimulatorConfig(
            seed: seed, blockTimeMs: blockTimeMs, genesisTimestampMs: 1_700_000_000_000,
            arbiter: L1ArbiterConfig(genesisRoot: chain.genesisRoot, proposer: proposer, minimumCommitmentBond: 1, minimumStake: 10,
                                     challengePeriodMs: 30 * blockTimeMs, clockMs: 40 * blockTimeMs, minimumChallengeBond: 2,
                                     rules: rules),
            producerID: "test"))
        try await l1.open()
        return (chain, config, logger, store, engine, rules, l1)
    }

    func testAWrongRootIsRolledBackResequencedAndTheNewCommitmentFinalizes() async throws {
        let (chain, config, logger, store, engine, rules, l1) = try await makeEngineAndL1(label: "rollback-test", seed: 3)
        var settings = FinalityEngine.Settings(settlementInterval: .zero, confirmationDepth: 2, challengePeriodMs: 30 * blockTimeMs,
                                               maxBatchesPerCommitment: 1_000, proposer: proposer, bond: 5)
        settings.faultInjectWrongRootAt = 0
        let defense = ProposerDefense(l1: l1, proposer: proposer, rules: rules,
                                      stateAfterBatch: ProposerDefense.stateLoader(from: store), logger: logger)
        let finality = FinalityEngine(settings: settings, l1: l1, store: store, domain: engine.domain, events: engine.events,
                                      durableHead: { engine.head.batch }, logger: logger, defense: defense, reverter: engine)
        let watcher = DepositWatcher(settings: DepositWatcher.Settings(confirmationDepth: 2), l1: l1, engine: engine,
                                     logger: logger)
        engine.onChainRevert { watcher.chainReverted(fromBatch: $0) }
        let validator = ValidatorNode(settings: ValidatorNode.Settings(address: validatorAddress, stake: 10, challengeBond: 2,
                                                                       rules: rules),
                                      l1: l1, genesisDiff: chain.genesisDiff, logger: logger)

        // 40 transfers, every key sending 5 in nonce order, in several batches.
        let keys = chain.keys
        func transfer(_ i: Int, _ n: UInt64) -> SignedTransfer {
            SignedTransfer.sign(Transfer(from: keys[i].address, to: keys[(i + 3) % keys.count].address,
                                         value: UInt256(100 + UInt64(i)), fee: 1, nonce: n),
                                domain: engine.domain, with: keys[i])
        }
        var sent: [SignedTransfer] = []
        for n in 0 ..< UInt64(5) { for i in keys.indices { sent.append(transfer(i, n)) } }
        let watched = sent[0].id
        let stream = engine.events.subscribe(ids: [watched])
        let collector = Task { () -> [TransactionStatus] in
            var seen: [TransactionStatus] = []
            for try await e in stream {
                seen.append(e.status)
                if e.status == .finalized { break }
            }
            return seen
        }
        // A deposit on L1, credited once confirmed (two blocks), between the transfers.
        let depositor = Address(bytes: [UInt8](repeating: 0xd1, count: 20))!
        _ = try await l1.submit(L1Transaction(sender: depositor, call: .deposit(l2Recipient: keys[5].address, amount: 777), nonce: 1))
        for (n, t) in sent.enumerated() {
            let r = try await withTimeout { try await engine.submitAndWait(t) }
            XCTAssertEqual(r.status, .sequenced, r.reason)
            if n == 10 {
                for _ in 0 ..< 2 { _ = try await l1.produceBlock() }
                try await watcher.step()
            }
        }
        try await withTimeout { while engine.creditedDeposits < 1 || watcher.pendingCount > 0 { try await Task.sleep(for: .milliseconds(5)) } }
        let credit = L1Deposit.transaction(id: 0, recipient: keys[5].address, amount: 777, domain: engine.domain)
        let firstChainHead = engine.head

        // Rounds until the chain was rolled back and a later commitment finalized past the head.
        var rolledBack: (id: UInt64, fromBatch: UInt64)?
        var finalized = false
        for _ in 0 ..< 400 where !finalized {
            try await validator.step()
            try await finality.step()
            try await watcher.step()
            try await l1.produceBlock()
            if rolledBack == nil { rolledBack = try await store.latestRevert() }
            if rolledBack != nil, let last = try await store.latestCommitment(), last.status == .finalized,
               last.commitment.lastBatch == engine.head.batch, try await engine.status(of: sent.last!.id)?.status == .finalized {
                finalized = true
            }
        }
        XCTAssertEqual(rolledBack?.fromBatch, 1, "the chain was rolled back to the genesis")
        XCTAssertTrue(finalized, "a new commitment finalized after the rollback")

        let l1Events = try await l1.receipts(fromBlock: 0, toBlock: try await l1.head().number).flatMap(\.events)
        XCTAssertTrue(l1Events.contains(.gameResolved(game: 0, winner: validatorAddress, loser: proposer, slashed: 5, toWinner: 2)),
                      "the validator won and the proposer was slashed")
        XCTAssertTrue(l1Events.contains(.commitmentsReverted(fromIndex: 0)))

        // The honest replay: every transfer, in submission order, from the genesis.
        let honest = StateManager()
        _ = honest.apply(diff: chain.genesisDiff)
        let pipeline = ValidationPipeline(domain: engine.domain, maxFee: config.maxFee)
        let validated = try sent.map { try pipeline.validate($0).get() }
            + [ValidatedTransfer(deposit: L1Deposit(id: 0, depositor: depositor, recipient: keys[5].address, amount: 777,
                                                    l1BlockNumber: 1, l1BlockHash: .zero), domain: engine.domain)]
        let replay = BatchExecutor(feeAccount: config.feeAccount).execute(validated, lookup: { honest.account($0) })
        XCTAssertTrue(replay.transactions.allSatisfy(\.accepted))
        let honestRoot = honest.apply(diff: replay.diff)
        XCTAssertEqual(engine.head.root, honestRoot, "the engine's state equals the honest replay")
        XCTAssertNotEqual(firstChainHead.batch, 0)
        for k in keys {
            XCTAssertEqual(try engine.account(k.address).account, honest.account(k.address))
        }
        let validatorRoot = await validator.root
        XCTAssertEqual(validatorRoot, honestRoot, "the validator accepted the new commitment")
        let latest = try await store.latestCommitment()
        XCTAssertEqual(latest?.commitment.newRoot, honestRoot)
        XCTAssertGreaterThanOrEqual(latest?.commitment.index ?? 0, 1, "the new commitment took a new index")

        // Every transfer was executed again and is final; the watcher saw the whole story.
        XCTAssertEqual(engine.creditedDeposits, 1, "the reverted deposit was credited again, once")
        for t in sent + [credit] {
            let status = try await engine.status(of: t.id)
            XCTAssertEqual(status?.status, .finalized, "\(t.id)")
        }
        // Cancelling the collector ends its stream, so a failure here cannot hang the run.
        let seen = try await withTimeout(60) {
            try await withTaskCancellationHandler { try await collector.value } onCancel: { collector.cancel() }
        }
        let revertedAt = try XCTUnwrap(seen.firstIndex(of: .reverted), "\(seen)")
        XCTAssertEqual(Array(seen[revertedAt...]), [.reverted, .sequenced, .posted, .l1Confirmed, .finalized], "\(seen)")
        XCTAssertTrue(seen[..<revertedAt].contains(.posted), "\(seen)")

        await engine.stop()
        await l1.close()
        await store.close()
    }

    /// Adversary: a replica (or whoever holds the cluster secret) forwards a
    /// transfer with a bad signature; the leader trusts forwards and sequences it; the honest
    /// validator disputes the commitment and wins. The rollback must re-validate the reverted
    /// transactions fully: the bad one is REJECTED (quarantined, naming the lost game) and never
    /// sequenced again — not re-posted to lose a second game — and forwarding it again is refused;
    /// every other transfer is re-sequenced and finalizes in the next commitment.
    func testABadForwardedTransferLosesOneGameIsQuarantinedAndNeverResequenced() async throws {
        let (chain, _, logger, store, engine, rules, l1) = try await makeEngineAndL1(label: "quarantine-test", seed: 5)
        let settings = FinalityEngine.Settings(settlementInterval: .zero, confirmationDepth: 2, challengePeriodMs: 30 * blockTimeMs,
                                               maxBatchesPerCommitment: 1_000, proposer: proposer, bond: 5)
        let defense = ProposerDefense(l1: l1, proposer: proposer, rules: rules,
                                      stateAfterBatch: ProposerDefense.stateLoader(from: store), logger: logger)
        let finality = FinalityEngine(settings: settings, l1: l1, store: store, domain: engine.domain, events: engine.events,
                                      durableHead: { engine.head.batch }, logger: logger, defense: defense, reverter: engine)
        let validator = ValidatorNode(settings: ValidatorNode.Settings(address: validatorAddress, stake: 10, challengeBond: 2,
                                                                       rules: rules),
                                      l1: l1, genesisDiff: chain.genesisDiff, logger: logger)
        let keys = chain.keys
        func forward(_ t: SignedTransfer) async throws -> Receipt {
            try await withTimeout(30) {
                try await withCheckedThrowingContinuation { (c: CheckedContinuation<Receipt, Error>) in
                    do { try engine.submitForwarded(t, verified: true) { c.resume(returning: $0) } } catch { c.resume(throwing: error) }
                }
            }
        }
        // Good transfers from keys 0, 2...7; the bad one moves key 1's funds, signed by key 7.
        var sent: [SignedTransfer] = []
        for n in 0 ..< UInt64(3) {
            for i in keys.indices where i != 1 {
                sent.append(SignedTransfer.sign(Transfer(from: keys[i].address, to: keys[(i + 3) % keys.count].address,
                                                         value: UInt256(100 + UInt64(i)), fee: 1, nonce: n),
                                                domain: engine.domain, with: keys[i]))
            }
        }
        let bad = SignedTransfer.sign(Transfer(from: keys[1].address, to: keys[7].address, value: 500_000, fee: 1, nonce: 0),
                                      domain: engine.domain, with: keys[7])
        let badEvents = engine.events.subscribe(ids: [bad.id])
        let collector = Task { () -> [(TransactionStatus, String)] in
            var seen: [(TransactionStatus, String)] = []
            for try await e in badEvents {
                seen.append((e.status, e.reason))
                if e.status == .rejected { break }
            }
            return seen
        }
        for (n, t) in sent.enumerated() {
            if n == 7 {
                let r = try await forward(bad)
                XCTAssertEqual(r.status, .sequenced, "a trusted forward skips the signature check: \(r.reason)")
            }
            let r = try await withTimeout { try await engine.submitAndWait(t) }
            XCTAssertEqual(r.status, .sequenced, r.reason)
        }

        var finalized = false
        for _ in 0 ..< 400 where !finalized {
            try await validator.step()
            try await finality.step()
            try await l1.produceBlock()
            if try await store.latestRevert() != nil, let last = try await store.latestCommitment(), last.status == .finalized,
               last.commitment.lastBatch == engine.head.batch, try await engine.status(of: sent.last!.id)?.status == .finalized {
                finalized = true
            }
        }
        XCTAssertTrue(finalized, "a commitment without the bad transfer finalized after the rollback")
        let reverts = try await store.reverts(after: 0)
        XCTAssertEqual(reverts.count, 1, "one lost game, not one per re-posting")
        let l1Events = try await l1.receipts(fromBlock: 0, toBlock: try await l1.head().number).flatMap(\.events)
        XCTAssertEqual(l1Events.filter { if case .gameResolved = $0 { true } else { false } }.count, 1, "games resolved")

        let seen = try await withTimeout(60) {
            try await withTaskCancellationHandler { try await collector.value } onCancel: { collector.cancel() }
        }
        let rejected = try XCTUnwrap(seen.last { $0.0 == .rejected }, "\(seen)")
        XCTAssertTrue(rejected.1.contains("quarantined") && rejected.1.contains("signature is by"), rejected.1)
        XCTAssertEqual(engine.quarantine.count, 1)
        let again = try await forward(bad)
        XCTAssertEqual(again.status, .rejected)
        XCTAssertTrue(again.reason.contains("quarantined"), again.reason)
        // The properly signed transfer with the same fields (same id) is not quarantined.
        let honestTwin = SignedTransfer.sign(bad.transfer, domain: engine.domain, with: keys[1])
        XCTAssertEqual(honestTwin.id, bad.id)
        XCTAssertNil(engine.quarantine.reason(for: honestTwin))

        // Key 1 never sent anything (nonce 0, and not 500,001 poorer); the validator follows the engine.
        let key1 = try engine.account(keys[1].address).account
        XCTAssertEqual(key1.nonce, 0)
        XCTAssertGreaterThanOrEqual(key1.balance, UInt256(1_000_000))
        let validatorRoot = await validator.root
        XCTAssertEqual(validatorRoot, engine.head.root)

        await engine.stop()
        await l1.close()
        await store.close()
    }
}
