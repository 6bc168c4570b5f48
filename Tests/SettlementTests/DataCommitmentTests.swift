import XCTest
@testable import Settlement

/// The data commitment: a Merkle root over the commitment's transactions (`BatchDataTree`), data
/// capped at one L1 transaction (`BatchData.maxCommitmentBytes`), and one-step proofs that carry
/// the disputed transaction with its inclusion proof instead of the data. Each test plays the
/// dishonest party: a proposer posting too much data or lying about the post-state, a prover
/// sending a tampered leaf or path.
final class DataCommitmentTests: XCTestCase {
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let challenger = Address(bytes: [UInt8](repeating: 0xcc, count: 20))!
    let fixture = FraudProofFixture(seed: 71)

    func config() -> L1ArbiterConfig {
        L1ArbiterConfig(genesisRoot: fixture.tree.root, proposer: proposer, challengePeriodMs: 100_000, clockMs: 50_000,
                        rules: fixture.rules)
    }

    /// The first `count` of 2,400 valid signed transfers from signers 1...4 to the strangers,
    /// nonces in order (signed once per test run).
    func transfers(_ count: Int) -> [SignedTransfer] { Array(Self.signed.prefix(count)) }

    static let signed: [SignedTransfer] = {
        let fixture = FraudProofFixture(seed: 71)
        return (0 ..< 2_400).map { i in
            fixture.sign(1 + i % 4, to: fixture.strangers[i % 8], value: UInt256(UInt64(1 + i % 7)), nonce: UInt64(i / 4))
        }
    }()

    /// A deposit (invented: rejected at execution, which does not matter for posting) whose value
    /// takes `length` bytes, to tune the data's size byte by byte.
    func filler(valueLength length: Int) -> SignedTransfer {
        let value = length == 0 ? UInt256.zero
            : UInt256(bigEndianBytes: [UInt8](repeating: 0, count: 32 - length) + [1] + [UInt8](repeating: 0, count: length - 1))!
        return L1Deposit.transaction(id: 0, recipient: fixture.strangers[0], amount: value, domain: fixture.rules.domain)
    }

