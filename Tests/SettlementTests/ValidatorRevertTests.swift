import Logging
import XCTest
@testable import Settlement

/// A validator follows reverts of commitments it accepted and raises an alarm
/// for anything it cannot follow. Adversary: a proposer who gets an accepted commitment reverted
/// (here by not defending it against a false challenge) and then posts a wrong root on the
/// earlier state, hoping the validator stays blind.
final class ValidatorRevertTests: XCTestCase {
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let validatorAddress = Address(bytes: [UInt8](repeating: 0xcc, count: 20))!
    let outsider = Address(bytes: [UInt8](repeating: 0xee, count: 20))!
    let window: UInt64 = 10_000

    /// L2 batches 1...6: segment 0 = batch 1, segment 1 = batches 2...4, segment 2 = batches 5...6.
    let world: CommitmentWorld = {
        let fixture = FraudProofFixture(seed: 171)
        return CommitmentWorld(fixture: fixture, batches: fixture.committedBatches([2, 3, 1, 4, 1, 2], seed: 172))
    }()

    var segments: [CommittedSegment] {
        [CommittedSegment(world: world, first: 0, count: 1), CommittedSegment(world: world, first: 1, count: 3),
         CommittedSegment(world: world, first: 4, count: 2)]
    }

    private func l1() -> ScriptedL1 {
        ScriptedL1(config: L1ArbiterConfig(
            genesisRoot: world.fixture.tree.root, proposer: proposer, minimumCommitmentBond: 100, minimumStake: 50,
            unstakeDelayMs: 0, challengePeriodMs: 1_000_000, clockMs: window, minimumChallengeBond: 10,
            slashRewardPercent: 40, challengerStakeSlashPercent: 20, rules: world.fixture.rules))
    }

    private func validator(_ l1: ScriptedL1, state: SparseMerkleTree? = nil, retainedUndo: Int = 1_024) -> ValidatorNode {
        var settings = ValidatorNode.Settings(address: validatorAddress, stake: 60, challengeBond: 10, rules: world.fixture.rules)
        settings.retainedUndo = retainedUndo
        var logger = Logger(label: "validator-revert-test")
        logger.logLevel = .critical
        return ValidatorNode(settings: settings, l1: l1, state: state ?? world.fixture.tree, logger: logger)
    }

    /// Posts `segment` as commitment `index` from `prevRoot`, claiming `newRoot` (honest by default).
    private func post(_ l1: ScriptedL1, _ segment: CommittedSegment, index: UInt64, newRoot: Digest32? = nil) async {
        let c = segment.commitment(index: index, newRoot: newRoot)
        let events = await l1.send(.postCommitment(c, data: segment.data, bond: 100), by: proposer)
        XCTAssertEqual(events, [.commitmentPosted(c, proposer: proposer)])
    }

    /// The outsider challenges commitment `index` falsely and the proposer never answers: it is
    /// reverted by timeout (with every later one).
    private func revertUndefended(_ l1: ScriptedL1, index: UInt64) async {
        await l1.send(.registerValidator(stake: 60), by: outsider)
        let opened = await l1.send(.openChallenge(commitment: index, claimedRoot: CommitmentWorld.lie(.zero), bond: 10), by: outsider)
        guard case .challengeOpened(let game, _, _, _)? = opened.first else { return XCTFail("\(opened)") }
        let resolved = await l1.send(.claimTimeout(game: game), by: outsider, advanceMs: window + 1)
        XCTAssertTrue(resolved.contains(.commitmentsReverted(fromIndex: index)), "\(resolved)")
    }

    private func challenges(_ l1: ScriptedL1) async -> [UInt64] {
        await l1.log.compactMap { entry in
            guard entry.sender == validatorAddress, case .openChallenge(let index, _, _) = entry.call else { return nil }
            return index
        }
    }

    func testARevertedAcceptedCommitmentIsRolledBackAndALaterWrongRootIsChallenged() async throws {
        let l1 = l1()
        let node = validator(l1)
        await post(l1, segments[0], index: 0)
        await post(l1, segments[1], index: 1)
        try await node.step()
        var accepted = await node.accepted
        XCTAssertEqual(accepted, [0, 1])

        // Commitment 1 (which the validator accepted) is reverted; the proposer re-posts its
        // batches from commitment 0's root with a wrong root.
        await revertUndefended(l1, index: 1)
        await post(l1, segments[1], index: 2, newRoot: CommitmentWorld.lie(segments[1].trace.newRoot))
        try await node.step()

        accepted = await node.accepted
        XCTAssertEqual(accepted, [0])
        let rolledBack = await node.rolledBack
        XCTAssertEqual(rolledBack, 1)
        let root = await node.root
        XCTAssertEqual(root, segments[0].trace.newRoot, "back at the newest accepted commitment still standing")
        let challenged = await challenges(l1)
        XCTAssertEqual(challenged, [2], "the wrong root posted after the revert is challenged")
        let alarm = await node.alarm
        XCTAssertNil(alarm)
    }

