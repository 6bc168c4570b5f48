import XCTest
@testable import Settlement

/// Withdrawal claims in the arbiter: burn on L2 by a transfer to the recipient's exit address,
/// claim on L1 with a proof against a final commitment; premature, reverted-root and double
/// claims are refused.
final class L1ArbiterWithdrawalTests: XCTestCase {
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let recipient = Address(bytes: [UInt8](repeating: 0x77, count: 20))!
    let periodMs: UInt64 = 100_000

    /// Two commitments: batch 1 withdraws 500 (to the exit address), batch 2 withdraws 300 more.
    private func setUp() -> (ArbiterChain, FraudProofFixture, [SparseMerkleTree], [L1Commitment]) {
        let fixture = FraudProofFixture(seed: 5)
        let exit = Withdrawals.exitAddress(for: recipient, in: fixture.rules.domain)
        let batches = [[fixture.sign(0, to: exit, value: 500, nonce: 0)], [fixture.sign(0, to: exit, value: 300, nonce: 1)]]
        var tree = fixture.tree
        var trees: [SparseMerkleTree] = []
        var commitments: [L1Commitment] = []
        // The genesis supply is backed on L1 (else nothing burned from it could be claimed).
        var chain = ArbiterChain(config: L1ArbiterConfig(genesisRoot: fixture.tree.root, proposer: proposer,
                                                         challengePeriodMs: periodMs, genesisBacking: 10_000_000, rules: fixture.rules))
        for (i, b) in batches.enumerated() {
            let prev = tree.root
            _ = BatchTrace.execute(b, on: &tree, rules: fixture.rules)
            trees.append(tree)
            let data = BatchData.encode([BatchData.Batch(number: UInt64(i) + 1, transfers: b)], domain: fixture.rules.domain)
            let c = L1Commitment(index: UInt64(i), firstBatch: UInt64(i) + 1, lastBatch: UInt64(i) + 1, prevRoot: prev,
                                 newRoot: tree.root, dataRoot: committedRoot(data))
            commitments.append(c)
            let events = chain.send(.postCommitment(c, data: data, bond: 1), by: proposer)
            XCTAssertNil(ArbiterChain.revertReason(events), "\(events)")
        }
        return (chain, fixture, trees, commitments)
    }

    private func claim(_ index: Int, _ trees: [SparseMerkleTree]) -> [UInt8] {
        let exit = Withdrawals.exitAddress(for: recipient, in: .test)
        return WithdrawalProof(recipient: recipient, commitmentIndex: UInt64(index), exitAccount: trees[index].account(exit)!,
                               proof: trees[index].proof(for: exit)).serialized
    }

    func testClaimsPayTheDifferenceOnceFinalAndNeverTwice() throws {
        var (chain, _, trees, commitments) = setUp()
        // Premature: the challenge period of commitment 0 is not over.
        let early = chain.send(.claimWithdrawal(proof: claim(0, trees)), by: recipient)
        XCTAssertTrue(ArbiterChain.revertReason(early)?.contains("not final") == true, "\(early)")

        let paid = chain.send(.claimWithdrawal(proof: claim(0, trees)), by: recipient, advanceMs: periodMs)
        XCTAssertEqual(paid, [.withdrawalClaimed(l2Sender: Withdrawals.exitAddress(for: recipient, in: .test), l1Recipient: recipient,
                                                 amount: 500, root: commitments[0].newRoot)])
        let twice = chain.send(.claimWithdrawal(proof: claim(0, trees)), by: recipient)
        XCTAssertTrue(ArbiterChain.revertReason(twice)?.contains("nothing to claim") == true, "\(twice)")
        // Against the newer root, only the new 300.
        let more = chain.send(.claimWithdrawal(proof: claim(1, trees)), by: recipient)
        guard case .withdrawalClaimed(_, _, let amount, let root)? = more.first else { return XCTFail("\(more)") }
        XCTAssertEqual(amount, 300)
        XCTAssertEqual(root, commitments[1].newRoot)
        XCTAssertEqual(chain.state.withdrawn[recipient], 800)
        let again = chain.send(.claimWithdrawal(proof: claim(1, trees)), by: recipient)
        XCTAssertNotNil(ArbiterChain.revertReason(again))
    }

    func testForgedAndMalformedClaimsAreRefused() throws {
        var (chain, _, trees, _) = setUp()
        _ = chain.send(.registerValidator(stake: 10), by: proposer, advanceMs: periodMs * 2)
        let exit = Withdrawals.exitAddress(for: recipient, in: .test)
        // A bigger balance than the root holds.
        var account = trees[0].account(exit)!
        account.balance = 5_000
        let forged = WithdrawalProof(recipient: recipient, commitmentIndex: 0, exitAccount: account,
                                     proof: trees[0].proof(for: exit)).serialized
        let refused = chain.send(.claimWithdrawal(proof: forged), by: recipient)
        XCTAssertTrue(ArbiterChain.revertReason(refused)?.contains("does not verify") == true, "\(refused)")
        // Someone else's exit account.
        let other = Address(bytes: [UInt8](repeating: 0x78, count: 20))!
        let stolen = WithdrawalProof(recipient: other, commitmentIndex: 0, exitAccount: trees[0].account(exit)!,
                                     proof: trees[0].proof(for: exit)).serialized
        XCTAssertNotNil(ArbiterChain.revertReason(chain.send(.claimWithdrawal(proof: stolen), by: other)))
        // Truncations, an unknown commitment.
        let good = claim(0, trees)
        for cut in [0, 1, 20, 68, good.count - 1] {
            XCTAssertNotNil(ArbiterChain.revertReason(chain.send(.claimWithdrawal(proof: Array(good[..<cut])), by: recipient)))
        }
        let unknown = WithdrawalProof(recipient: recipient, commitmentIndex: 9, exitAccount: trees[0].account(exit)!,
                                      proof: trees[0].proof(for: exit)).serialized
        XCTAssertTrue(ArbiterChain.revertReason(chain.send(.claimWithdrawal(proof: unknown), by: recipient))?
            .contains("does not exist") == true)
        XCTAssertNil(chain.state.withdrawn[recipient], "no refused claim may pay")
    }

    func testAClaimAgainstARevertedCommitmentIsRefused() throws {
        var (chain, _, trees, _) = setUp()
        chain.arbiter.state.commitments[0].reverted = true  // as a lost challenge game leaves it
        let refused = chain.send(.claimWithdrawal(proof: claim(0, trees)), by: recipient, advanceMs: periodMs * 2)
        XCTAssertTrue(ArbiterChain.revertReason(refused)?.contains("reverted") == true, "\(refused)")
    }
}
