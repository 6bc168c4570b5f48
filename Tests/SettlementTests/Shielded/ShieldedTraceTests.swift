import XCTest
import ZK
@testable import Settlement
import SettlementTestSupport

/// The fraud-proof layer over batches with a shielded lane: a validator's re-execution of the
/// commitment data (transfers, then the lane, one transaction at a time) ends every batch at the
/// root the engine recorded, including lane transactions the lane refused; a one-step proof of a
/// transfer once the pool is used carries the pool's roots and proves state roots; and lane data
/// a dishonest proposer made up (a shield whose signature is not its account's) is refused by the
/// re-execution, never applied.
final class ShieldedTraceTests: XCTestCase {
    /// The engine tests' builders (shield, spend, scan), borrowed from an instance that runs nothing.
    let engineTests = ShieldedEngineTests(name: "builders", testClosure: { _ in })
    let alice = try! SpendingKey.generate()
    let bob = try! SpendingKey.generate()

    /// An engine's chain with a shield, then a transfer and a shielded send submitted together
    /// (one batch or two), then transfers over the used pool; returns the engine, the fixture,
    /// the store and the newest batch.
    func usedPoolChain(retainedBatches: Int? = nil) async throws -> (SettlementEngine, EngineFixture, InMemorySettlementStore, UInt64) {
        var f = engineTests.fixture(window: 8)
        if let retainedBatches {
            f.config.retainedBatches = retainedBatches
            f.config.maxConcurrentBatches = retainedBatches
        }
        let store = InMemorySettlementStore()
        let e = try await f.engine(store: store)
        let shield = try engineTests.makeShield(e, f, value: 100, fee: 2, to: alice, nonce: 0)
        let r0 = try await e.submitShieldedAndWait(shield)
        XCTAssertEqual(r0.status, .sequenced, r0.reason)
        let note = engineTests.scan(e, [shield], alice).first { $0.note.value == 98 }!
        let send = try engineTests.spend(e, f, alice, note, pay: [.init(to: bob.address, value: 90), .init(to: alice.address, value: 7)])
        async let r1 = e.submitAndWait(f.transfer(from: 1, to: 2, value: 10, nonce: 0))
        async let r2 = e.submitShieldedAndWait(send)
        let (a, b) = try await (r1, r2)
        XCTAssertEqual(a.status, .sequenced, a.reason)
        XCTAssertEqual(b.status, .sequenced, b.reason)
        let r4 = try await e.submitAndWait(f.transfer(from: 1, to: 0, value: 5, nonce: 1))
        XCTAssertEqual(r4.status, .sequenced, r4.reason)
        return (e, f, store, r4.batchNumber)
    }

    /// The state after the genesis, as the engine and a validator start.
    func genesisState(_ f: EngineFixture) -> RollupState {
        let genesis = StateManager(retainedBatches: 16, shieldedRootWindow: f.config.shielded!.rootWindow)
        genesis.apply(diff: f.genesis.stateDiff)
        return RollupState(genesis)
    }

    func testTheTraceOfBatchesWithALaneEndsEachBatchAtTheEngineRoot() async throws {
        let (e, f, store, head) = try await usedPoolChain()
        let data = try await store.batchData(from: 1, to: head)
        XCTAssertEqual(data.batches.flatMap(\.shielded).count, 2, "the finality store's data carries every lane transaction")
        XCTAssertEqual(e.recentBatches.batchData(from: 1, to: head)?.batches, data.batches,
                       "the batches held in memory give the same data as the store")
        var state = genesisState(f)
        let trace = CommitmentTrace.execute(data.batches, on: &state, rules: f.config.transitionRules(f.domain))
        for (k, batch) in trace.batches.enumerated() {
            let recorded = try await store.batch(UInt64(k + 1))!.newRoot
            XCTAssertEqual(batch.postRoot, recorded, "batch \(k + 1)")
        }
        XCTAssertEqual(trace.newRoot, e.head.root)
        XCTAssertEqual(state.shieldedRoots, e.shieldedHead.roots)
        let laneRejections = zip(data.batches, trace.batches).flatMap { batch, t in t.rejections[batch.transfers.count...] }
        XCTAssertEqual(laneRejections.filter { $0 != nil }.count, 0)
        // The proposer's defense rebuilds the whole state (accounts and pool) after each batch
        // from the store, as the engine restarts, and proves from it.
        let loader = ProposerDefense.stateLoader(from: store, shieldedRootWindow: f.config.shielded!.rootWindow)
        for n in 1...head {
            let loaded = try await loader(n)
            XCTAssertEqual(loaded.root, trace.batches[Int(n) - 1].postRoot, "the state after batch \(n)")
        }
        await e.stop()
    }

