import XCTest
import ZK
@testable import Settlement
import SettlementTestSupport

/// The shielded lane through the engine (admission, the lane after the transfers, receipts), with
/// real depth-32 proofs: shield, send, unshield move the transparent balances exactly, and each
/// dishonest submission gets a REJECTED receipt with its reason while honest ones go through.
final class ShieldedEngineTests: XCTestCase {
    var keys: (proving: Groth16.ProvingKey, verifying: Groth16.PreparedVerifyingKey) { ShieldedVerifierTests.keys }
    let alice = try! SpendingKey.generate()
    let bob = try! SpendingKey.generate()
    let eve = try! SpendingKey.generate()

    func fixture(window: Int = 8, minimumFee: UInt64 = 1) -> EngineFixture {
        var f = EngineFixture(accounts: 3, balance: 1_000)
        var settings = ShieldedSettings(verifyingKey: keys.verifying.key)
        settings.rootWindow = window
        settings.minimumFee = minimumFee
        f.config.shielded = settings
        return f
    }

    /// The engine's note tree now (a wallet would rebuild it by scanning).
    func tree(_ e: SettlementEngine) -> NoteTree { e.state.withLock { $0.shielded.noteTree } }

    func makeShield(_ e: SettlementEngine, _ f: EngineFixture, account: Int = 0, value: UInt64, fee: UInt64 = 1,
                to key: SpendingKey, nonce: UInt64) throws -> ShieldedTransaction {
        try SpendBuilder.build(spendingKey: key, inputs: [], payments: [.init(to: key.address, value: value - fee)],
                               publicIn: value, fee: fee, party: .shieldFrom(key: f.keys[account], nonce: nonce),
                               root: tree(e).root, domain: f.domain, provingKey: keys.proving).transaction
    }

    func spend(_ e: SettlementEngine, _ f: EngineFixture, _ key: SpendingKey, _ found: (position: UInt32, note: Note),
               pay: [SpendBuilder.Payment], publicOut: UInt64 = 0, to recipient: Address? = nil, fee: UInt64 = 1,
               root: Fr? = nil, siblings: [Fr]? = nil) throws -> ShieldedTransaction {
        let t = tree(e)
        return try SpendBuilder.build(spendingKey: key,
                                      inputs: [.init(note: found.note, position: found.position,
                                                     siblings: siblings ?? t.path(at: Int(found.position))!)],
                                      payments: pay, publicOut: publicOut, fee: fee,
                                      party: recipient.map { .unshieldTo($0) } ?? .none,
                                      root: root ?? t.root, domain: f.domain, provingKey: keys.proving).transaction
    }

    /// The notes of `txs` that `key` opens, at their positions in the engine's tree.
    func scan(_ e: SettlementEngine, _ txs: [ShieldedTransaction], _ key: SpendingKey) -> [(position: UInt32, note: Note)] {
        let t = tree(e)
        var found: [(UInt32, Note)] = []
        for position in 0..<t.count {
            for tx in txs {
                for (cm, ct) in zip(tx.statement.commitments, tx.ciphertexts) where cm == t.commitment(at: position) {
                    if let note = try? NoteEncryption.open(try NoteCiphertext(bytes: ct), commitment: cm,
                                                           with: key.incomingViewingKey, owner: key.ownerKey) {
                        found.append((UInt32(position), note))
                    }
                }
            }
        }
        return found
    }

    func balance(_ e: SettlementEngine, _ a: Address) throws -> Settlement.UInt256 { try e.account(a).account.balance }

