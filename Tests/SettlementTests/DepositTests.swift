import XCTest
@testable import Settlement
import SettlementTestSupport

/// Deposits as L2 transactions: the executor's deposit rule (credit, no fee, bridge nonce; a repeat
/// or a gap refused, an overflow refunded to the recipient's exit), the API refusing bridge transfers, the data encoding,
/// the one-step proof checking deposits against the arbiter's ledger, an invented deposit losing
/// its fraud-proof game, and the engine's deposit path.
final class DepositTests: XCTestCase {
    let bob = Address(bytes: [UInt8](repeating: 0xb0, count: 20))!
    let carol = Address(bytes: [UInt8](repeating: 0xca, count: 20))!
    let fee = Address(hex: "0x00000000000000000000000000000000000fee00")!
    let depositor = Address(bytes: [UInt8](repeating: 0xd1, count: 20))!

    func deposit(_ id: UInt64, to recipient: Address, _ amount: UInt256) -> L1Deposit {
        L1Deposit(id: id, depositor: depositor, recipient: recipient, amount: amount, l1BlockNumber: 3, l1BlockHash: .zero)
    }

    func validated(_ d: L1Deposit) -> ValidatedTransfer { ValidatedTransfer(deposit: d, domain: .test) }

    /// Adversary: a depositor (or a genesis) that makes a recipient's balance overflow, so that
    /// deposit `k` can never be credited and, with the bridge nonce stuck at `k`, no later deposit
    /// either. The overflowing deposit is consumed and refunded to the recipient's exit address.
    func testTheExecutorCreditsADepositRefusesARepeatAndAGapAndRefundsAnOverflow() {
        let executor = BatchExecutor(feeAccount: fee)
        let start: [Address: Account] = [carol: Account(balance: UInt256.max - 5, nonce: 4)]
        let r = executor.execute([validated(deposit(0, to: bob, 100)), validated(deposit(0, to: bob, 100)),
                                  validated(deposit(2, to: bob, 7)), validated(deposit(1, to: carol, 6)),
                                  validated(deposit(2, to: bob, 9))],
                                 lookup: { start[$0] })
        XCTAssertEqual(r.transactions.map(\.accepted), [true, false, false, true, true])
        XCTAssertEqual(r.transactions[1].reason, "deposit nonce 0 does not match the bridge nonce 1")
        XCTAssertEqual(r.transactions[2].reason, "deposit nonce 2 does not match the bridge nonce 1")
        XCTAssertEqual(r.transactions[3].reason, BatchExecutor.depositRefunded)
        let after = Dictionary(uniqueKeysWithValues: r.diff.entries.map { ($0.address, $0.account) })
        XCTAssertEqual(after[.bridge], Account(balance: 0, nonce: 3), "the bridge nonce counts consumed deposits")
        XCTAssertEqual(after[bob], Account(balance: 109, nonce: 0), "credited, nonce untouched; the deposit after the refund too")
        XCTAssertNil(after[fee], "a deposit pays no fee")
        XCTAssertEqual(after[carol], start[carol], "the overflowing recipient is untouched")
        XCTAssertEqual(after[Withdrawals.exitAddress(for: carol, in: .test)], Account(balance: 6, nonce: 0),
                       "refunded to carol's exit address: claimable on L1 as a withdrawal")
    }

