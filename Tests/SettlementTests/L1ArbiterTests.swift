import Settlement
import XCTest

/// The arbiter's state machine and the L1 transaction encoding, without a chain.
final class L1ArbiterTests: XCTestCase {
    private let alice = Address(bytes: [UInt8](repeating: 0xa1, count: 20))!
    private let bob = Address(bytes: [UInt8](repeating: 0xb0, count: 20))!

    private func block(_ number: UInt64, at ms: UInt64) -> L1BlockHeader {
        L1BlockHeader(number: number, hash: Keccak256.hash([UInt8(number & 0xff)]), parentHash: .zero, timestampMs: ms)
    }

    private func root(_ n: UInt8) -> Digest32 { Keccak256.hash([n, 0x52]) }

    /// Valid data for batches `first...last` with no transactions.
    private func emptyData(_ first: UInt64, _ last: UInt64, domain: SigningDomain = L1ArbiterConfig.defaultRules.domain) -> [UInt8] {
        BatchData.encode((first ... last).map { BatchData.Batch(number: $0, transfers: []) }, domain: domain)
    }

    private func post(_ index: UInt64, _ first: UInt64, _ last: UInt64, _ prev: Digest32, _ new: Digest32,
                      by sender: Address? = nil, data: [UInt8]? = nil, bond: UInt256 = 10) -> L1Transaction {
        let data = data ?? emptyData(first, last)
        let c = L1Commitment(index: index, firstBatch: first, lastBatch: last, prevRoot: prev, newRoot: new,
                             dataRoot: committedRoot(data))
        return L1Transaction(sender: sender ?? alice, call: .postCommitment(c, data: data, bond: bond), nonce: index)
    }

    private func revertReason(_ events: [L1Event]) -> String? {
        guard events.count == 1, case .reverted(let reason) = events[0] else { return nil }
        return reason
    }

    func testCommitmentsMustChainBeContiguousAndCarryTheirData() {
        var arbiter = L1Arbiter(config: L1ArbiterConfig(genesisRoot: root(0), proposer: alice, minimumCommitmentBond: 5))
        let b = block(1, at: 1_000)
        XCTAssertEqual(revertReason(arbiter.execute(post(0, 1, 2, root(9), root(1)), in: b))?.contains("genesis"), true)
        XCTAssertEqual(revertReason(arbiter.execute(post(0, 2, 2, root(0), root(1)), in: b))?.contains("batch 1"), true)
        XCTAssertEqual(revertReason(arbiter.execute(post(0, 1, 2, root(0), root(1), by: bob), in: b))?.contains("proposer"), true)
        XCTAssertEqual(revertReason(arbiter.execute(post(0, 1, 2, root(0), root(1), bond: 4), in: b))?.contains("bond"), true)
        var badData = post(0, 1, 2, root(0), root(1))
        if case .postCommitment(let c, let data, let bond, _) = badData.call {
            // The flat keccak of the data (the binding before data roots) is not the data root.
            let flat = L1Commitment(index: c.index, firstBatch: c.firstBatch, lastBatch: c.lastBatch, prevRoot: c.prevRoot,
                                    newRoot: c.newRoot, dataRoot: Keccak256.hash(data))
            badData = L1Transaction(sender: alice, call: .postCommitment(flat, data: data, bond: bond), nonce: 0)
        }
        XCTAssertEqual(revertReason(arbiter.execute(badData, in: b))?.contains("dataRoot"), true)
        XCTAssertEqual(revertReason(arbiter.execute(post(0, 1, 2, root(0), root(1), data: [1, 2, 3]), in: b))?
            .contains("does not decode"), true)
        XCTAssertEqual(revertReason(arbiter.execute(post(0, 1, 2, root(0), root(1), data: emptyData(1, 3)), in: b))?
            .contains("are not 1...2"), true)
        XCTAssertEqual(revertReason(arbiter.execute(post(0, 1, 2, root(0), root(1),
                                                         data: emptyData(1, 2, domain: SigningDomain(chainId: 9, salt: .zero))), in: b))?
            .contains("chain id 9"), true)
        // The data of another deployment with the same chain id (another genesis, so another salt).
        let otherDeployment = SigningDomain(genesis: Genesis(chainId: L1ArbiterConfig.defaultRules.chainId,
                                                             allocations: [(alice, UInt256(1))]))
        XCTAssertEqual(revertReason(arbiter.execute(post(0, 1, 2, root(0), root(1), data: emptyData(1, 2, domain: otherDeployment)),
                                                    in: b))?.contains("salt \(otherDeployment.salt)"), true)

        let ok = arbiter.execute(post(0, 1, 2, root(0), root(1)), in: b)
        XCTAssertNil(revertReason(ok))
        XCTAssertEqual(arbiter.state.commitments.count, 1)
        XCTAssertEqual(arbiter.state.commitments[0].block, b)
        XCTAssertEqual(revertReason(arbiter.execute(post(1, 3, 4, root(7), root(2)), in: b))?.contains("does not chain"), true)
        XCTAssertEqual(revertReason(arbiter.execute(post(1, 4, 4, root(1), root(2)), in: b))?.contains("contiguous"), true)
        XCTAssertEqual(revertReason(arbiter.execute(post(5, 3, 4, root(1), root(2)), in: b))?.contains("index"), true)
        XCTAssertNil(revertReason(arbiter.execute(post(1, 3, 4, root(1), root(2)), in: b)))
        XCTAssertEqual(arbiter.state.commitments.map(\.commitment.index), [0, 1])
    }