    /// A proof against a batch the engine no longer holds (a withdrawal claim's) is served from
    /// the state rebuilt from the store — accounts and pool — and carries the pool's roots.
    func testAHistoricalAccountProofOverAUsedPoolVerifiesAgainstTheRecordedRoot() async throws {
        let (e, f, store, head) = try await usedPoolChain(retainedBatches: 1)
        for n in 1..<head {
            let proof = try await e.historicalAccount(f.keys[0].address, atBatch: n)
            let recorded = try await store.batch(n)!.newRoot
            XCTAssertEqual(proof.root, recorded, "batch \(n)")
            XCTAssertTrue(proof.verify(), "batch \(n)")
            XCTAssertFalse(proof.shieldedRoots.isEmpty, "the pool is used from batch 1 on")
        }
        XCTAssertGreaterThan(e.historicalRebuilds, 0, "served by rebuilding, not from memory")
        await e.stop()
    }

    func testAOneStepProofOfATransferOverAUsedPoolProvesStateRoots() async throws {
        let (e, f, store, head) = try await usedPoolChain()
        await e.stop()
        let data = try await store.batchData(from: 1, to: head)
        let rules = f.config.transitionRules(f.domain)
        let player = GamePlayer(party: .challenger, batches: data.batches, preState: genesisState(f), rules: rules)
        let last = data.batches.count - 1
        let proof = try XCTUnwrap(player.proof(batch: last, index: 0))
        let pool = try XCTUnwrap(proof.pool, "the pool is used: the proof carries its roots")
        XCTAssertEqual(proof.preRoot, player.trace.batches[last].roots[0])
        let verifier = OneStepVerifier(rules: rules)
        let result = try verifier.verify(proof)
        XCTAssertTrue(result.accepted)
        XCTAssertEqual(result.postRoot, player.trace.batches[last].roots[1], "the verifier computes the state root after it")
        XCTAssertTrue(result.matchesClaim)
        XCTAssertEqual(try OneStepProof(serialized: proof.serialized), proof, "the encoding carries the pool's roots")

        // A prover lying about the accounts under the same pre-root, or about the pool's roots:
        // the roots no longer hash to the agreed root, so the proof proves nothing.
        let wrongAccounts = OneStepProof(transaction: proof.transaction, inclusion: proof.inclusion, preRoot: proof.preRoot,
                                         claimedPostRoot: proof.claimedPostRoot,
                                         pool: .init(accountRoot: Keccak256.hash(Array("other".utf8)), noteRoot: pool.noteRoot,
                                                     nullifierRoot: pool.nullifierRoot), witnesses: proof.witnesses)
        XCTAssertThrowsError(try verifier.verify(wrongAccounts))
        let wrongNotes = OneStepProof(transaction: proof.transaction, inclusion: proof.inclusion, preRoot: proof.preRoot,
                                      claimedPostRoot: proof.claimedPostRoot,
                                      pool: .init(accountRoot: pool.accountRoot, noteRoot: pool.noteRoot + Fr.one,
                                                  nullifierRoot: pool.nullifierRoot), witnesses: proof.witnesses)
        XCTAssertThrowsError(try verifier.verify(wrongNotes))
        // Dropping the pool's roots: the witnesses do not verify against the state root.
        let noPool = OneStepProof(transaction: proof.transaction, inclusion: proof.inclusion, preRoot: proof.preRoot,
                                  claimedPostRoot: proof.claimedPostRoot, witnesses: proof.witnesses)
        XCTAssertThrowsError(try verifier.verify(noPool))
        // The empty pool's roots are written as no roots: flag 1 with them is refused.
        let empty = ShieldedRoots.empty
        let emptyPool = OneStepProof(transaction: proof.transaction, inclusion: proof.inclusion, preRoot: pool.accountRoot,
                                     claimedPostRoot: proof.claimedPostRoot,
                                     pool: .init(accountRoot: pool.accountRoot, noteRoot: empty.noteRoot, nullifierRoot: empty.nullifierRoot),
                                     witnesses: proof.witnesses)
        XCTAssertThrowsError(try OneStepProof(serialized: emptyPool.serialized))
        XCTAssertThrowsError(try verifier.verify(emptyPool))

        // A lane transaction has no one-step proof yet: the player offers none rather than a wrong one.
        let laneBatch = try XCTUnwrap(data.batches.firstIndex { !$0.shielded.isEmpty })
        XCTAssertNil(player.proof(batch: laneBatch, index: data.batches[laneBatch].transfers.count))
    }