    /// The refund is the same rule in the executor and the one-step verifier: the honest proof of
    /// a refunded deposit verifies (three witnesses: bridge, recipient, exit) and a proposer that
    /// treats the deposit as rejected (no effect, the bridge nonce stuck) loses; a deposit neither
    /// the recipient nor its exit can hold is consumed with nothing credited, in both.
    func testARefundedDepositIsProvenAndAStuckBridgeLoses() throws {
        let f = FraudProofFixture(seed: 13)
        let rich = f.keys[f.keys.count - 1].address
        XCTAssertGreaterThan(f.tree.account(rich)?.balance ?? .zero, UInt256.max - 1_000, "the fixture's last key holds nearly 2^256")
        let d = deposit(0, to: rich, 1_000)
        let ledger = DepositLedger([d])
        let tx = d.transaction(domain: f.rules.domain)
        let executor = BatchExecutor(feeAccount: f.rules.feeAccount)
        let executed = executor.execute([ValidatedTransfer(deposit: d, domain: f.rules.domain)], lookup: { f.tree.account($0) })
        XCTAssertEqual(executed.transactions.map(\.reason), [BatchExecutor.depositRefunded])
        var tree = f.tree
        let trace = BatchTrace.execute([tx], on: &tree, rules: f.rules, deposits: ledger)
        XCTAssertEqual(trace.rejections, [nil])
        var fromExecutor = f.tree
        _ = fromExecutor.update(executed.diff)
        XCTAssertEqual(fromExecutor.root, trace.postRoot, "executor and verifier agree on the refund")
        XCTAssertEqual(tree.account(Withdrawals.exitAddress(for: rich, in: .test))?.balance, 1_000)
        XCTAssertEqual(tree.account(.bridge)?.nonce, 1)

        let proof = OneStepProof.make(tx, on: f.tree, rules: f.rules, deposits: ledger)
        XCTAssertEqual(proof.witnesses.count, 3, "bridge, recipient, exit")
        let verified = try OneStepVerifier(rules: f.rules, deposits: ledger).verify(OneStepProof(serialized: proof.serialized))
        XCTAssertTrue(verified.accepted)
        XCTAssertTrue(verified.matchesClaim)
        // The old rule's claim (no effect: the deposit rejected, the bridge stuck) does not verify.
        let stuck = OneStepProof(transaction: tx, preRoot: f.tree.root, claimedPostRoot: f.tree.root, witnesses: proof.witnesses)
        XCTAssertFalse(try OneStepVerifier(rules: f.rules, deposits: ledger).verify(stuck).matchesClaim)

        // Unpayable: the exit cannot hold it either. Consumed, nothing credited, in both executors.
        var full = f.tree
        _ = full.update([(address: Withdrawals.exitAddress(for: rich, in: .test), account: Account(balance: UInt256.max - 10))])
        let unpayable = executor.execute([ValidatedTransfer(deposit: d, domain: f.rules.domain)], lookup: { full.account($0) })
        XCTAssertEqual(unpayable.transactions.map(\.reason), [BatchExecutor.depositUnpayable])
        var replay = full
        let unpayableTrace = BatchTrace.execute([tx], on: &replay, rules: f.rules, deposits: ledger)
        XCTAssertEqual(replay.account(.bridge)?.nonce, 1)
        XCTAssertEqual(replay.account(rich), full.account(rich))
        let p = OneStepProof.make(tx, on: full, rules: f.rules, deposits: ledger)
        let v = try OneStepVerifier(rules: f.rules, deposits: ledger).verify(p)
        XCTAssertEqual(v.postRoot, unpayableTrace.postRoot)
        XCTAssertTrue(v.matchesClaim)
    }

    func testTheAPIRefusesTransfersFromTheBridge() {
        let pipeline = ValidationPipeline(domain: .test, maxFee: 1_000)
        let forged = SignedTransfer(transfer: Transfer(from: .bridge, to: bob, value: 1_000, fee: 0, nonce: 0), domain: .test,
                                    signature: [UInt8](repeating: 7, count: 65))
        for verify in [true, false] {
            guard case .failure(let f) = pipeline.validate(forged, verifySignature: verify) else { return XCTFail("accepted") }
            XCTAssertEqual(f.reason, "deposits come only from the L1 bridge")
        }
        guard case .failure(let f) = pipeline.validate(deposit(0, to: bob, 1).transaction(domain: .test)) else {
            return XCTFail("a deposit transaction was accepted through validation")
        }
        XCTAssertEqual(f.reason, ValidationPipeline.bridgeRejection)
    }

    func testBatchDataCarriesDepositsWithoutASignature() throws {
        let f = FraudProofFixture(seed: 5)
        let transfers = [deposit(0, to: bob, 12).transaction(domain: .test), f.sign(1, to: bob, value: 3, nonce: 0),
                         deposit(1, to: f.keys[1].address, UInt256.max).transaction(domain: .test)]
        let data = BatchData.encode([BatchData.Batch(number: 4, transfers: transfers)], domain: .test)
        let decoded = try BatchData.decode(data)
        XCTAssertEqual(decoded.batches, [BatchData.Batch(number: 4, transfers: transfers)])
        XCTAssertEqual(decoded.batches[0].transfers.map(\.id), transfers.map(\.id))
        XCTAssertEqual(decoded.batches[0].transfers[0].signature, [])
        // The id a client computes from the deposit id, recipient and amount.
        XCTAssertEqual(transfers[0].id, L1Deposit.transaction(id: 0, recipient: bob, amount: 12, domain: .test).id)
        XCTAssertNotEqual(transfers[0].id, deposit(1, to: bob, 12).transaction(domain: .test).id, "unique per deposit id")
    }