    func testAnHonestRepostAfterARevertIsAcceptedAgain() async throws {
        let l1 = l1()
        let node = validator(l1)
        await post(l1, segments[0], index: 0)
        await post(l1, segments[1], index: 1)
        try await node.step()
        await revertUndefended(l1, index: 0)
        await post(l1, segments[0], index: 2)
        await post(l1, segments[1], index: 3)
        try await node.step()
        let accepted = await node.accepted
        XCTAssertEqual(accepted, [2, 3])
        let root = await node.root
        XCTAssertEqual(root, segments[1].trace.newRoot)
        let challenged = await challenges(l1)
        XCTAssertEqual(challenged, [])
    }

    func testAGenesisMismatchIsAnAlarmNotSilence() async throws {
        let l1 = l1()
        var other = world.fixture.tree
        other.update([(address: outsider, account: Account(balance: 1))])
        let node = validator(l1, state: other)
        await post(l1, segments[0], index: 0)
        try await node.step()
        let alarm = await node.alarm
        XCTAssertTrue(alarm?.contains("genesis mismatch") ?? false, "\(String(describing: alarm))")
        let alarms = await node.alarms
        XCTAssertEqual(alarms, 1)
        try await node.step()
        let again = await node.alarms
        XCTAssertEqual(again, 1, "one alarm, not one per poll")
        let challenged = await challenges(l1)
        XCTAssertEqual(challenged, [], "no challenge from a state that is not the chain's")
    }

    func testARevertDeeperThanTheUndoRecordsHaltsLoudly() async throws {
        let l1 = l1()
        let node = validator(l1, retainedUndo: 1)
        await post(l1, segments[0], index: 0)
        await post(l1, segments[1], index: 1)
        try await node.step()
        await revertUndefended(l1, index: 0)
        await post(l1, segments[0], index: 2, newRoot: CommitmentWorld.lie(segments[0].trace.newRoot))
        try await node.step()
        let halted = await node.halted
        XCTAssertTrue(halted?.contains("restart the validator") ?? false, "\(String(describing: halted))")
        let alarm = await node.alarm
        XCTAssertEqual(alarm, halted)
    }

    /// A transfer-only commitment of many batches (65; the deployment chooses
    /// `max_batches_per_commitment`, which the validator does not know) is accepted and then
    /// reverted: the accounts' undo covers it (one record), so the validator must roll it back as
    /// it did before the pool existed — not halt because the pool's per-batch undo ran out (it
    /// once kept 64 batches per undo record).
    func testARevertedCommitmentOfManyBatchesIsRolledBackNotHalted() async throws {
        let fixture = FraudProofFixture(seed: 181)
        let world = CommitmentWorld(fixture: fixture, batches: fixture.committedBatches([Int](repeating: 1, count: 66), seed: 182))
        let first = CommittedSegment(world: world, first: 0, count: 1)
        let long = CommittedSegment(world: world, first: 1, count: 65)
        let l1 = ScriptedL1(config: L1ArbiterConfig(
            genesisRoot: fixture.tree.root, proposer: proposer, minimumCommitmentBond: 100, minimumStake: 50,
            unstakeDelayMs: 0, challengePeriodMs: 1_000_000, clockMs: window, minimumChallengeBond: 10,
            slashRewardPercent: 40, challengerStakeSlashPercent: 20, rules: fixture.rules))
        var settings = ValidatorNode.Settings(address: validatorAddress, stake: 60, challengeBond: 10, rules: fixture.rules)
        settings.retainedUndo = 1
        var logger = Logger(label: "validator-revert-test")
        logger.logLevel = .critical
        let node = ValidatorNode(settings: settings, l1: l1, state: fixture.tree, logger: logger)
        await post(l1, first, index: 0)
        await post(l1, long, index: 1)
        try await node.step()
        var accepted = await node.accepted
        XCTAssertEqual(accepted, [0, 1])
        await revertUndefended(l1, index: 1)
        try await node.step()
        let halted = await node.halted
        XCTAssertNil(halted, "a revert within the one undo record kept is followed")
        accepted = await node.accepted
        XCTAssertEqual(accepted, [0])
        let root = await node.root
        XCTAssertEqual(root, first.trace.newRoot)
    }