    /// The engine's batch execution (the executor over the whole batch, then the state manager,
    /// as the sequencer runs them) and the trace agree on a lane they refuse: a shield whose
    /// account a transfer of the same batch drained (admission saw the balance before), a second
    /// spend of a note in the same lane, a root that is not recent; and on the accepted ones
    /// around them. Same verdicts, same root.
    func testTheTraceAndTheEngineAgreeOnALaneTheyRefuse() throws {
        let f = engineTests.fixture(window: 2)
        let rules = f.config.transitionRules(f.domain)
        let engine = StateManager(retainedBatches: 16, shieldedRootWindow: 2)
        engine.apply(diff: f.genesis.stateDiff)
        let keys = engineTests.keys
        func shield(account: Int, value: UInt64, nonce: UInt64, root: Fr) throws -> ShieldedTransaction {
            try SpendBuilder.build(spendingKey: alice, inputs: [], payments: [.init(to: alice.address, value: value - 1)],
                                   publicIn: value, fee: 1, party: .shieldFrom(key: f.keys[account], nonce: nonce),
                                   root: root, domain: f.domain, provingKey: keys.proving).transaction
        }
        // Runs one batch through the engine's path and the trace; returns the verdicts.
        var traced = RollupState(engine)
        func run(_ transfers: [SignedTransfer], _ lane: [ShieldedTransaction]) -> [String?] {
            let validated = transfers.map { ValidatedTransfer(signed: $0, id: $0.id, receivedAt: .now) }
            var s = engine
            let r = BatchExecutor(feeAccount: f.config.feeAccount).execute(validated, shielded: lane, pool: s.shielded) { s.account($0) }
            let (root, _) = SettlementEngine.applyExecuted(r, lane: lane, to: &s)
            let trace = BatchTrace.execute(BatchData.Batch(number: 1, transfers: transfers, shielded: lane), on: &traced, rules: rules)
            XCTAssertEqual(trace.postRoot, root, "the trace ends the batch at the engine's root")
            XCTAssertEqual(trace.rejections.suffix(lane.count).map { $0 != nil }, r.shieldedVerdicts.map { $0 != nil })
            return r.shieldedVerdicts
        }
        let emptyRoot = engine.shielded.noteTree.root
        let first = try shield(account: 0, value: 50, nonce: 0, root: emptyRoot)
        XCTAssertEqual(run([], [first]), [nil])
        let afterFirst = engine.shielded.noteTree
        let note = (position: UInt32(0), note: try XCTUnwrap(NoteEncryption.open(try NoteCiphertext(bytes: first.ciphertexts[0]),
            commitment: first.statement.commitments[0], with: alice.incomingViewingKey, owner: alice.ownerKey)))
        func spendFirst(to key: SpendingKey) throws -> ShieldedTransaction {
            try SpendBuilder.build(spendingKey: alice, inputs: [.init(note: note.note, position: note.position,
                                                                      siblings: afterFirst.path(at: 0)!)],
                                   payments: [.init(to: key.address, value: 48)], fee: 1, party: .none,
                                   root: afterFirst.root, domain: f.domain, provingKey: keys.proving).transaction
        }
        let drain = f.transfer(from: 2, to: 1, value: 990, nonce: 0)
        let unfunded = try shield(account: 2, value: 100, nonce: 0, root: afterFirst.root)
        let spend = try spendFirst(to: bob), again = try spendFirst(to: alice)
        let verdicts = run([drain], [unfunded, spend, again])
        XCTAssertNotNil(verdicts[0], "the drained account cannot pay the shield")
        XCTAssertNil(verdicts[1])
        XCTAssertNotNil(verdicts[2], "the note is spent earlier in the lane")
        // Two more batches move the window (2 roots) past the empty tree's root.
        _ = run([f.transfer(from: 1, to: 0, value: 1, nonce: 0)], [])
        _ = run([f.transfer(from: 1, to: 0, value: 1, nonce: 1)], [])
        let stale = try shield(account: 0, value: 10, nonce: 1, root: emptyRoot)
        XCTAssertNotNil(run([], [stale])[0], "a root older than the window")
        XCTAssertEqual(traced.root, engine.root)
        XCTAssertEqual(traced.shieldedRoots, engine.shielded.roots)
    }

    /// A dishonest proposer's lane: a shield debiting account 0 but signed by account 1's key.
    /// The engine would never sequence it (admission checks the signature); the re-execution
    /// refuses it and leaves the state as it was.
    func testAShieldNotSignedByItsAccountIsRefusedByTheReexecution() async throws {
        let f = engineTests.fixture(window: 8)
        let e = try await f.engine()
        var forged = try engineTests.makeShield(e, f, account: 0, value: 100, to: alice, nonce: 0)
        await e.stop()
        forged.shield!.signature = ShieldedTransaction.shieldSignature(statement: forged.statement, from: f.keys[0].address,
                                                                       nonce: 0, domain: f.domain, key: f.keys[1])
        var state = genesisState(f)
        let before = state.root
        let trace = BatchTrace.execute(BatchData.Batch(number: 1, transfers: [], shielded: [forged]), on: &state,
                                       rules: f.config.transitionRules(f.domain))
        XCTAssertNotNil(trace.rejections[0])
        XCTAssertTrue(trace.rejections[0]!.contains("signed by"), trace.rejections[0]!)
        XCTAssertEqual(trace.postRoot, before)
        XCTAssertEqual(state.root, before)
        XCTAssertEqual(state.accounts.account(f.keys[0].address)?.balance, 1_000)
    }
}
