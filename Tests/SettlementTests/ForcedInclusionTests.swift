import XCTest
@testable import Settlement

/// Censorship resistance on the arbiter (docs/protocol-security.md, "Censorship resistance"). The
/// adversary is the permissioned sequencer: it censors a user's forced transfer or a deposit (the
/// arbiter refuses its commitments past the inclusion delay), fakes consuming it (a bogus marker
/// does not count), claims to consume it without applying it (it loses the one-step game), or
/// stops posting altogether (a staked validator may then post). A bad forced transfer is skipped
/// with no effect and never blocks the chain.
final class ForcedInclusionTests: XCTestCase {
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let challenger = Address(bytes: [UInt8](repeating: 0xcc, count: 20))!
    let stranger = Address(bytes: [UInt8](repeating: 0x5e, count: 20))!
    let user = Address(bytes: [UInt8](repeating: 0x01, count: 20))!
    let bob = Address(bytes: [UInt8](repeating: 0xb0, count: 20))!
    let delayMs: UInt64 = 3_600_000
    let silenceMs: UInt64 = 86_400_000
    let clockMs: UInt64 = 10_000

    func chain(_ f: FraudProofFixture) -> ArbiterChain {
        ArbiterChain(config: L1ArbiterConfig(genesisRoot: f.tree.root, proposer: proposer, minimumCommitmentBond: 100,
                                             minimumStake: 50, challengePeriodMs: 10 * silenceMs, clockMs: clockMs,
                                             minimumChallengeBond: 10, rules: f.rules, inclusionDelayMs: delayMs,
                                             permissionlessAfterMs: silenceMs))
    }

    /// `batches` (L2 batches `first`, `first + 1`, ...) as commitment `index` from `tree`, with the
    /// honest root by the arbiter's ledger for a posting now (`ledger`), or `newRoot`.
    func commitment(_ index: UInt64, first: UInt64, _ batches: [[SignedTransfer]], from tree: SparseMerkleTree,
                    ledger: DepositLedger, rules: TransitionRules, newRoot: Digest32? = nil)
        -> (commitment: L1Commitment, data: [UInt8], after: SparseMerkleTree, trace: CommitmentTrace) {
        var after = tree
        let trace = CommitmentTrace.execute(batches, on: &after, rules: rules, deposits: ledger)
        let data = BatchData.encode(batches.enumerated().map { BatchData.Batch(number: first + UInt64($0.offset), transfers: $0.element) },
                                    domain: rules.domain)
        let c = L1Commitment(index: index, firstBatch: first, lastBatch: first + UInt64(batches.count) - 1, prevRoot: tree.root,
                             newRoot: newRoot ?? trace.newRoot, dataRoot: try! BatchDataTree.dataRoot(of: data))
        return (c, data, after, trace)
    }

    func marker(_ id: UInt64, of sender: Address) -> SignedTransfer { L1InboxItem.marker(id: id, sender: sender, domain: .test) }

    func testACensoringSequencerCannotPostPastTheInclusionDeadlineOfAForcedTransfer() throws {
        let f = FraudProofFixture(seed: 41)
        var chain = chain(f)
        let forced = f.sign(1, to: bob, value: 10, nonce: 0)
        XCTAssertEqual(chain.send(.submitToInbox(forced), by: user), [.inboxItemSubmitted(id: 0, l2Sender: f.keys[1].address)])
        XCTAssertEqual(chain.state.inbox.first?.transfer, forced)

        // Before the deadline the sequencer may leave it out.
        let c0 = commitment(0, first: 1, [[f.sign(2, to: bob, value: 1, nonce: 0)]], from: f.tree,
                            ledger: chain.state.depositLedger, rules: f.rules)
        XCTAssertEqual(chain.send(.postCommitment(c0.commitment, data: c0.data, bond: 100), by: proposer),
                       [.commitmentPosted(c0.commitment, proposer: proposer)])
        XCTAssertEqual(chain.state.commitments[0].inboxConsumed, 0)

        // Past it, a commitment that leaves it out is refused, and so is one with bogus markers
        // (a later id, or the right id naming another sender): they do not consume it.
        let skipping: [[SignedTransfer]] = [[f.sign(2, to: bob, value: 1, nonce: 1)], [marker(1, of: f.keys[1].address)],
                                            [marker(0, of: f.keys[2].address)]]
        for (i, batch) in skipping.enumerated() {
            let c = commitment(1, first: 2, [batch], from: c0.after, ledger: chain.state.depositLedger, rules: f.rules)
            let reason = ArbiterChain.revertReason(chain.send(.postCommitment(c.commitment, data: c.data, bond: 100), by: proposer,
                                                              advanceMs: i == 0 ? delayMs : 1_000))
            XCTAssertTrue(reason?.hasPrefix("inbox item 0 (L1 time") == true && reason?.contains("is overdue") == true, "\(i): \(reason ?? "accepted")")
        }
        XCTAssertEqual(chain.state.commitments.count, 1)

        // Including it, the commitment is accepted and the forced transfer applied.
        let c1 = commitment(1, first: 2, [[f.sign(2, to: bob, value: 1, nonce: 1), marker(0, of: f.keys[1].address)]], from: c0.after,
                            ledger: chain.state.depositLedger, rules: f.rules)
        XCTAssertEqual(c1.trace.batches[0].rejections, [nil, nil])
        XCTAssertEqual(chain.send(.postCommitment(c1.commitment, data: c1.data, bond: 100), by: proposer),
                       [.commitmentPosted(c1.commitment, proposer: proposer)])
        XCTAssertEqual(chain.state.commitments[1].inboxConsumed, 1)
        XCTAssertEqual(c1.after.account(bob)?.balance, 12, "1 + 1 sequenced, 10 forced")
        XCTAssertEqual(c1.after.account(f.keys[1].address)?.nonce, 1)
        XCTAssertEqual(c1.after.account(.inbox)?.nonce, 1, "the inbox nonce counts the items consumed")
    }