    /// Shield, send, unshield: each SEQUENCED, the transparent balances move by exactly the
    /// public amounts and fees, the pool account holds what is shielded, and the state root
    /// commits to the pool.
    func testShieldSendUnshieldMoveBalancesExactly() async throws {
        let f = fixture()
        let e = try await f.engine()
        let from = f.keys[0].address
        let shield = try makeShield(e, f, value: 100, fee: 2, to: alice, nonce: 0)
        let r1 = try await e.submitShieldedAndWait(shield)
        XCTAssertEqual(r1.status, .sequenced, r1.reason)
        XCTAssertEqual(r1.id, shield.id)
        XCTAssertEqual(try balance(e, from), 900)
        XCTAssertEqual(try balance(e, Address.shieldedPool), 98)
        XCTAssertEqual(try balance(e, f.config.feeAccount), 2)
        let head = e.shieldedHead
        XCTAssertEqual(head.roots.noteCount, 2)
        XCTAssertEqual(e.head.root, head.roots.stateRoot(accountRoot: e.state.withLock { $0.accountRoot }))
        XCTAssertTrue(try e.account(from).verify(), "account proofs verify against the composite root")
        // The finality engine hears of it (REVERTED and FINALIZED statuses follow commitments by
        // these ids), from the batches it holds and from the store alike.
        XCTAssertEqual(e.recentBatches.acceptedTransactionIds(from: r1.batchNumber, to: r1.batchNumber)?.map(\.id), [shield.id])

        let note = scan(e, [shield], alice).first { $0.note.value == 98 }!
        let send = try spend(e, f, alice, note, pay: [.init(to: bob.address, value: 60), .init(to: alice.address, value: 37)])
        let r2 = try await e.submitShieldedAndWait(send)
        XCTAssertEqual(r2.status, .sequenced, r2.reason)
        XCTAssertEqual(scan(e, [send], bob).map(\.note.value), [60])
        XCTAssertTrue(scan(e, [shield, send], eve).isEmpty, "nobody else finds a note")

        let recipient = f.keys[2].address
        let unshield = try spend(e, f, bob, scan(e, [send], bob)[0], pay: [], publicOut: 58, to: recipient, fee: 2)
        let r3 = try await e.submitShieldedAndWait(unshield)
        XCTAssertEqual(r3.status, .sequenced, r3.reason)
        XCTAssertEqual(try balance(e, recipient), 1_058)
        XCTAssertEqual(try balance(e, Address.shieldedPool), 98 - 1 - 58 - 2)
        XCTAssertEqual(try balance(e, f.config.feeAccount), 2 + 1 + 2)
        await e.stop()
    }

    /// Every dishonest submission is refused with its reason and the honest one still goes
    /// through: a garbage-proof copy of a victim's transaction sent first (same id), a forged
    /// proof, an inflating statement, a fee below the lane's minimum, a double spend across
    /// batches, and a stale root.
    func testDishonestSubmissionsAreRefusedWithTheirReasons() async throws {
        let f = fixture(window: 2, minimumFee: 1)
        let e = try await f.engine()
        let shield = try makeShield(e, f, value: 50, to: alice, nonce: 0)
        let r0 = try await e.submitShieldedAndWait(shield)
        XCTAssertEqual(r0.status, .sequenced, r0.reason)
        let note = scan(e, [shield], alice).first { $0.note.value == 49 }!
        let honest = try spend(e, f, alice, note, pay: [.init(to: bob.address, value: 48)])

        var copy = honest
        copy.proof = shield.proof
        XCTAssertEqual(copy.id, honest.id, "the id leaves the proof out")
        var inflated = honest
        inflated.statement.commitments[0] = NoteHashes.commitment(value: 1_000_000, owner: eve.ownerKey, randomness: Fr(5))
        // One client's three transactions verified together (one random linear combination,
        // bisected): the garbage copy comes first and shares the honest one's id.
        let receipts = Lock<[Int: Receipt]>([:])
        let done = AsyncStream<Void>.makeStream()
        let taken = try await e.submitShielded([copy, inflated, honest]) { i, r in
            let count = receipts.withLock { $0[i] = r; return $0.count }
            if count == 3 { done.continuation.finish() }
        }
        XCTAssertEqual(taken.map { $0 == nil }, [true, true, true])
        for await _ in done.stream {}
        let got = receipts.withLock { $0 }
        XCTAssertEqual(got[0]?.status, .rejected)
        XCTAssertEqual(got[0]?.reason, ShieldedRefusal.invalidProof.description)
        XCTAssertEqual(got[1]?.reason, ShieldedRefusal.invalidProof.description)
        XCTAssertEqual(got[2]?.status, .sequenced, "the copies did not block the owner: \(got[2]?.reason ?? "")")

        let free = try spend(e, f, alice, note, pay: [.init(to: bob.address, value: 49)], fee: 0)
        let rFree = try await e.submitShieldedAndWait(free)
        XCTAssertEqual(rFree.status, .rejected)
        XCTAssertTrue(rFree.reason.contains("below the shielded lane's minimum 1"), rFree.reason)

        let again = try spend(e, f, alice, note, pay: [.init(to: eve.address, value: 47)], fee: 2)
        let rAgain = try await e.submitShieldedAndWait(again)
        XCTAssertEqual(rAgain.status, .rejected)
        XCTAssertEqual(rAgain.reason, ShieldedRefusal.nullifierSpent.description)

        // Two more batches that move the tree push a root out of a window of two.
        let provenUnder = tree(e).root
        let stale = try makeShield(e, f, account: 1, value: 10, to: bob, nonce: 0)
        for nonce in [1, 2] as [UInt64] {
            let r = try await e.submitShieldedAndWait(try makeShield(e, f, value: 5, to: eve, nonce: nonce))
            XCTAssertEqual(r.status, .sequenced, r.reason)
        }
        XCTAssertFalse(e.shieldedHead.recentRoots.contains(provenUnder))
        let rStale = try await e.submitShieldedAndWait(stale)
        XCTAssertEqual(rStale.reason, ShieldedRefusal.staleRoot.description)
        XCTAssertEqual(try balance(e, f.keys[1].address), 1_000, "a refused shield moved nothing")
        await e.stop()
    }

