import XCTest
@testable import Settlement

/// The attacks of the protocol review against the pure arbiter: each test plays the dishonest party and
/// checks the honest one wins (an unchallengeable commitment, finality that is not prefix-closed,
/// a deposit credited before it exists, withdrawals beyond what the bridge holds).
final class ProtocolSoundnessTests: XCTestCase {
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let challenger = Address(bytes: [UInt8](repeating: 0xcc, count: 20))!
    let depositor = Address(bytes: [UInt8](repeating: 0xdd, count: 20))!
    let recipient = Address(bytes: [UInt8](repeating: 0x77, count: 20))!
    let periodMs: UInt64 = 100_000

    // MARK: Item 1: one parser

    /// The review's attack: the bridge listed twice in the address table and a bridge transfer
    /// followed by 65 filler bytes. The old `outline` took the last bridge entry as the bridge and
    /// accepted it; `decode` found "trailing bytes" and no game could be opened.
    static func duplicateBridgeData(domain: SigningDomain, batch: UInt64 = 1) -> [UInt8] {
        var out: [UInt8] = [1]
        BatchData.writeVarint(domain.chainId, to: &out)
        out += domain.salt.bytes
        out.append(2)
        out += Address.bridge.bytes + Address.bridge.bytes
        out += [1]                                   // one batch
        BatchData.writeVarint(batch, to: &out)
        out += [1]                                   // one transfer
        out += [0, 1, 1, 9, 0, 0]                    // from 0, to 1, value 9, fee 0, nonce 0
        out += [UInt8](repeating: 0x5a, count: 65)   // what a signature would be
        return out
    }

    func testADuplicateAddressTableEntryIsRefusedByOutlineDecodeAndPosting() {
        let fixture = FraudProofFixture(seed: 3)
        let data = Self.duplicateBridgeData(domain: fixture.rules.domain)
        XCTAssertThrowsError(try BatchData.decode(data))
        XCTAssertThrowsError(try BatchData.outline(data), "outline must refuse what decode refuses")
        var chain = ArbiterChain(config: L1ArbiterConfig(genesisRoot: fixture.tree.root, proposer: proposer, rules: fixture.rules))
        let c = L1Commitment(index: 0, firstBatch: 1, lastBatch: 1, prevRoot: fixture.tree.root,
                             newRoot: CommitmentWorld.lie(fixture.tree.root), dataRoot: committedRoot(data))
        let events = chain.send(.postCommitment(c, data: data, bond: 1), by: proposer)
        XCTAssertNotNil(ArbiterChain.revertReason(events), "posting accepted data no game can read: \(events)")
    }