    func testTheOneStepProofOfADepositNeedsTheL1Record() throws {
        let f = FraudProofFixture(seed: 9)
        let real = deposit(0, to: f.strangers[0], 500)
        let ledger = DepositLedger([real])
        let tx = real.transaction(domain: f.rules.domain)
        var tree = f.tree
        let trace = BatchTrace.execute([tx], on: &tree, rules: f.rules, deposits: ledger)
        XCTAssertEqual(trace.rejections, [nil])
        XCTAssertEqual(tree.account(f.strangers[0]), Account(balance: 500))
        XCTAssertEqual(tree.account(.bridge), Account(balance: 0, nonce: 1))

        let proof = OneStepProof.make(tx, on: f.tree, rules: f.rules, deposits: ledger)
        XCTAssertEqual(proof.witnesses.count, 2, "bridge and recipient; no fee account")
        let result = try OneStepVerifier(rules: f.rules, deposits: ledger).verify(proof)
        XCTAssertTrue(result.accepted)
        XCTAssertEqual(result.postRoot, trace.postRoot)
        XCTAssertTrue(result.matchesClaim)
        // Proven through the serialized form too (what the arbiter receives).
        XCTAssertEqual(try OneStepVerifier(rules: f.rules, deposits: ledger).verify(OneStepProof(serialized: proof.serialized)), result)

        // Without the L1 record, or with another amount, it is rejected and changes nothing.
        for (ledger, reason) in [(DepositLedger.none, "no deposit 0 on L1"),
                                 (DepositLedger([deposit(0, to: f.strangers[0], 501)]),
                                  "deposit 0 on L1 is 501 to \(f.strangers[0]), not 500 to \(f.strangers[0])")] {
            let invented = OneStepProof.make(tx, on: f.tree, rules: f.rules, deposits: ledger)
            let r = try OneStepVerifier(rules: f.rules, deposits: ledger).verify(invented)
            XCTAssertEqual(r.rejection, reason)
            XCTAssertEqual(r.postRoot, f.tree.root)
            // A claim that it was credited does not match the verifier's post-root.
            let lie = OneStepProof(transaction: tx, preRoot: f.tree.root, claimedPostRoot: trace.postRoot, witnesses: [])
            XCTAssertFalse(try OneStepVerifier(rules: f.rules, deposits: ledger).verify(lie).matchesClaim)
        }
        // A deposit transaction with a fee or a signature is not a deposit.
        let withFee = SignedTransfer(transfer: Transfer(from: .bridge, to: f.strangers[0], value: 500, fee: 1, nonce: 0),
                                     domain: f.rules.domain, signature: [])
        XCTAssertEqual(f.rules.statelessRejection(withFee, deposits: ledger), "a deposit pays no fee")
    }

    /// The proposer credits a deposit nobody made on L1 (next to a real one); the honest challenger,
    /// judging deposits by the arbiter's record, disputes it and wins by one-step proof.
    func testAnInventedDepositLosesTheFraudProofGame() {
        let f = FraudProofFixture(seed: 31)
        let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
        let challenger = Address(bytes: [UInt8](repeating: 0xcc, count: 20))!
        let window: UInt64 = 10_000
        var chain = ArbiterChain(config: L1ArbiterConfig(
            genesisRoot: f.tree.root, proposer: proposer, minimumCommitmentBond: 100, minimumStake: 50,
            challengePeriodMs: 1_000_000, clockMs: window, minimumChallengeBond: 10, rules: f.rules))
        XCTAssertEqual(chain.send(.deposit(l2Recipient: f.strangers[1], amount: 700), by: depositor),
                       [.depositMade(id: 0, l2Recipient: f.strangers[1], amount: 700)])
        let real = chain.state.deposits[0]
        let invented = deposit(1, to: f.keys[2].address, 1_000_000)
        let batches = [[f.sign(1, to: bob, value: 5, nonce: 0), real.transaction(domain: .test)],
                       [invented.transaction(domain: .test), f.sign(2, to: bob, value: 1_500_000, nonce: 0)]]
        XCTAssertEqual(f.rules.statelessRejection(batches[1][0], deposits: chain.state.depositLedger), "no deposit 1 on L1")

        // The proposer's trace credits both (its ledger holds the invented one).
        let believed = DepositLedger([real, invented])
        let proposerPlayer = GamePlayer(party: .proposer, batches: batches, preState: f.tree, rules: f.rules, deposits: believed)
        XCTAssertEqual(proposerPlayer.trace.batches[1].rejections, [nil, nil], "the invented credit pays the second transfer")
        let challengerPlayer = GamePlayer(party: .challenger, batches: batches, preState: f.tree, rules: f.rules,
                                          deposits: chain.state.depositLedger)
        XCTAssertEqual(challengerPlayer.trace.batches[0].rejections, [nil, nil], "the real deposit is credited")
        XCTAssertEqual(challengerPlayer.trace.batches[1].rejections.map { $0 != nil }, [true, true])
        XCTAssertNotEqual(proposerPlayer.trace.newRoot, challengerPlayer.trace.newRoot)

        let data = BatchData.encode(batches.enumerated().map { BatchData.Batch(number: UInt64($0.offset) + 1, transfers: $0.element) },
                                    domain: .test)
        let c = L1Commitment(index: 0, firstBatch: 1, lastBatch: 2, prevRoot: f.tree.root, newRoot: proposerPlayer.trace.newRoot,
                             dataRoot: committedRoot(data))
        chain.send(.registerValidator(stake: 60), by: challenger)
        XCTAssertEqual(chain.send(.postCommitment(c, data: data, bond: 100), by: proposer), [.commitmentPosted(c, proposer: proposer)])
        XCTAssertEqual(chain.send(.openChallenge(commitment: 0, claimedRoot: challengerPlayer.trace.newRoot, bond: 10), by: challenger),
                       [.challengeOpened(game: 0, commitment: 0, challenger: challenger, proposer: proposer)])
        var end: [L1Event] = []
        var disputed: (batch: UInt64, index: Int)?
        var proposerProofRefusal: String?
        for _ in 0 ..< 200 {
            guard let record = chain.state.game(0), record.isOpen else { break }
            disputed = FraudProof.disputedTransaction(of: record.game, in: c) ?? disputed
            var moved = false
            for (player, sender) in [(proposerPlayer, proposer), (challengerPlayer, challenger)] {
                guard let call = player.nextCall(for: chain.state.game(0)!, atMs: chain.nowMs + 1_000) else { continue }
                end = chain.send(call, by: sender)
                if sender == proposer, case .proveOneStep = call, let reason = ArbiterChain.revertReason(end) {
                    proposerProofRefusal = reason  // its proof credits the deposit: the arbiter refuses it
                } else {
                    XCTAssertNil(ArbiterChain.revertReason(end), "\(call): \(end)")
                }
                moved = true
                if !chain.state.game(0)!.isOpen { break }
            }
            if !moved { chain.send(.claimTimeout(game: 0), by: depositor, advanceMs: window) }
        }
        XCTAssertEqual(proposerProofRefusal, "expected 0 witnesses, got 2",
                       "the proposer's proof of its credit does not verify (the deposit is rejected before any witness)")
        XCTAssertEqual(chain.state.game(0)?.game.result?.winner, .challenger)
        XCTAssertEqual(chain.state.game(0)?.game.result?.by, .oneStepProof)
        XCTAssertEqual(disputed.map { [$0.batch, UInt64($0.index)] }, [2, 0],
                       "the game ends at the invented deposit")
        XCTAssertTrue(end.contains(.commitmentsReverted(fromIndex: 0)))
        XCTAssertTrue(chain.state.commitments[0].reverted)
    }