    /// Two spends of one note submitted together: exactly one is SEQUENCED, the other refused as
    /// a double spend (in the same batch, or against the first's batch).
    func testConcurrentSpendsOfOneNoteSequenceExactlyOne() async throws {
        let f = fixture()
        let e = try await f.engine()
        let shield = try makeShield(e, f, value: 40, to: alice, nonce: 0)
        _ = try await e.submitShieldedAndWait(shield)
        let note = scan(e, [shield], alice).first { $0.note.value == 39 }!
        let a = try spend(e, f, alice, note, pay: [.init(to: bob.address, value: 38)])
        let b = try spend(e, f, alice, note, pay: [.init(to: eve.address, value: 38)])
        async let ra = e.submitShieldedAndWait(a)
        async let rb = e.submitShieldedAndWait(b)
        let receipts = try await [ra, rb]
        XCTAssertEqual(receipts.filter { $0.status == .sequenced }.count, 1, "\(receipts)")
        let refused = receipts.first { $0.status == .rejected }!
        XCTAssertTrue(refused.reason.hasPrefix("double spend"), refused.reason)
        await e.stop()
    }

    /// A rollback after a lost game (the chain reverted from a batch on) restores notes and
    /// nullifiers with the accounts: the state root is the one before, the spent note is
    /// spendable again, and reverting past the first shield empties the pool.
    func testARevertRestoresNotesAndNullifiers() async throws {
        let f = fixture()
        let e = try await f.engine()
        let shield = try makeShield(e, f, value: 70, to: alice, nonce: 0)
        let r1 = try await e.submitShieldedAndWait(shield)
        XCTAssertEqual(r1.status, .sequenced, r1.reason)
        let afterShield = (root: e.head.root, pool: e.shieldedHead.roots)
        let note = scan(e, [shield], alice).first { $0.note.value == 69 }!
        let send = try spend(e, f, alice, note, pay: [.init(to: bob.address, value: 68)])
        let r2 = try await e.submitShieldedAndWait(send)
        XCTAssertEqual(r2.status, .sequenced, r2.reason)
        XCTAssertTrue(send.statement.nullifiers.allSatisfy { n in e.state.withLock { $0.shielded.isSpent(n) } })

        // Subscribers hear REVERTED, then SEQUENCED anew: the engine offers the reverted spend to
        // the lane again by itself (its root is the current one again), as it does reverted transfers.
        let subscription = e.events.subscribe(ids: [send.id])
        // Checked while sequencing is still paused, before the offered spend can be sequenced.
        let seen = Lock<(root: Digest32, pool: ShieldedRoots, spent: Bool, queued: Int, offered: Int)?>(nil)
        try await e.revertChain(fromBatch: r2.batchNumber, commitmentIndex: nil) { revert in
            let spent = send.statement.nullifiers.contains { n in e.state.withLock { $0.shielded.isSpent(n) } }
            seen.withLock { $0 = (e.head.root, e.shieldedHead.roots, spent, e.shieldedQueue?.count ?? 0, revert.acceptedShielded.count) }
        }
        let paused = try XCTUnwrap(seen.withLock { $0 })
        XCTAssertEqual(paused.root, afterShield.root)
        XCTAssertEqual(paused.pool, afterShield.pool)
        XCTAssertFalse(paused.spent, "the reverted spend's nullifiers are unspent again")
        XCTAssertEqual(paused.offered, 1, "the revert carries the accepted lane transaction")
        XCTAssertEqual(paused.queued, 1, "and it waits in the lane's queue")
        // The spend's first SEQUENCED event may still arrive here: the engine publishes a batch's
        // events after answering its receipts, so the subscription can start before it. What
        // follows the revert starts with REVERTED.
        var statuses: [TransactionStatus] = []
        for try await event in subscription {
            if statuses.isEmpty && event.status != .reverted { continue }
            statuses.append(event.status)
            if event.status == .sequenced { break }
        }
        XCTAssertEqual(statuses, [.reverted, .sequenced])
        XCTAssertTrue(send.statement.nullifiers.allSatisfy { n in e.state.withLock { $0.shielded.isSpent(n) } })
        // The wallet's resubmission of it is answered with its new receipt.
        let again = try await e.submitShieldedAndWait(send)
        XCTAssertEqual(again.status, .sequenced, again.reason)

        // Back to before the shield: the pool is empty again. The shield is offered again (its
        // nonce is free again); the send is not: its root left the rolled-back window.
        let empty = Lock<(roots: ShieldedRoots, rootIsAccounts: Bool, from: Settlement.UInt256, held: Settlement.UInt256)?>(nil)
        let both = e.events.subscribe(ids: [shield.id, send.id])
        try await e.revertChain(fromBatch: r1.batchNumber, commitmentIndex: nil) { _ in
            let from = try? e.account(f.keys[0].address).account.balance, held = try? e.account(Address.shieldedPool).account.balance
            empty.withLock { $0 = (e.shieldedHead.roots, e.head.root == e.state.withLock { $0.accountRoot }, from ?? 0, held ?? 0) }
        }
        let before = try XCTUnwrap(empty.withLock { $0 })
        XCTAssertEqual(before.roots, .empty)
        XCTAssertTrue(before.rootIsAccounts, "an empty pool leaves the account root")
        XCTAssertEqual(before.from, 1_000)
        XCTAssertEqual(before.held, 0)
        var outcome: [Digest32: [TransactionStatus]] = [:]
        for try await event in both {
            if outcome[event.id] == nil && event.status != .reverted { continue }  // an earlier batch's late event
            outcome[event.id, default: []].append(event.status)
            if outcome[shield.id]?.last == .sequenced && outcome[send.id]?.last == .rejected { break }
        }
        XCTAssertEqual(outcome[shield.id], [.reverted, .sequenced])
        XCTAssertEqual(outcome[send.id], [.reverted, .rejected])
        await e.stop()
    }