    /// Property: over random valid data and mutations of it (bytes changed, removed, and address
    /// table entries copied over one another, the bridge among them), `outline` and `decode`
    /// accept the same inputs with the same counts and refuse the same with the same message.
    func testOutlineAndDecodeAgreeOnRandomAndMutatedData() throws {
        let fixture = FraudProofFixture(seed: 17)
        var rng = SeededGenerator(seed: 19)
        func verdict<T>(_ body: () throws -> T) -> String? {
            do { _ = try body(); return nil } catch { return "\(error)" }
        }
        var accepted = 0, refused = 0
        for round in 0 ..< 60 {
            let sizes = (0 ..< 1 + Int(rng.next() % 3)).map { _ in Int(rng.next() % 6) }
            var batches = fixture.randomBatches(sizes, seed: UInt64(round) + 100)
            // Deposits among the transfers, so the bridge is in the table.
            for b in batches.indices where rng.next() % 2 == 0 {
                let d = L1Deposit.transaction(id: rng.next() % 50, recipient: fixture.strangers[b % 8], amount: 5,
                                              domain: fixture.rules.domain)
                batches[b].insert(d, at: Int(rng.next() % UInt64(batches[b].count + 1)))
            }
            let bytes = BatchData.encode(batches.enumerated().map { BatchData.Batch(number: UInt64($0.offset) + 1, transfers: $0.element) },
                                         domain: fixture.rules.domain)
            // Chain 1337 takes 2 varint bytes, then the 32-byte salt: [1, 0xb9, 0x0a, salt, n, table...]
            // (n < 128 here).
            XCTAssertEqual(Array(bytes[0 ..< 3]), [1, 0xb9, 0x0a])
            XCTAssertEqual(Array(bytes[3 ..< 35]), fixture.rules.domain.salt.bytes)
            let tableCount = Int(bytes[35])
            XCTAssertLessThan(tableCount, 128)
            var inputs = [bytes]
            for _ in 0 ..< 40 {
                var m = bytes
                if tableCount >= 2, rng.next() % 2 == 0 {
                    // Copy table entry i over entry j (both 20 bytes from offset 36).
                    let i = Int(rng.next() % UInt64(tableCount)), j = Int(rng.next() % UInt64(tableCount))
                    m.replaceSubrange(36 + 20 * j ..< 36 + 20 * (j + 1), with: bytes[36 + 20 * i ..< 36 + 20 * (i + 1)])
                    if rng.next() % 2 == 0 { m += [UInt8](repeating: 0x11, count: Int(rng.next() % 70)) }
                } else {
                    let k = Int(rng.next() % UInt64(m.count))
                    switch rng.next() % 3 {
                    case 0: m[k] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: m.remove(at: k)
                    default: m.insert(UInt8(truncatingIfNeeded: rng.next()), at: k)
                    }
                }
                inputs.append(m)
            }
            inputs.append(Self.duplicateBridgeData(domain: fixture.rules.domain))
            for input in inputs {
                let d = verdict { try BatchData.decode(input) }
                XCTAssertEqual(verdict { try BatchData.outline(input) }, d, "outline and decode disagree")
                guard d == nil else { refused += 1; continue }
                accepted += 1
                let full = try BatchData.decode(input), light = try BatchData.outline(input)
                XCTAssertEqual(light.domain, full.domain)
                XCTAssertEqual(light.batches.map(\.number), full.batches.map(\.number))
                XCTAssertEqual(light.batches.map(\.count), full.batches.map(\.transfers.count))
            }
        }
        XCTAssertGreaterThan(accepted, 60)
        XCTAssertGreaterThan(refused, 500)
    }

    // MARK: Item 2: prefix-closed finality