    func testACensoringSequencerCannotPostPastTheInclusionDeadlineOfADeposit() {
        let f = FraudProofFixture(seed: 43)
        var chain = chain(f)
        chain.send(.deposit(l2Recipient: bob, amount: 70), by: user)
        let deposit = chain.state.deposits[0]
        // A deposit transaction with another amount does not consume it.
        for (i, batch) in [[f.sign(2, to: bob, value: 1, nonce: 0)],
                           [L1Deposit.transaction(id: 0, recipient: bob, amount: 71, domain: .test)]].enumerated() {
            let c = commitment(0, first: 1, [batch], from: f.tree, ledger: chain.state.depositLedger, rules: f.rules)
            let reason = ArbiterChain.revertReason(chain.send(.postCommitment(c.commitment, data: c.data, bond: 100), by: proposer,
                                                              advanceMs: i == 0 ? delayMs : 1_000))
            XCTAssertTrue(reason?.hasPrefix("deposit 0 (L1 time") == true && reason?.contains("is overdue") == true, "\(i): \(reason ?? "accepted")")
        }
        let c = commitment(0, first: 1, [[deposit.transaction(domain: .test)]], from: f.tree, ledger: chain.state.depositLedger,
                           rules: f.rules)
        XCTAssertEqual(chain.send(.postCommitment(c.commitment, data: c.data, bond: 100), by: proposer),
                       [.commitmentPosted(c.commitment, proposer: proposer)])
        XCTAssertEqual(chain.state.commitments[0].depositsConsumed, 1)
        XCTAssertEqual(c.after.account(bob)?.balance, 70)
    }

    /// Bad signature, bad nonce, insufficient balance, another chain: each marker advances the
    /// inbox and changes nothing else; the valid one after them is applied; the one-step proof of
    /// every marker verifies to the trace's root (the engine's executor and the verifier agree).
    func testBadForcedTransfersAreSkippedWithNoEffectAndDoNotBlock() throws {
        let f = FraudProofFixture(seed: 47)
        var chain = chain(f)
        let sender = f.keys[1].address
        let bad = [
            SignedTransfer.sign(Transfer(from: sender, to: bob, value: 5, fee: 1, nonce: 0), domain: .test, with: f.keys[2]),
            f.sign(1, to: bob, value: 5, nonce: 7),
            f.sign(1, to: bob, value: 50_000_000, nonce: 0),
            SignedTransfer.sign(Transfer(from: sender, to: bob, value: 5, fee: 1, nonce: 0), domain: SigningDomain(chainId: 99, salt: SigningDomain.test.salt), with: f.keys[1]),
        ]
        let good = f.sign(1, to: bob, value: 5, nonce: 0)
        // A transfer signed for another chain is refused at submission (its format), the others enter.
        XCTAssertEqual(ArbiterChain.revertReason(chain.send(.submitToInbox(bad[3]), by: user)), "the transfer is for chain 99, not 1337")
        for t in bad[..<3] + [good] { XCTAssertNil(ArbiterChain.revertReason(chain.send(.submitToInbox(t), by: user))) }
        XCTAssertEqual(chain.state.nextInboxID, 4)

        let markers = (0 ..< 4).map { marker(UInt64($0), of: sender) }
        let ledger = chain.state.depositLedger
        let c = commitment(0, first: 1, [markers], from: f.tree, ledger: ledger, rules: f.rules)
        XCTAssertEqual(c.trace.batches[0].rejections, [nil, nil, nil, nil], "a marker is applied even when its transfer is skipped")
        let roots = c.trace.batches[0].roots
        for i in 0 ..< 3 {
            var expected = f.tree
            expected.update([(address: .inbox, account: Account(balance: 0, nonce: UInt64(i) + 1))])
            XCTAssertEqual(roots[i + 1], expected.root, "bad forced transfer \(i) only advances the inbox")
        }
        XCTAssertEqual(c.after.account(bob)?.balance, 5, "the valid forced transfer after them is applied")
        XCTAssertEqual(c.after.account(sender)?.nonce, 1)
        var tree = f.tree
        for (i, m) in markers.enumerated() {
            let proof = OneStepProof.make(m, on: tree, rules: f.rules, deposits: ledger)
            let result = try OneStepVerifier(rules: f.rules, deposits: ledger).verify(OneStepProof(serialized: proof.serialized))
            XCTAssertEqual(result.postRoot, roots[i + 1], "marker \(i)")
            XCTAssertEqual(proof.witnesses.count, i == 3 ? 4 : (i == 0 ? 1 : 2), "marker \(i): inbox, then what the transfer reads")
            _ = BatchTrace.execute([m], on: &tree, rules: f.rules, deposits: ledger)
        }
        XCTAssertEqual(chain.send(.postCommitment(c.commitment, data: c.data, bond: 100), by: proposer, advanceMs: 2 * delayMs),
                       [.commitmentPosted(c.commitment, proposer: proposer)], "nothing is overdue once all four are consumed")
        XCTAssertEqual(chain.state.commitments[0].inboxConsumed, 4)
    }