    /// A restart rebuilds the pool from the store (the batches' shielded effects replayed, their
    /// recorded pool roots checked): the same state root, notes and spent set, and a retry of a
    /// sequenced transaction is answered with its stored receipt.
    func testARestartRebuildsThePoolAndAnswersRetries() async throws {
        let f = fixture()
        let store = InMemorySettlementStore()
        let e = try await f.engine(store: store)
        let shield = try makeShield(e, f, value: 30, to: alice, nonce: 0)
        let r1 = try await e.submitShieldedAndWait(shield)
        XCTAssertEqual(r1.status, .sequenced, r1.reason)
        let (root, pool) = (e.head.root, e.shieldedHead)
        await e.stop()

        let restarted = try await f.engine(store: store)
        XCTAssertEqual(restarted.head.root, root)
        XCTAssertEqual(restarted.shieldedHead.roots, pool.roots)
        XCTAssertEqual(Set(restarted.shieldedHead.recentRoots), Set(pool.recentRoots))
        XCTAssertTrue(shield.statement.nullifiers.allSatisfy { n in restarted.state.withLock { $0.shielded.isSpent(n) } })
        let retry = try await restarted.submitShieldedAndWait(shield)
        XCTAssertEqual(retry.status, .sequenced)
        XCTAssertEqual(retry.batchNumber, r1.batchNumber, "the stored receipt, not a second execution")
        let stored = try await restarted.status(of: shield.id)
        XCTAssertEqual(stored?.batchNumber, r1.batchNumber)
        await restarted.stop()
    }

    /// An engine without the lane refuses shielded submissions (it cannot verify them).
    func testAnEngineWithoutTheLaneRefuses() async throws {
        let f = EngineFixture(accounts: 1)
        let e = try await f.engine()
        // No proof is needed: nothing is verified by an engine that cannot.
        let statement = SpendStatement(root: NoteTree().root, nullifiers: [Fr(1), Fr(2)], commitments: [Fr(3), Fr(4)],
                                       publicIn: 0, publicOut: 0, fee: 1, binding: Fr(5))
        let tx = ShieldedTransaction(kind: .transfer, statement: statement,
                                     proof: Groth16.Proof(a: BN254G1.generator, b: BN254G2.generator, c: BN254G1.generator),
                                     ciphertexts: [[UInt8](repeating: 0, count: 121), [UInt8](repeating: 0, count: 121)])
        do {
            _ = try await e.submitShieldedAndWait(tx)
            XCTFail("accepted without a shielded lane")
        } catch {
            XCTAssertEqual("\(error)", SettlementEngine.noShieldedLane)
        }
        await e.stop()
    }
}