    /// Two commitments, each withdrawing to `recipient`'s exit address; a deposit first so the
    /// bridge holds enough.
    private func withdrawalChain(config: (FraudProofFixture) -> L1ArbiterConfig)
        -> (ArbiterChain, FraudProofFixture, [SparseMerkleTree], [L1Commitment]) {
        let fixture = FraudProofFixture(seed: 5)
        let exit = Withdrawals.exitAddress(for: recipient, in: fixture.rules.domain)
        let batches = [[fixture.sign(1, to: exit, value: 500, nonce: 0)], [fixture.sign(1, to: exit, value: 300, nonce: 1)]]
        var chain = ArbiterChain(config: config(fixture))
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.deposit(l2Recipient: depositor, amount: 10_000), by: depositor)))
        var tree = fixture.tree
        var trees: [SparseMerkleTree] = []
        var commitments: [L1Commitment] = []
        for (i, b) in batches.enumerated() {
            let prev = tree.root
            _ = BatchTrace.execute(b, on: &tree, rules: fixture.rules)
            trees.append(tree)
            let data = BatchData.encode([BatchData.Batch(number: UInt64(i) + 1, transfers: b)], domain: fixture.rules.domain)
            let c = L1Commitment(index: UInt64(i), firstBatch: UInt64(i) + 1, lastBatch: UInt64(i) + 1, prevRoot: prev,
                                 newRoot: tree.root, dataRoot: committedRoot(data))
            commitments.append(c)
            let events = chain.send(.postCommitment(c, data: data, bond: chain.arbiter.config.minimumCommitmentBond), by: proposer)
            XCTAssertNil(ArbiterChain.revertReason(events), "\(events)")
        }
        return (chain, fixture, trees, commitments)
    }

    private func claim(_ index: Int, _ trees: [SparseMerkleTree]) -> [UInt8] {
        let exit = Withdrawals.exitAddress(for: recipient, in: .test)
        return WithdrawalProof(recipient: recipient, commitmentIndex: UInt64(index), exitAccount: trees[index].account(exit)!,
                               proof: trees[index].proof(for: exit)).serialized
    }

    /// A game open on commitment 0 keeps commitment 1 (built on it) from being final, and no
    /// withdrawal is paid against commitment 1's root, however old it is.
    func testAChildCommitmentIsNotFinalWhileAGameOnItsParentIsOpen() {
        var (chain, _, trees, commitments) = withdrawalChain { f in
            L1ArbiterConfig(genesisRoot: f.tree.root, proposer: self.proposer, challengePeriodMs: self.periodMs, rules: f.rules)
        }
        let stake = chain.arbiter.config.minimumStake
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.registerValidator(stake: stake), by: challenger)))
        let opened = chain.send(.openChallenge(commitment: 0, claimedRoot: CommitmentWorld.lie(commitments[0].newRoot),
                                               bond: chain.arbiter.config.minimumChallengeBond), by: challenger)
        XCTAssertNil(ArbiterChain.revertReason(opened), "\(opened)")
        // Past commitment 1's challenge period; the game on commitment 0 is still open (no clock ran out).
        let later = chain.nowMs + periodMs / 2 + 1
        let t = chain.state.commitments[1].block.timestampMs + periodMs
        XCTAssertTrue(chain.state.game(0)!.isOpen)
        XCTAssertFalse(chain.state.isFinal(1, atMs: max(later, t), challengePeriodMs: periodMs),
                       "a commitment on a disputed parent is final")
        let paid = chain.send(.claimWithdrawal(proof: claim(1, trees)), by: recipient, advanceMs: max(later, t) - chain.nowMs)
        XCTAssertNotNil(ArbiterChain.revertReason(paid), "a withdrawal was paid against a child of a disputed commitment: \(paid)")
    }

    // MARK: Item 3: deposits judged against the inbox the commitment consumed

    /// The proposer credits deposit 0 before anybody made it, waits for the challenge, and the
    /// deposit is made only then. Judged against the L1 record at proof time the credit would be
    /// valid; judged against the inbox at posting (none) it is not, and the honest challenger wins.
    func testACreditForADepositMadeAfterPostingLosesTheGame() throws {
        let fixture = FraudProofFixture(seed: 23)
        let who = fixture.strangers[0]
        let credit = L1Deposit.transaction(id: 0, recipient: who, amount: 1_000, domain: fixture.rules.domain)
        var chain = ArbiterChain(config: L1ArbiterConfig(genesisRoot: fixture.tree.root, proposer: proposer,
                                                         challengePeriodMs: periodMs, rules: fixture.rules))
        let data = BatchData.encode([BatchData.Batch(number: 1, transfers: [credit])], domain: fixture.rules.domain)
        // The proposer's root: the deposit credited (as if it existed).
        var credited = fixture.tree
        let future = DepositLedger([L1Deposit(id: 0, depositor: depositor, recipient: who, amount: 1_000, l1BlockNumber: 0,
                                              l1BlockHash: .zero)])
        _ = BatchTrace.execute([credit], on: &credited, rules: fixture.rules, deposits: future)
        XCTAssertNotEqual(credited.root, fixture.tree.root)
        let c = L1Commitment(index: 0, firstBatch: 1, lastBatch: 1, prevRoot: fixture.tree.root, newRoot: credited.root,
                             dataRoot: committedRoot(data))
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.postCommitment(c, data: data, bond: chain.arbiter.config.minimumCommitmentBond),
                                                          by: proposer)))
        // The honest validator saw no deposit 0: the batch leaves the root unchanged. It challenges.
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.registerValidator(stake: chain.arbiter.config.minimumStake), by: challenger)))
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.openChallenge(commitment: 0, claimedRoot: fixture.tree.root,
                                                                         bond: chain.arbiter.config.minimumChallengeBond), by: challenger)))
        // Now the proposer (or an accomplice) makes the deposit.
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.deposit(l2Recipient: who, amount: 1_000), by: depositor)))
        XCTAssertEqual(chain.state.game(0)?.game.disputedTransaction?.index, 0)
        // The proposer's proof (deposit valid) and the challenger's (no such deposit at posting).
        let proposerProof = OneStepProof.make(credit, on: fixture.tree, rules: fixture.rules, deposits: chain.state.depositLedger)
        let challengerProof = OneStepProof.make(credit, on: fixture.tree, rules: fixture.rules, deposits: .none)
        _ = chain.send(.proveOneStep(game: 0, proof: proposerProof.serialized), by: proposer)
        if chain.state.game(0)!.isOpen {
            _ = chain.send(.proveOneStep(game: 0, proof: challengerProof.serialized), by: challenger)
        }
        let result = try XCTUnwrap(chain.state.game(0)?.game.result)
        XCTAssertEqual(result.winner, .challenger, "a deposit made after posting was judged valid for the commitment")
        XCTAssertTrue(chain.state.commitments[0].reverted)
    }

    // MARK: Item 7: bridge solvency

    /// Genesis balances are not backed unless recorded: withdrawing them would pay out other
    /// people's deposits. Here the bridge holds one deposit of 100; a genesis holder burns 500.
    func testAClaimBeyondWhatTheBridgeHoldsIsRefused() {
        let fixture = FraudProofFixture(seed: 5)
        let exit = Withdrawals.exitAddress(for: recipient, in: fixture.rules.domain)
        var chain = ArbiterChain(config: L1ArbiterConfig(genesisRoot: fixture.tree.root, proposer: proposer,
                                                         challengePeriodMs: periodMs, rules: fixture.rules))
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.deposit(l2Recipient: depositor, amount: 100), by: depositor)))
        var tree = fixture.tree
        let burn = [fixture.sign(1, to: exit, value: 500, nonce: 0)]
        _ = BatchTrace.execute(burn, on: &tree, rules: fixture.rules)
        let data = BatchData.encode([BatchData.Batch(number: 1, transfers: burn)], domain: fixture.rules.domain)
        let c = L1Commitment(index: 0, firstBatch: 1, lastBatch: 1, prevRoot: fixture.tree.root, newRoot: tree.root,
                             dataRoot: committedRoot(data))
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.postCommitment(c, data: data, bond: chain.arbiter.config.minimumCommitmentBond),
                                                          by: proposer)))
        let proof = WithdrawalProof(recipient: recipient, commitmentIndex: 0, exitAccount: tree.account(exit)!,
                                    proof: tree.proof(for: exit)).serialized
        let events = chain.send(.claimWithdrawal(proof: proof), by: recipient, advanceMs: periodMs)
        XCTAssertNotNil(ArbiterChain.revertReason(events), "paid 500 out of a bridge holding 100: \(events)")
        XCTAssertNil(chain.state.withdrawn[recipient])
    }

    // MARK: Item 1, defence in depth: undecodable data is a no-effect transition

    /// Posting refuses data that does not decode, but should any get through, the commitment must
    /// still be challengeable: a game against it is decided at opening, by the rule that such
    /// data changes nothing. Put in place directly (as no posting can).
    func testACommitmentWithUndecodableDataLosesToAChallengerClaimingThePreviousRoot() throws {
        let fixture = FraudProofFixture(seed: 3)
        for honestRoot in [false, true] {
            var chain = ArbiterChain(config: L1ArbiterConfig(genesisRoot: fixture.tree.root, proposer: proposer, challengePeriodMs: periodMs,
                                                             rules: fixture.rules))
            let data = Self.duplicateBridgeData(domain: fixture.rules.domain)
            let newRoot = honestRoot ? fixture.tree.root : CommitmentWorld.lie(fixture.tree.root)
            let c = L1Commitment(index: 0, firstBatch: 1, lastBatch: 1, prevRoot: fixture.tree.root, newRoot: newRoot,
                                 dataRoot: committedRoot(data))
            chain.send(.registerValidator(stake: 1), by: challenger)
            chain.arbiter.state.commitments.append(.init(commitment: c, proposer: proposer, bond: 7, data: data, transactionCounts: nil,
                                                         block: chain.log.last!.block, inboxDeposits: 0, reverted: false))
            let claimed = honestRoot ? CommitmentWorld.lie(fixture.tree.root) : fixture.tree.root
            let events = chain.send(.openChallenge(commitment: 0, claimedRoot: claimed, bond: 1), by: challenger)
            XCTAssertNil(ArbiterChain.revertReason(events), "the commitment could not be challenged: \(events)")
            let result = try XCTUnwrap(chain.state.game(0)?.game.result)
            XCTAssertEqual(result.by, .undecodableData)
            XCTAssertEqual(result.winner, honestRoot ? .proposer : .challenger)
            XCTAssertEqual(chain.state.commitments[0].reverted, !honestRoot)
        }
    }

    // MARK: Item 4: stake locked per open game

    /// One stake cannot open unlimited games: each open game locks `minimumStake`, and the locked
    /// part cannot be unstaked; it is unlocked when the game ends.
    func testOneStakeCannotOpenUnlimitedGames() {
        let fixture = FraudProofFixture(seed: 29)
        var chain = ArbiterChain(config: L1ArbiterConfig(genesisRoot: fixture.tree.root, proposer: proposer, minimumStake: 50,
                                                         challengePeriodMs: periodMs, clockMs: 5_000, maxGamesPerChallenger: 100,
                                                         rules: fixture.rules))
        let batch = [fixture.sign(1, to: fixture.strangers[0], value: 5, nonce: 0)]
        var tree = fixture.tree
        _ = BatchTrace.execute(batch, on: &tree, rules: fixture.rules)
        let data = BatchData.encode([BatchData.Batch(number: 1, transfers: batch)], domain: fixture.rules.domain)
        let c = L1Commitment(index: 0, firstBatch: 1, lastBatch: 1, prevRoot: fixture.tree.root, newRoot: tree.root,
                             dataRoot: committedRoot(data))
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.postCommitment(c, data: data, bond: 1), by: proposer)))
        chain.send(.registerValidator(stake: 120), by: challenger)
        var opened = 0
        for salt in 0 ..< UInt64(10) {
            let events = chain.send(.openChallenge(commitment: 0, claimedRoot: CommitmentWorld.lie(tree.root, salt: salt), bond: 1),
                                    by: challenger)
            if ArbiterChain.revertReason(events) == nil { opened += 1 }
        }
        XCTAssertEqual(opened, 2, "a stake of 120 locks 50 per game: two games, not \(opened)")
        XCTAssertEqual(chain.state.openGameCount(of: challenger), 2)
        XCTAssertNotNil(ArbiterChain.revertReason(chain.send(.requestUnstake(30), by: challenger)), "locked stake was unstaked")
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.requestUnstake(20), by: challenger)))
        // The proposer lets its clock run out in game 0 (a valid commitment lost on time: reverted,
        // game 1 voided): both locks are released.
        _ = chain.send(.claimTimeout(game: 0), by: challenger, advanceMs: 5_001)
        XCTAssertEqual(chain.state.openGameCount(of: challenger), 0)
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.requestUnstake(100), by: challenger)))
        XCTAssertEqual(chain.state.paid[challenger], 2 + 0, "both bonds back (the proposer's 1-wei bond: 0 to the winner at 50%)")
    }

    // MARK: Item 7: the bridge never pays out more than it holds

    /// Property: over random deposits, commitments burning random amounts to exit addresses, and
    /// claims, with a random genesis backing, total withdrawn ≤ total deposited + genesis backing
    /// after every step, a claim is refused exactly when it exceeds what the bridge holds, and
    /// nothing refused is paid.
    func testTotalWithdrawnNeverExceedsDepositsPlusGenesisBacking() {
        let fixture = FraudProofFixture(seed: 31)
        var rng = SeededGenerator(seed: 37)
        let recipients = (0 ..< 4).map { i in Address(bytes: [UInt8](repeating: 0x70 + UInt8(i), count: 20))! }
        var refusals = 0, payments = 0
        for run in 0 ..< 6 {
            let backing = UInt256(rng.next() % 400_000)
            var chain = ArbiterChain(config: L1ArbiterConfig(genesisRoot: fixture.tree.root, proposer: proposer, challengePeriodMs: periodMs,
                                                             genesisBacking: backing, rules: fixture.rules))
            var tree = fixture.tree
            var nonces = [UInt64](repeating: 0, count: fixture.keys.count)
            for round in 0 ..< 12 {
                if rng.next() % 2 == 0 {
                    let amount = UInt256(1 + rng.next() % 200_000)
                    XCTAssertNil(ArbiterChain.revertReason(chain.send(.deposit(l2Recipient: depositor, amount: amount), by: depositor)))
                }
                let burns = (0 ..< 1 + Int(rng.next() % 3)).map { _ -> SignedTransfer in
                    let k = 1 + Int(rng.next() % UInt64(fixture.keys.count - 2))
                    defer { nonces[k] += 1 }
                    let to = Withdrawals.exitAddress(for: recipients[Int(rng.next() % 4)], in: fixture.rules.domain)
                    return fixture.sign(k, to: to, value: UInt256(1 + rng.next() % 150_000), nonce: nonces[k])
                }
                let prev = tree.root
                _ = BatchTrace.execute(burns, on: &tree, rules: fixture.rules)
                let data = BatchData.encode([BatchData.Batch(number: UInt64(round) + 1, transfers: burns)], domain: fixture.rules.domain)
                let c = L1Commitment(index: UInt64(round), firstBatch: UInt64(round) + 1, lastBatch: UInt64(round) + 1, prevRoot: prev,
                                     newRoot: tree.root, dataRoot: committedRoot(data))
                XCTAssertNil(ArbiterChain.revertReason(chain.send(.postCommitment(c, data: data, bond: 1), by: proposer, advanceMs: periodMs)))
                for r in recipients where rng.next() % 2 == 0 {
                    let exit = Withdrawals.exitAddress(for: r, in: fixture.rules.domain)
                    guard let account = tree.account(exit) else { continue }
                    let owed = account.balance.checkedSub(chain.state.withdrawn[r] ?? .zero) ?? .zero
                    guard !owed.isZero else { continue }
                    let holds = chain.state.bridgeBalance(genesisBacking: backing)
                    let before = chain.state.totalWithdrawn
                    let proof = WithdrawalProof(recipient: r, commitmentIndex: UInt64(round), exitAccount: account,
                                                proof: tree.proof(for: exit)).serialized
                    let events = chain.send(.claimWithdrawal(proof: proof), by: r, advanceMs: periodMs)
                    if owed > holds {
                        XCTAssertNotNil(ArbiterChain.revertReason(events), "run \(run): paid \(owed) out of \(holds)")
                        XCTAssertEqual(chain.state.totalWithdrawn, before)
                        refusals += 1
                    } else {
                        XCTAssertNil(ArbiterChain.revertReason(events), "run \(run): \(events)")
                        XCTAssertEqual(chain.state.totalWithdrawn, before + owed)
                        payments += 1
                    }
                    XCTAssertLessThanOrEqual(chain.state.totalWithdrawn, chain.state.totalDeposited + backing)
                }
            }
        }
        XCTAssertGreaterThan(refusals, 3)
        XCTAssertGreaterThan(payments, 10)
    }
}