    func testStakesUnlockAfterTheDelayInL1Time() {
        var arbiter = L1Arbiter(config: L1ArbiterConfig(minimumStake: 100, unstakeDelayMs: 60_000))
        let call = { (c: L1Transaction.Call) in L1Transaction(sender: self.bob, call: c, nonce: 0) }
        XCTAssertNotNil(revertReason(arbiter.execute(call(.registerValidator(stake: 99)), in: block(1, at: 0))))
        XCTAssertEqual(arbiter.execute(call(.registerValidator(stake: 100)), in: block(1, at: 0)),
                       [.validatorStaked(bob, total: 100)])
        XCTAssertNotNil(revertReason(arbiter.execute(call(.registerValidator(stake: 100)), in: block(1, at: 0))))
        XCTAssertEqual(arbiter.execute(call(.addStake(50)), in: block(2, at: 1_000)), [.validatorStaked(bob, total: 150)])
        XCTAssertNotNil(revertReason(arbiter.execute(call(.requestUnstake(151)), in: block(3, at: 2_000))))
        XCTAssertEqual(arbiter.execute(call(.requestUnstake(150)), in: block(3, at: 2_000)),
                       [.unstakeRequested(bob, amount: 150, remaining: 0, unlockAtMs: 62_000)])
        XCTAssertEqual(revertReason(arbiter.execute(call(.withdrawStake), in: block(4, at: 61_999)))?.contains("locked"), true)
        XCTAssertEqual(arbiter.execute(call(.withdrawStake), in: block(5, at: 62_000)), [.stakeWithdrawn(bob, amount: 150)])
        XCTAssertNil(arbiter.state.validators[bob], "a validator with nothing left is removed")
        XCTAssertNotNil(revertReason(arbiter.execute(call(.addStake(1)), in: block(6, at: 63_000))))
    }

    func testDepositsCountUpAndOnlyValidatorsChallenge() {
        var arbiter = L1Arbiter(config: L1ArbiterConfig())
        for (i, amount) in [UInt256(5), 7].enumerated() {
            let events = arbiter.execute(L1Transaction(sender: alice, call: .deposit(l2Recipient: bob, amount: amount),
                                                       nonce: UInt64(i)), in: block(1, at: 0))
            XCTAssertEqual(events, [.depositMade(id: UInt64(i), l2Recipient: bob, amount: amount)])
        }
        XCTAssertNotNil(revertReason(arbiter.execute(L1Transaction(sender: alice, call: .deposit(l2Recipient: bob, amount: 0),
                                                                   nonce: 9), in: block(1, at: 0))))
        XCTAssertEqual(revertReason(arbiter.execute(L1Transaction(sender: alice, call: .deposit(l2Recipient: .bridge, amount: 3),
                                                                  nonce: 10), in: block(1, at: 0))),
                       "the L2 recipient is the bridge address")
        XCTAssertEqual(arbiter.state.totalDeposited, 12)
        XCTAssertEqual(arbiter.state.nextDepositID, 2)
        XCTAssertEqual(arbiter.state.deposits.map(\.recipient), [bob, bob])
        XCTAssertEqual(arbiter.state.deposits.map(\.depositor), [alice, alice])
        XCTAssertEqual(arbiter.state.deposits.map(\.l1BlockNumber), [1, 1])
        let game = L1Transaction(sender: bob, call: .openChallenge(commitment: 0, claimedRoot: root(3), bond: 1), nonce: 0)
        XCTAssertEqual(revertReason(arbiter.execute(game, in: block(2, at: 0)))?.contains("not a validator"), true)
    }

    func testEveryCallRoundTripsAndDecodingIsStrict() throws {
        let calls: [L1Transaction.Call] = [
            .postCommitment(L1Commitment(index: 3, firstBatch: 4, lastBatch: 9, prevRoot: root(1), newRoot: root(2),
                                         dataRoot: root(3)), data: [1, 2, 3], bond: UInt256(l0: 1, l1: 2, l2: 3, l3: 4)),
            .registerValidator(stake: 5), .addStake(6), .requestUnstake(7), .withdrawStake,
            .openChallenge(commitment: 1, claimedRoot: root(4), bond: 8), .bisect(game: 2, midpointRoot: root(5)),
            .proveOneStep(game: 3, proof: [9, 9]), .claimTimeout(game: 4), .deposit(l2Recipient: bob, amount: 10),
            .claimWithdrawal(proof: []),
        ]
        for (i, call) in calls.enumerated() {
            let tx = L1Transaction(sender: alice, call: call, nonce: UInt64(i) << 40)
            let bytes = tx.encoded
            XCTAssertEqual(try L1Transaction(encoded: bytes), tx)
            XCTAssertThrowsError(try L1Transaction(encoded: Array(bytes.dropLast())), "truncated \(call)")
            XCTAssertThrowsError(try L1Transaction(encoded: bytes + [0]), "trailing byte after \(call)")
        }
        var unknownTag = L1Transaction(sender: alice, call: .withdrawStake, nonce: 0).encoded
        unknownTag[29] = 99
        XCTAssertThrowsError(try L1Transaction(encoded: unknownTag))
        // A byte-string length over the limit is refused before anything is allocated for it.
        var huge = L1Transaction(sender: alice, call: .claimWithdrawal(proof: []), nonce: 0).encoded
        huge.replaceSubrange(30 ..< 34, with: [0xff, 0xff, 0xff, 0xff])
        XCTAssertThrowsError(try L1Transaction(encoded: huge)) { error in
            XCTAssertTrue("\(error)".contains("more than"), "\(error)")
        }
    }
}