    /// Batch 1 whose data is exactly `size` bytes: deposits first (their value lengths fill the
    /// bytes the transfers leave), then signed transfers. Indices stay below 128 (one varint
    /// byte), so sizes do not depend on the order.
    func batch(ofExactly size: Int) -> BatchData.Batch {
        func measure(_ ts: [SignedTransfer]) -> Int {
            var sizer = BatchData.Sizer(domain: fixture.rules.domain)
            sizer.add(BatchData.Batch(number: 1, transfers: ts))
            return sizer.size
        }
        var deposits = [filler(valueLength: 32)]
        // The longest prefix of the transfers that leaves 100...200 bytes (a binary search).
        let all = transfers(size / 60)
        var (lo, hi) = (0, all.count)
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if measure(deposits + all[..<mid]) <= size - 200 { lo = mid } else { hi = mid - 1 }
        }
        let signed = Array(all[..<lo])
        while true {
            let left = size - measure(deposits + signed)
            if left == 0 { break }
            // A filler takes 5 + its value length (0...32) bytes here; never leave 1...4 bytes.
            let length = left <= 37 ? left - 5 : min(32, left - 5 - 5)
            precondition(length >= 0, "cannot fill \(left) bytes")
            deposits.append(filler(valueLength: length))
        }
        return BatchData.Batch(number: 1, transfers: deposits + signed)
    }

    func commitment(_ batches: [BatchData.Batch], newRoot: Digest32? = nil) -> (L1Commitment, [UInt8]) {
        let data = BatchData.encode(batches, domain: fixture.rules.domain)
        let c = L1Commitment(index: 0, firstBatch: batches[0].number, lastBatch: batches.last!.number, prevRoot: fixture.tree.root,
                             newRoot: newRoot ?? CommitmentWorld.lie(fixture.tree.root), dataRoot: try! BatchDataTree.dataRoot(of: data))
        return (c, data)
    }

    // MARK: The size limit

    /// Data of exactly `maxCommitmentBytes` is accepted; one byte more (a dishonest or broken
    /// proposer) is refused with the limit named, whatever else is right about it.
    func testTheArbiterAcceptsDataAtTheLimitAndRefusesDataOverIt() {
        for (size, accepted) in [(BatchData.maxCommitmentBytes, true), (BatchData.maxCommitmentBytes + 1, false)] {
            let b = batch(ofExactly: size)
            let (c, data) = commitment([b])
            XCTAssertEqual(data.count, size)
            var chain = ArbiterChain(config: config())
            let reason = ArbiterChain.revertReason(chain.send(.postCommitment(c, data: data, bond: 1), by: proposer))
            if accepted {
                XCTAssertNil(reason)
                XCTAssertEqual(chain.state.commitments.first?.transactionCounts, [b.transfers.count])
            } else {
                XCTAssertEqual(reason?.contains("exceeds the limit of one L1 transaction, \(BatchData.maxCommitmentBytes) bytes"), true,
                               "\(String(describing: reason))")
                XCTAssertTrue(chain.state.commitments.isEmpty)
            }
        }
        XCTAssertLessThanOrEqual(BatchData.maxCommitmentBytes + 512, 128 * 1024, "the posting transaction fits in 128 KiB")
    }

    /// `Sizer` is `encode`'s size exactly, batch by batch, and `maxEncodedBytes(of:)` bounds what
    /// each transfer adds: a batch within `maxBatchTransfersBytes` always fits in one commitment.
    func testSizerIsExactAndThePerTransferBoundHolds() {
        var rng = SeededGenerator(seed: 5)
        for round in 0 ..< 30 {
            var batches: [BatchData.Batch] = []
            var sizer = BatchData.Sizer(domain: fixture.rules.domain)
            for (k, raw) in fixture.randomBatches((0 ..< 1 + Int(rng.next() % 4)).map { _ in Int(rng.next() % 40) },
                                                  seed: UInt64(round)).enumerated() {
                var ts = raw
                if rng.next() % 2 == 0 { ts.append(filler(valueLength: Int(rng.next() % 33))) }
                let b = BatchData.Batch(number: UInt64(1_000 * round + k), transfers: ts)
                batches.append(b)
                sizer.add(b)
                XCTAssertEqual(sizer.size, BatchData.encode(batches, domain: fixture.rules.domain).count)
                let alone = BatchData.encode([b], domain: fixture.rules.domain).count
                XCTAssertLessThanOrEqual(alone, BatchData.maxSingleBatchOverhead + ts.reduce(0) { $0 + BatchData.maxEncodedBytes(of: $1) })
            }
        }
    }

    /// The sequencer's take is bounded by bytes: from a pool holding more than one commitment can
    /// carry, a take of up to 10,000 returns a batch whose data fits, and the rest stays for the
    /// next batch.
    func testThePoolTakesNoMoreThanOneCommitmentCanCarry() {
        let pool = TransactionPool(capacity: 10_000, maxFutureNonces: 8, futureTimeout: .seconds(10), maxPerSender: 10_000) { _ in
            Account(balance: 1_000_000)
        }
        let ts = transfers(2_400)
        XCTAssertEqual(ts.count, 2_400)
        for t in ts { XCTAssertNoThrow(try pool.add(ValidatedTransfer(signed: t, id: t.id, receivedAt: .now), onReceipt: { _ in })) }
        let first = pool.takeBatch(max: 10_000, maxDataBytes: BatchData.maxBatchTransfersBytes)
        XCTAssertGreaterThan(first.count, 1_000)
        XCTAssertLessThan(first.count, ts.count)
        let data = BatchData.encode([BatchData.Batch(number: 1, transfers: first.map(\.tx.signed))], domain: fixture.rules.domain)
        XCTAssertLessThanOrEqual(data.count, BatchData.maxCommitmentBytes)
        XCTAssertEqual(pool.readyCount, ts.count - first.count)
        let unbounded = pool.takeBatch(max: 10_000)
        XCTAssertEqual(unbounded.count, ts.count - first.count)
    }

    /// The poster's packing: whole batches while they fit; a batch exactly at the limit goes
    /// alone, a batch over it is never posted (empty prefix).
    func testThePosterPacksWholeBatchesWithinTheLimit() {
        let atLimit = batch(ofExactly: BatchData.maxCommitmentBytes)
        let small = BatchData.Batch(number: 2, transfers: transfers(3))
        XCTAssertEqual(FinalityEngine.fittingPrefix(of: [atLimit, small], domain: fixture.rules.domain).map(\.number), [1])
        let over = batch(ofExactly: BatchData.maxCommitmentBytes + 1)
        XCTAssertTrue(FinalityEngine.fittingPrefix(of: [over], domain: fixture.rules.domain).isEmpty)
        let halves = [BatchData.Batch(number: 1, transfers: transfers(900)),
                      BatchData.Batch(number: 2, transfers: Array(transfers(1_800)[900...])),
                      BatchData.Batch(number: 3, transfers: transfers(2))]
        let packed = FinalityEngine.fittingPrefix(of: halves, domain: fixture.rules.domain)
        XCTAssertEqual(packed.map(\.number), [1])
        XCTAssertLessThanOrEqual(BatchData.encode(packed, domain: fixture.rules.domain).count, BatchData.maxCommitmentBytes)
        XCTAssertGreaterThan(BatchData.encode(Array(halves[0 ..< 2]), domain: fixture.rules.domain).count, BatchData.maxCommitmentBytes)
    }

    // MARK: The data tree

    /// Every transaction's inclusion proof gives the data root; a changed leaf, position, sibling
    /// or path length does not (or is refused outright).
    func testInclusionProofsBindTheTransactionAndItsPosition() throws {
        let batches = fixture.committedBatches([3, 0, 5, 1], seed: 9)
        let tree = BatchDataTree(batches: batches)
        let root = tree.dataRoot(domain: .test, firstBatch: 4)
        let data = BatchData.encode(batches.enumerated().map { BatchData.Batch(number: 4 + UInt64($0.offset), transfers: $0.element) },
                                    domain: .test)
        XCTAssertEqual(try BatchDataTree.dataRoot(of: data), root)
        let counts = [3, 0, 5, 1]
        func rootOf(_ t: SignedTransfer, _ p: DataInclusionProof) -> Digest32? {
            p.dataRoot(of: t, domain: .test, firstBatch: 4, transactionCounts: counts)
        }
        var checked = 0
        for (b, txs) in batches.enumerated() {
            for (i, t) in txs.enumerated() {
                let p = tree.inclusionProof(batch: b, index: i)
                XCTAssertEqual(p.siblings.count, 4, "9 transactions: depth ⌈log₂ 9⌉")
                XCTAssertEqual(rootOf(t, p), root)
                // Another transaction at this position.
                let other = batches.joined().first { $0 != t }!
                XCTAssertNotEqual(rootOf(other, p), root)
                // The same transaction with one field changed.
                let bumped = SignedTransfer(transfer: Transfer(from: t.transfer.from, to: t.transfer.to, value: t.transfer.value + 1,
                                                               fee: t.transfer.fee, nonce: t.transfer.nonce),
                                            domain: t.domain, signature: t.signature)
                XCTAssertNotEqual(rootOf(bumped, p), root)
                // Another position with this path, a flipped sibling, a path too short or long.
                XCTAssertNotEqual(rootOf(t, DataInclusionProof(position: p.position ^ 1, siblings: p.siblings)), root)
                var flipped = p.siblings
                flipped[checked % 4] = Keccak256.hash(flipped[checked % 4].bytes)
                XCTAssertNotEqual(rootOf(t, DataInclusionProof(position: p.position, siblings: flipped)), root)
                XCTAssertNil(rootOf(t, DataInclusionProof(position: p.position, siblings: Array(p.siblings.dropLast()))))
                XCTAssertNil(rootOf(t, DataInclusionProof(position: p.position, siblings: p.siblings + [.zero])))
                XCTAssertNil(rootOf(t, DataInclusionProof(position: 9, siblings: p.siblings)), "a padding position")
                // The same leaf under another layout (batch counts) or chain.
                XCTAssertNotEqual(p.dataRoot(of: t, domain: .test, firstBatch: 4, transactionCounts: [3, 5, 0, 1]), root)
                XCTAssertNotEqual(p.dataRoot(of: t, domain: SigningDomain(chainId: 1338, salt: SigningDomain.test.salt), firstBatch: 4, transactionCounts: counts), root)
                checked += 1
            }
        }
        XCTAssertEqual(checked, 9)
        // Leaves and nodes are hashed under different tags.
        let t = batches[0][0]
        XCTAssertNotEqual(BatchDataTree.leafHash(t), Keccak256.hash(BatchDataTree.leafBytes(t)))
    }

    // MARK: Games against a large commitment

    /// A large commitment (two batches, over 100 KB of data) with a wrong new root, posted and
    /// challenged; returns the chain in the one-step phase, the challenger's player, the batches
    /// and the data.
    func largeDisputedCommitment() -> (ArbiterChain, GamePlayer, GamePlayer, [[SignedTransfer]], [UInt8]) {
        let ts = transfers(1_500)
        let batches = [Array(ts[..<700]), Array(ts[700...])]
        let data = BatchData.encode([BatchData.Batch(number: 1, transfers: batches[0]), BatchData.Batch(number: 2, transfers: batches[1])],
                                    domain: fixture.rules.domain)
        let honest = GamePlayer(party: .challenger, batches: batches, preState: fixture.tree, rules: fixture.rules)
        let lie = CommitmentWorld.lie(honest.trace.newRoot)
        let dishonest = GamePlayer(party: .proposer, trace: honest.trace.claiming(newRoot: lie), batches: batches,
                                   preState: fixture.tree, rules: fixture.rules)
        let c = L1Commitment(index: 0, firstBatch: 1, lastBatch: 2, prevRoot: fixture.tree.root, newRoot: lie,
                             dataRoot: BatchDataTree(batches: batches).dataRoot(domain: fixture.rules.domain, firstBatch: 1))
        var chain = ArbiterChain(config: config())
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.postCommitment(c, data: data, bond: 1), by: proposer)))
        // The arbiter's games need only the data root and the counts: forget the data, as a
        // contract that never stored it (before, the game read the disputed transaction from it).
        let held = chain.state.commitments[0]
        chain.arbiter.state.commitments[0] = .init(commitment: held.commitment, proposer: held.proposer, bond: held.bond, data: [],
                                                   transactionCounts: held.transactionCounts, block: held.block,
                                                   inboxDeposits: held.inboxDeposits, reverted: held.reverted)
        chain.send(.registerValidator(stake: 1), by: challenger)
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.openChallenge(commitment: 0, claimedRoot: honest.trace.newRoot, bond: 1),
                                                          by: challenger)))
        // Bisect to the one-step phase.
        for _ in 0 ..< 100 {
            let record = chain.state.game(0)!
            guard record.game.midpoint != nil, let turn = record.game.turn else { break }
            let player = turn == .proposer ? dishonest : honest
            let call = player.nextCall(for: record, atMs: chain.nowMs + 1_000)!
            XCTAssertNil(ArbiterChain.revertReason(chain.send(call, by: record.address(of: turn))))
        }
        return (chain, honest, dishonest, batches, data)
    }

    /// The dishonest proposer's wrong post-state loses to a proof of one transaction and its
    /// path: O(log n) hashes, not the data (which the arbiter no longer holds here). Its own
    /// player sends nothing (no proof wins for it).
    func testADishonestProposerLosesToAProofOfLogarithmicSize() throws {
        var (chain, honest, dishonest, batches, data) = largeDisputedCommitment()
        XCTAssertGreaterThan(data.count, 100 * 1024)
        let record = chain.state.game(0)!
        let (batch, index) = try XCTUnwrap(record.game.disputedTransaction)
        XCTAssertNil(dishonest.nextCall(for: record, atMs: chain.nowMs + 1_000), "no proof wins for a wrong post-state")
        let call = try XCTUnwrap(honest.nextCall(for: record, atMs: chain.nowMs + 1_000))
        guard case .proveOneStep(_, let bytes) = call else { return XCTFail("\(call)") }
        let proof = try OneStepProof(serialized: bytes)
        XCTAssertEqual(proof.transaction, batches[batch][index])
        let depth = BatchDataTree.depth(forLeaves: 1_500)
        XCTAssertEqual(depth, 11)
        XCTAssertEqual(proof.inclusion.siblings.count, depth)
        // One transaction, its path, three state witnesses: bounded by the encoding's fixed parts,
        // never by the data.
        let witnessBytes = proof.witnesses.reduce(0) { $0 + Account.encodedSize + 2 + $1.proof.serialized.count }
        XCTAssertEqual(bytes.count, OneStepProof.fixedSize + 32 * depth + witnessBytes)
        XCTAssertLessThan(bytes.count, 4 * 1024)
        XCTAssertLessThan(bytes.count * 25, data.count)
        let events = chain.send(call, by: challenger)
        XCTAssertNil(ArbiterChain.revertReason(events), "\(events)")
        XCTAssertEqual(chain.state.game(0)?.game.result?.winner, .challenger)
        XCTAssertEqual(chain.state.game(0)?.game.result?.by, .oneStepProof)
        XCTAssertTrue(chain.state.commitments[0].reverted)
    }

    /// A prover that tampers with the leaf or its place is refused and the game is unchanged:
    /// another position's proof, a path for another position, a flipped sibling, a missing or
    /// extra sibling, a changed transaction on the right path, a neighbour's transaction with
    /// the disputed position's path.
    func testAOneStepProofWithAWrongInclusionProofIsRefused() throws {
        var (chain, honest, _, batches, _) = largeDisputedCommitment()
        let before = chain.state.game(0)!
        let (batch, index) = try XCTUnwrap(before.game.disputedTransaction)
        let good = try XCTUnwrap(honest.proof(batch: batch, index: index))
        let tree = BatchDataTree(batches: batches)
        let neighbour = index > 0 ? index - 1 : index + 1
        let neighbourProof = try XCTUnwrap(honest.proof(batch: batch, index: neighbour))
        func with(_ p: OneStepProof, transaction: SignedTransfer? = nil, inclusion: DataInclusionProof) -> [UInt8] {
            OneStepProof(transaction: transaction ?? p.transaction, inclusion: inclusion, preRoot: p.preRoot,
                         claimedPostRoot: p.claimedPostRoot, witnesses: p.witnesses).serialized
        }
        var flipped = good.inclusion.siblings
        flipped[3] = Keccak256.hash(flipped[3].bytes)
        let t = good.transaction.transfer
        let changed = SignedTransfer(transfer: Transfer(from: t.from, to: t.to, value: t.value + 1, fee: t.fee, nonce: t.nonce),
                                     domain: good.transaction.domain, signature: good.transaction.signature)
        let tampered: [(String, [UInt8], String)] = [
            ("another position's proof", neighbourProof.serialized, "not the disputed one"),
            ("a path for another position", with(good, inclusion: tree.inclusionProof(batch: batch, index: neighbour)), "not the disputed one"),
            ("a flipped sibling", with(good, inclusion: DataInclusionProof(position: good.inclusion.position, siblings: flipped)),
             "does not show the transaction"),
            ("a missing sibling", with(good, inclusion: DataInclusionProof(position: good.inclusion.position,
                                                                           siblings: Array(good.inclusion.siblings.dropLast()))),
             "does not show the transaction"),
            ("an extra sibling", with(good, inclusion: DataInclusionProof(position: good.inclusion.position,
                                                                          siblings: good.inclusion.siblings + [.zero])),
             "does not show the transaction"),
            ("a changed transaction", with(good, transaction: changed, inclusion: good.inclusion), "does not show the transaction"),
            ("a neighbour's transaction at the disputed position",
             with(neighbourProof, inclusion: good.inclusion), "does not show the transaction"),
        ]
        for (what, bytes, expected) in tampered {
            let reason = ArbiterChain.revertReason(chain.send(.proveOneStep(game: 0, proof: bytes), by: challenger))
            XCTAssertEqual(reason?.contains(expected), true, "\(what): \(String(describing: reason))")
            XCTAssertEqual(chain.state.game(0)?.game.phase, before.game.phase, what)
            XCTAssertTrue(chain.state.game(0)!.isOpen, what)
        }
        XCTAssertNil(ArbiterChain.revertReason(chain.send(.proveOneStep(game: 0, proof: good.serialized), by: challenger)))
        XCTAssertEqual(chain.state.game(0)?.game.result?.winner, .challenger)
    }

    // MARK: Malformed transactions in well-formed data

    /// Data that does not decode never gets a data root (posting refuses it: the arbiter holds the
    /// data then). A transaction that decodes but is invalid (here: a forged signature) is a leaf
    /// like any other, and its execution is a rejection: the proposer that counts it as applied
    /// loses, the one that leaves the root unchanged wins against a challenger claiming otherwise.
    func testAForgedTransactionInTheDataIsANoEffectStepForHonestAndDishonestProposers() throws {
        let valid = transfers(3)
        let v = valid[1].transfer
        let forged = SignedTransfer(transfer: Transfer(from: v.from, to: v.to, value: 900_000, fee: v.fee, nonce: v.nonce),
                                    domain: fixture.rules.domain, signature: valid[1].signature)
        let batches = [[valid[0], forged, valid[2]]]
        let data = BatchData.encode([BatchData.Batch(number: 1, transfers: batches[0])], domain: fixture.rules.domain)
        let truth = GamePlayer(party: .challenger, batches: batches, preState: fixture.tree, rules: fixture.rules)
        XCTAssertNotNil(truth.trace.batches[0].rejections[1], "the forged transfer is rejected")
        // The roots of a side that applies the forged transfer (skipping the signature check).
        var tree = fixture.tree
        var roots = [tree.root]
        for tx in batches[0] {
            let r = BatchExecutor(feeAccount: fixture.rules.feeAccount).execute([ValidatedTransfer(signed: tx, id: tx.id, receivedAt: .now)]) {
                tree.account($0)
            }
            XCTAssertTrue(r.transactions[0].accepted)
            tree.update(r.diff)
            roots.append(tree.root)
        }
        let appliedTrace = CommitmentTrace(prevRoot: fixture.tree.root, batches: [BatchTrace(roots: roots, rejections: [nil, nil, nil])])
        XCTAssertEqual(appliedTrace.root(at: .afterTransactions(batch: 0, count: 1)), truth.trace.root(at: .afterTransactions(batch: 0, count: 1)))
        XCTAssertNotEqual(appliedTrace.newRoot, truth.trace.newRoot)

        for proposerHonest in [true, false] {
            var chain = ArbiterChain(config: config())
            let honestParty: ChallengeGame.Party = proposerHonest ? .proposer : .challenger
            let honestSide = GamePlayer(party: honestParty, batches: batches, preState: fixture.tree, rules: fixture.rules)
            let liar = GamePlayer(party: honestParty.opponent, trace: appliedTrace, batches: batches, preState: fixture.tree,
                                  rules: fixture.rules)
            let c = L1Commitment(index: 0, firstBatch: 1, lastBatch: 1, prevRoot: fixture.tree.root,
                                 newRoot: proposerHonest ? truth.trace.newRoot : appliedTrace.newRoot,
                                 dataRoot: try BatchDataTree.dataRoot(of: data))
            XCTAssertNil(ArbiterChain.revertReason(chain.send(.postCommitment(c, data: data, bond: 1), by: proposer)))
            chain.send(.registerValidator(stake: 1), by: challenger)
            let opening = proposerHonest ? appliedTrace.newRoot : truth.trace.newRoot
            XCTAssertNil(ArbiterChain.revertReason(chain.send(.openChallenge(commitment: 0, claimedRoot: opening, bond: 1),
                                                              by: challenger)))
            var proven: SignedTransfer?
            for _ in 0 ..< 50 {
                guard let record = chain.state.game(0), record.isOpen else { break }
                var moved = false
                for player in [honestSide, liar] {
                    guard let record = chain.state.game(0), record.isOpen,
                          let call = player.nextCall(for: record, atMs: chain.nowMs + 1_000) else { continue }
                    if case .proveOneStep(_, let bytes) = call { proven = try OneStepProof(serialized: bytes).transaction }
                    let who = player.party == .proposer ? proposer : challenger
                    XCTAssertNil(ArbiterChain.revertReason(chain.send(call, by: who)))
                    moved = true
                }
                XCTAssertTrue(moved, "someone always has a move")
            }
            XCTAssertEqual(proven, forged, "the game ends at the forged transfer")
            let result = try XCTUnwrap(chain.state.game(0)?.game.result)
            XCTAssertEqual(result.winner, proposerHonest ? .proposer : .challenger)
            XCTAssertEqual(result.by, .oneStepProof)
            XCTAssertEqual(chain.state.commitments[0].reverted, !proposerHonest)
        }
    }
}