    func testTheEngineCreditsDepositsOnceAndAnswersLikeAnyTransaction() async throws {
        let f = EngineFixture()
        let engine = try await f.engine()
        XCTAssertEqual(engine.creditedDeposits, 0)
        let d0 = deposit(0, to: bob, 250), d1 = deposit(1, to: f.keys[0].address, 50)
        let receipts = ReceiptLog()
        XCTAssertEqual(engine.enqueueDeposits([d0, d1]) { d, r in receipts.add(d.id, r) }, 2)
        let first = await receipts.wait(count: 2)
        XCTAssertEqual(first.map(\.1.status), [.sequenced, .sequenced])
        XCTAssertEqual(first.map(\.1.id).sorted(), [d0, d1].map { $0.transaction(domain: f.domain).id }.sorted())
        XCTAssertEqual(engine.creditedDeposits, 2)
        XCTAssertEqual(try engine.account(bob).account, Account(balance: 250, nonce: 0))
        XCTAssertEqual(try engine.account(f.keys[0].address).account.balance, 1_000_050)
        let stored = try await engine.status(of: d0.transaction(domain: f.domain).id)
        XCTAssertEqual(stored?.status, .sequenced)

        // Offered again: answered with the stored receipt, never credited twice.
        XCTAssertEqual(engine.enqueueDeposits([d0]) { d, r in receipts.add(d.id, r) }, 1)
        let again = await receipts.wait(count: 3)
        XCTAssertEqual(again[2].1.status, .sequenced)
        XCTAssertEqual(again[2].1.batchNumber, first.first { $0.0 == 0 }!.1.batchNumber)
        XCTAssertEqual(try engine.account(bob).account.balance, 250)
        XCTAssertEqual(engine.creditedDeposits, 2)

        // Through the API a bridge transfer is refused.
        let r = try await engine.submitAndWait(deposit(2, to: bob, 1_000).transaction(domain: f.domain))
        XCTAssertEqual(r.status, .rejected)
        XCTAssertEqual(r.reason, "deposits come only from the L1 bridge")
        XCTAssertEqual(engine.creditedDeposits, 2)
        await engine.stop()
    }
}

/// Deposit receipts collected from the engine's callbacks, awaited by count.
final class ReceiptLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(UInt64, Receipt)] = []

    func add(_ id: UInt64, _ r: Receipt) { lock.withLock { entries.append((id, r)) } }

    func wait(count: Int) async -> [(UInt64, Receipt)] {
        while true {
            let now = lock.withLock { entries }
            if now.count >= count { return now }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