    /// The sequencer consumes inbox item 0 (its marker is in the data, so the deadline is met) but
    /// posts the root of a state where it had no effect; the honest validator, applying it by the
    /// arbiter's ledger, disputes it and wins the game by one-step proof of the marker.
    func testACommitmentThatConsumesAForcedTransferWithoutApplyingItLosesTheGame() {
        let f = FraudProofFixture(seed: 53)
        var chain = chain(f)
        let forced = f.sign(1, to: bob, value: 500, nonce: 0)
        chain.send(.submitToInbox(forced), by: user)
        let batches = [[f.sign(2, to: bob, value: 5, nonce: 0)], [marker(0, of: f.keys[1].address), f.sign(3, to: bob, value: 1, nonce: 0)]]
        // The proposer's trace: the marker without its item (it changes nothing).
        let proposerPlayer = GamePlayer(party: .proposer, batches: batches, preState: f.tree, rules: f.rules, deposits: .none)
        XCTAssertNotNil(proposerPlayer.trace.batches[1].rejections[0])
        let c = commitment(0, first: 1, batches, from: f.tree, ledger: chain.state.depositLedger, rules: f.rules,
                           newRoot: proposerPlayer.trace.newRoot)
        XCTAssertNotEqual(c.trace.newRoot, proposerPlayer.trace.newRoot)
        chain.send(.registerValidator(stake: 60), by: challenger)
        XCTAssertEqual(chain.send(.postCommitment(c.commitment, data: c.data, bond: 100), by: proposer, advanceMs: delayMs),
                       [.commitmentPosted(c.commitment, proposer: proposer)], "the marker meets the deadline")
        XCTAssertEqual(chain.state.commitments[0].inboxConsumed, 1)
        let challengerPlayer = GamePlayer(party: .challenger, batches: batches, preState: f.tree, rules: f.rules,
                                          deposits: chain.state.depositLedger(for: 0))
        XCTAssertEqual(challengerPlayer.trace.newRoot, c.trace.newRoot)
        XCTAssertEqual(chain.send(.openChallenge(commitment: 0, claimedRoot: challengerPlayer.trace.newRoot, bond: 10), by: challenger),
                       [.challengeOpened(game: 0, commitment: 0, challenger: challenger, proposer: proposer)])
        var end: [L1Event] = []
        var disputed: (batch: UInt64, index: Int)?
        for _ in 0 ..< 200 {
            guard let record = chain.state.game(0), record.isOpen else { break }
            disputed = FraudProof.disputedTransaction(of: record.game, in: c.commitment) ?? disputed
            var moved = false
            for (player, sender) in [(proposerPlayer, proposer), (challengerPlayer, challenger)] {
                guard let call = player.nextCall(for: chain.state.game(0)!, atMs: chain.nowMs + 1_000) else { continue }
                end = chain.send(call, by: sender)
                moved = true
                if !chain.state.game(0)!.isOpen { break }
            }
            if !moved { chain.send(.claimTimeout(game: 0), by: user, advanceMs: clockMs) }
        }
        XCTAssertEqual(chain.state.game(0)?.game.result?.winner, .challenger)
        XCTAssertEqual(chain.state.game(0)?.game.result?.by, .oneStepProof)
        XCTAssertEqual(disputed.map { [$0.batch, UInt64($0.index)] }, [2, 0], "the game ends at the marker")
        XCTAssertTrue(end.contains(.commitmentsReverted(fromIndex: 0)))
    }