    /// A commitment whose batch has a shielded lane (a shield, which adds notes, spends
    /// nullifiers and moves the account's balance and nonce) is accepted, reverted on the L1, and
    /// posted again honestly: the rollback must give back the commitment's previous root (accounts
    /// and pool) and unspend the lane's nullifiers, so that the repost is accepted, not challenged.
    func testARevertedCommitmentWithALaneIsRolledBackAndItsRepostAccepted() async throws {
        let fixture = FraudProofFixture(seed: 191)
        let key = try PrivateKey(hex: "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
        var genesis = fixture.tree
        genesis.update([(address: key.address, account: Account(balance: 1_000))])
        // A real shield (the arbiter takes a lane only with the aggregate of its proofs).
        let owner = try SpendingKey.generate()
        let shield = try SpendBuilder.build(spendingKey: owner, inputs: [], payments: [.init(to: owner.address, value: 9)],
                                            publicIn: 10, fee: 1, party: .shieldFrom(key: key, nonce: 0), root: NoteTree().root,
                                            domain: fixture.rules.domain, provingKey: ShieldedVerifierTests.keys.proving).transaction
        let transfers = fixture.committedBatches([1, 1], seed: 192)
        let batches = [BatchData.Batch(number: 1, transfers: transfers[0]),
                       BatchData.Batch(number: 2, transfers: transfers[1], shielded: [shield])]
        var state = RollupState(accounts: genesis, windowCapacity: fixture.rules.shieldedRootWindow)
        let first = CommitmentTrace.execute([batches[0]], on: &state, rules: fixture.rules)
        let second = CommitmentTrace.execute([batches[1]], on: &state, rules: fixture.rules)
        XCTAssertEqual(second.batches[0].rejections.last!, nil, "the shield is applied")
        XCTAssertFalse(state.shieldedRoots.isEmpty)
        func commitment(_ index: UInt64, _ b: BatchData.Batch, _ trace: CommitmentTrace) -> (L1Commitment, [UInt8]) {
            let data = BatchData.encode([b], domain: fixture.rules.domain)
            return (L1Commitment(index: index, firstBatch: b.number, lastBatch: b.number, prevRoot: trace.prevRoot,
                                 newRoot: trace.newRoot, dataRoot: committedRoot(data)), data)
        }
        let l1 = ScriptedL1(config: L1ArbiterConfig(
            genesisRoot: genesis.root, proposer: proposer, minimumCommitmentBond: 100, minimumStake: 50,
            unstakeDelayMs: 0, challengePeriodMs: 1_000_000, clockMs: window, minimumChallengeBond: 10,
            slashRewardPercent: 40, challengerStakeSlashPercent: 20, rules: fixture.rules,
            shieldedLane: LaneAggregateTests.keys.verifier))
        func post(_ c: (L1Commitment, [UInt8])) async {
            let lane = LaneAggregate.lane(of: try! BatchData.decode(c.1).batches)
            let aggregate = lane.isEmpty ? [] : try! LaneAggregate.aggregate(lane: lane, keys: LaneAggregateTests.keys)
            let events = await l1.send(.postCommitment(c.0, data: c.1, bond: 100, aggregate: aggregate), by: proposer)
            XCTAssertEqual(events, [.commitmentPosted(c.0, proposer: proposer)])
        }
        var settings = ValidatorNode.Settings(address: validatorAddress, stake: 60, challengeBond: 10, rules: fixture.rules)
        settings.retainedUndo = 4
        var logger = Logger(label: "validator-revert-test")
        logger.logLevel = .critical
        let node = ValidatorNode(settings: settings, l1: l1, state: genesis, logger: logger)
        await post(commitment(0, batches[0], first))
        await post(commitment(1, batches[1], second))
        try await node.step()
        var accepted = await node.accepted
        XCTAssertEqual(accepted, [0, 1])
        await revertUndefended(l1, index: 1)
        try await node.step()
        let root = await node.root
        XCTAssertEqual(root, first.newRoot, "back at the commitment's previous root, pool included")
        await post(commitment(2, batches[1], second))
        try await node.step()
        accepted = await node.accepted
        XCTAssertEqual(accepted, [0, 2], "the honest repost is accepted: the lane's nullifiers were unspent again")
        let challenged = await challenges(l1)
        XCTAssertEqual(challenged, [])
        let halted = await node.halted
        XCTAssertNil(halted)
    }
}
