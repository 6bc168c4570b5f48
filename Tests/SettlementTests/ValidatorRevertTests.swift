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

    /// A transfer-only commitment of more batches than the validator's pool undo assumes per
    /// commitment (`ValidatorNode.poolUndoLimit`: 64 per retained undo record; the deployment
    /// chooses `max_batches_per_commitment`) is accepted and then reverted: the accounts' undo
    /// covers it (one record), so the validator must roll it back as it did before the pool
    /// existed — not halt because the pool's per-batch undo ran out.
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
}