    func testAStakedValidatorMayProposeOnlyAfterTheProposersSilence() {
        let f = FraudProofFixture(seed: 59)
        var chain = chain(f)
        chain.send(.registerValidator(stake: 50), by: stranger)
        let c0 = commitment(0, first: 1, [[f.sign(2, to: bob, value: 1, nonce: 0)]], from: f.tree, ledger: .none, rules: f.rules)
        // Before the timeout, nobody but the proposer, staked or not.
        XCTAssertEqual(ArbiterChain.revertReason(chain.send(.postCommitment(c0.commitment, data: c0.data, bond: 100), by: stranger))?
                        .hasPrefix("only the proposer \(proposer) may post commitments until"), true)
        XCTAssertEqual(chain.send(.postCommitment(c0.commitment, data: c0.data, bond: 100), by: proposer),
                       [.commitmentPosted(c0.commitment, proposer: proposer)])
        let c1 = commitment(1, first: 2, [[f.sign(2, to: bob, value: 1, nonce: 1)]], from: c0.after, ledger: .none, rules: f.rules)
        XCTAssertEqual(ArbiterChain.revertReason(chain.send(.postCommitment(c1.commitment, data: c1.data, bond: 100), by: stranger,
                                                            advanceMs: silenceMs - 1_000))?.hasPrefix("only the proposer"), true,
                       "one second before the timeout")
        // After it: an unstaked address is refused, a staked validator is accepted (with the bond).
        XCTAssertEqual(ArbiterChain.revertReason(chain.send(.postCommitment(c1.commitment, data: c1.data, bond: 100), by: user)),
                       "after the proposer's silence only a staked validator may post: \(user) has 0 free stake, needs 50")
        XCTAssertEqual(ArbiterChain.revertReason(chain.send(.postCommitment(c1.commitment, data: c1.data, bond: 99), by: stranger)),
                       "bond 99 below the minimum 100")
        XCTAssertEqual(chain.send(.postCommitment(c1.commitment, data: c1.data, bond: 100), by: stranger),
                       [.commitmentPosted(c1.commitment, proposer: stranger)])
        XCTAssertEqual(chain.state.commitments[1].proposer, stranger, "it defends its commitment in games")
        // The clock restarts: the stranger may not post again at once; the proposer may.
        let c2 = commitment(2, first: 3, [[f.sign(2, to: bob, value: 1, nonce: 2)]], from: c1.after, ledger: .none, rules: f.rules)
        XCTAssertEqual(ArbiterChain.revertReason(chain.send(.postCommitment(c2.commitment, data: c2.data, bond: 100), by: stranger))?
                        .hasPrefix("only the proposer"), true)
        XCTAssertEqual(chain.send(.postCommitment(c2.commitment, data: c2.data, bond: 100), by: proposer),
                       [.commitmentPosted(c2.commitment, proposer: proposer)])
    }

    func testInboxSubmissionsAndMarkersRoundTripThroughTheirEncodings() throws {
        let f = FraudProofFixture(seed: 61)
        let forced = f.sign(1, to: bob, value: 3, nonce: 9)
        let tx = L1Transaction(sender: user, call: .submitToInbox(forced), nonce: 4)
        XCTAssertEqual(try L1Transaction(encoded: tx.encoded), tx)
        let batch = [marker(0, of: f.keys[1].address), forced, L1Deposit.transaction(id: 0, recipient: bob, amount: 2, domain: .test)]
        let data = BatchData.encode([BatchData.Batch(number: 1, transfers: batch)], domain: .test)
        XCTAssertEqual(try BatchData.decode(data).batches[0].transfers, batch)
        XCTAssertEqual(try BatchData.outline(data).batches.map(\.count), [3])
        XCTAssertEqual(try BatchData.l1Originated(data), [batch[0].transfer, batch[2].transfer])
        // Through the API a transfer from the inbox address is refused (nobody can sign for it).
        let forged = SignedTransfer(transfer: Transfer(from: .inbox, to: bob, value: 1, fee: 0, nonce: 0), domain: .test,
                                    signature: [UInt8](repeating: 7, count: 65))
        guard case .failure = ValidationPipeline(domain: .test, maxFee: 1_000).validate(forged) else { return XCTFail("accepted") }
    }
}
