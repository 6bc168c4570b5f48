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

    /// An engine's chain with a shield, then a batch mixing a transfer, a shielded send and a
    /// shield the lane refuses (its account cannot pay it), then transfers over the used pool;
    /// returns the engine, the fixture, the store and the newest batch.
    func usedPoolChain() async throws -> (SettlementEngine, EngineFixture, InMemorySettlementStore, UInt64) {
        let f = engineTests.fixture(window: 8)
        let store = InMemorySettlementStore()
        let e = try await f.engine(store: store)
        let shield = try engineTests.makeShield(e, f, value: 100, fee: 2, to: alice, nonce: 0)
        let r0 = try await e.submitShieldedAndWait(shield)
        XCTAssertEqual(r0.status, .sequenced, r0.reason)
        let note = engineTests.scan(e, [shield], alice).first { $0.note.value == 98 }!
        let send = try engineTests.spend(e, f, alice, note, pay: [.init(to: bob.address, value: 90), .init(to: alice.address, value: 7)])
        // Account 2 holds 1,000: a shield of 5,000 passes admission (its proof is valid) and the
        // lane refuses it for the balance.
        let unpayable = try engineTests.makeShield(e, f, account: 2, value: 5_000, to: bob, nonce: 0)
        async let r1 = e.submitAndWait(f.transfer(from: 1, to: 2, value: 10, nonce: 0))
        async let r2 = e.submitShieldedAndWait(send)
        async let r3 = e.submitShieldedAndWait(unpayable)
        let (a, b, c) = try await (r1, r2, r3)
        XCTAssertEqual(a.status, .sequenced, a.reason)
        XCTAssertEqual(b.status, .sequenced, b.reason)
        XCTAssertEqual(c.status, .rejected, "the lane refuses a shield its account cannot pay")
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
        XCTAssertEqual(data.batches.flatMap(\.shielded).count, 3, "the finality store's data carries every lane transaction")
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
        XCTAssertEqual(laneRejections.filter { $0 != nil }.count, 1, "the unpayable shield is refused in the trace too")
        // The proposer's defense rebuilds the whole state (accounts and pool) after each batch
        // from the store, as the engine restarts, and proves from it.
        let loader = ProposerDefense.stateLoader(from: store, shieldedRootWindow: f.config.shielded!.rootWindow)
        for n in 1...head {
            let loaded = try await loader(n)
            XCTAssertEqual(loaded.root, trace.batches[Int(n) - 1].postRoot, "the state after batch \(n)")
        }
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
