import Foundation
import Logging

/// A validator: follows the proposer's commitments on L1, re-executes each one's data from its own
/// state, and challenges a commitment whose posted new root is not the one it computes, then
/// plays the game (`GamePlayer` as challenger) until it ends.
///
/// It keeps its own state from the genesis and trusts nothing the proposer says but the data:
/// a commitment it agrees with advances its state; one it disputes holds it (later commitments,
/// which chain to the disputed root, wait); a won game reverts the disputed commitment and every
/// later one on L1, and the validator keeps its state at the last valid root, ready for the
/// proposer's re-posted commitments. It stakes (`registerValidator`) before its first challenge.
///
/// A commitment it accepted can still be reverted (a game someone else won against it or an
/// earlier one, a proposer that did not defend): the validator then rolls its state back to the
/// newest accepted commitment that still stands (an undo record per accepted commitment, the
/// last `Settings.retainedUndo`) and goes on checking the commitments posted after it. Anything
/// it cannot follow — a revert deeper than it can undo, a standing commitment that does not chain
/// to its root, a first commitment that does not start from its genesis — raises `alarm` (an
/// error log, `alarms` counts them; the engine's validator mode turns it into NOT_SERVING health)
/// instead of waiting silently. See docs/engine-recovery.md.
///
/// One pass is `step()`; `run()` repeats it every `pollInterval`. Every read is of the canonical
/// L1 at the head; moves are sent at most once per game state (`GameSession`). A challenge that
/// the arbiter refuses while the commitment stands (its challenge period ended before we saw it)
/// halts the validator: it cannot follow a chain it believes wrong (`halted`, also an alarm).
public actor ValidatorNode {
    public struct Settings: Sendable {
        /// The validator's L1 address (sender of its stake, challenges and moves).
        public var address: L1Address
        /// Stake sent with `registerValidator` (at least the arbiter's minimum).
        public var stake: UInt256
        /// Bond sent with each challenge (at least the arbiter's minimum).
        public var challengeBond: UInt256
        /// The chain's transition rules (the arbiter's).
        public var rules: TransitionRules
        public var pollInterval: Duration = .seconds(1)
        /// A challenge whose opening has no receipt after this many blocks is sent again.
        public var resendAfterBlocks: UInt64 = 16
        /// Accepted commitments whose undo record is kept (the deepest revert the validator can
        /// follow without a restart, which replays from the genesis). An undo record holds the
        /// prior account of every address the commitment's transactions touched.
        public var retainedUndo = 1_024
        /// Test and demo only: challenge commitment `index` with a wrong root although it is right
        /// (a dishonest challenger, which loses and is slashed).
        public var falseChallengeAt: UInt64?

        public init(address: L1Address, stake: UInt256, challengeBond: UInt256, rules: TransitionRules) {
            self.address = address
            self.stake = stake
            self.challengeBond = challengeBond
            self.rules = rules
        }
    }

    /// How one of our games ended.
    public enum Outcome: Sendable, Hashable {
        case won, lost
        /// Another game reverted the commitment first.
        case voided
    }

    /// A challenge of ours, from its opening transaction to the end of its game.
    private struct Dispute {
        let commitment: L1Commitment
        var session: GameSession
        /// The honest state after the commitment, and whether its root is the posted one (only
        /// when we challenge falsely): what to continue from if we lose.
        let stateAfter: RollupState
        let commitmentIsRight: Bool
        var openTransaction: Digest32
        var sentAtBlock: UInt64
        var gameID: UInt64?
        /// Our last move and the head when it was sent (re-sent if it has no receipt in time).
        var lastMove: (hash: Digest32, block: UInt64)?
    }

    /// An accepted commitment, the accounts it changed as they were before it, and its batches
    /// (the pool rolls back by batches with its own undo).
    private struct AcceptedCommitment {
        let commitment: L1Commitment
        let undo: [(address: Address, account: Account?)]
        let batchCount: Int
    }

    public let settings: Settings
    private let l1: any L1Client
    private let logger: Logger
    /// The state at the last commitment we accept (the genesis at first): the accounts and the
    /// shielded pool, whose undo covers the batches of the retained undo records.
    private var state: RollupState
    /// The next commitment index to check.
    public private(set) var nextIndex: UInt64 = 0
    /// Commitments checked and accepted.
    public private(set) var accepted: [UInt64] = []
    /// Our games that ended, by game id.
    public private(set) var outcomes: [UInt64: Outcome] = [:]
    /// Set when the validator stopped following (see the type's description).
    public private(set) var halted: String?
    /// Moves sent again because they were not included (dropped by an L1 reorg).
    public private(set) var resentMoves = 0
    /// Why the validator cannot follow the L1 right now (nil while it follows): logged as an
    /// error when raised, cleared once it follows again. `halted` is always also an alarm.
    public private(set) var alarm: String?
    /// Alarms raised so far (a metric: each distinct alarm counts once).
    public private(set) var alarms = 0
    /// Accepted commitments rolled back because the L1 reverted them.
    public private(set) var rolledBack = 0
    /// Undo records of the newest accepted commitments, oldest first.
    private var undoLog: [AcceptedCommitment] = []
    /// The newest accepted commitment whose undo record was dropped: a revert of it cannot be
    /// followed without a restart.
    private var undoFloor: L1Commitment?
    private var dispute: Dispute?
    /// Games read so far (ids below this), and ours among them by commitment (`openGame(against:)`).
    private var scannedGames: UInt64 = 0
    private var ourGames: [UInt64: [UInt64]] = [:]
    private var registered = false
    private var nonce: UInt64

    /// Batches of pool undo kept by the pool itself: no bound of its own. `accept` keeps exactly
    /// the batches of the retained undo records' commitments, however many batches each holds
    /// (the deployment's `max_batches_per_commitment`, which the validator does not know).
    static func poolUndoLimit(_ settings: Settings) -> Int { .max }

    /// A validator starting from the genesis allocation `genesisDiff` (batch 0), applied as the
    /// engine applies it (the pool's window closes after batch 0 as in the engine).
    public init(settings: Settings, l1: any L1Client, genesisDiff: StateDiff, logger: Logger) {
        let genesis = StateManager(retainedBatches: Self.poolUndoLimit(settings),
                                   shieldedRootWindow: settings.rules.shieldedRootWindow)
        genesis.apply(diff: genesisDiff)
        self.init(settings: settings, l1: l1, state: RollupState(genesis), logger: logger)
    }

    /// A validator whose accounts before commitment 0 are `state`, with an empty pool.
    public init(settings: Settings, l1: any L1Client, state: SparseMerkleTree, logger: Logger) {
        self.init(settings: settings, l1: l1,
                  state: RollupState(accounts: state, windowCapacity: settings.rules.shieldedRootWindow,
                                     undoLimit: Self.poolUndoLimit(settings)),
                  logger: logger)
    }

    /// A validator whose state before commitment 0 is `state`.
    public init(settings: Settings, l1: any L1Client, state: RollupState, logger: Logger) {
        self.settings = settings
        self.l1 = l1
        self.state = state
        self.logger = logger
        // Distinct from a previous run's transactions (the L1 never includes one twice).
        nonce = UInt64(Date().timeIntervalSince1970 * 1000) << 16
    }

    /// The root of the state the validator accepts.
    public var root: Digest32 { state.root }

    /// Runs `step()` every `pollInterval` until cancelled, logging failures.
    public func run() async {
        while !Task.isCancelled {
            do { try await step() } catch { logger.warning("validator step failed", metadata: ["error": "\(error)"]) }
            try? await Task.sleep(for: settings.pollInterval)
        }
    }

    /// One pass: play our open game if any, else check the next commitments.
    public func step() async throws {
        guard halted == nil else { return }
        let head = try await l1.head()
        if dispute != nil { try await play(head: head) }
        if dispute == nil && halted == nil { try await check(head: head) }
    }

    // MARK: Checking commitments

    private func check(head: L1BlockHeader) async throws {
        var standing = try await l1.commitments(fromIndex: undoLog.last?.commitment.index ?? undoFloor?.index ?? nextIndex)
        if let newest = undoLog.last?.commitment ?? undoFloor, standing.first?.commitment != newest {
            // Something we accepted was reverted: undo back to the newest commitment still standing.
            guard try await rollBack() else { return }
            standing = try await l1.commitments(fromIndex: nextIndex)
        }
        var followed = true
        defer { if followed { clearAlarm() } }
        for (commitment, block) in standing where commitment.index >= nextIndex {
            // Every standing commitment after the ones we accepted chains to our root (the arbiter
            // enforces the chaining): one that does not is something we cannot follow.
            guard commitment.prevRoot == state.root else {
                followed = false
                raise(accepted.isEmpty && undoFloor == nil
                      ? "genesis mismatch: commitment \(commitment.index) starts from \(commitment.prevRoot), our genesis root is \(state.root)"
                      : "commitment \(commitment.index) starts from \(commitment.prevRoot), not from our root \(state.root)")
                return
            }
            let data = try await l1.commitmentData(index: commitment.index)
            let (_, batches) = try BatchData.transactions(ofCommitment: commitment.index, data: data)
            // Deposits are judged against the inbox the commitment consumed, as the arbiter judges them.
            let deposits = try await DepositLedger.reading(for: batches.map(\.transfers), includedIn: block.number, from: l1)
            var after = state
            let trace = CommitmentTrace.execute(batches, on: &after, rules: settings.rules, deposits: deposits)
            let lie = commitment.index == settings.falseChallengeAt
            if trace.newRoot == commitment.newRoot && !lie {
                accept(commitment, batches: batches, after: after, deposits: deposits)
                continue
            }
            let claims = lie ? trace.claiming(newRoot: Keccak256.hash(trace.newRoot.bytes + Array("false challenge".utf8))) : trace
            let player = GamePlayer(party: .challenger, trace: claims, batches: batches, preState: state, rules: settings.rules,
                                    deposits: deposits)
            logger.warning("commitment disputed: challenging", metadata: [
                "index": "\(commitment.index)", "posted_root": "\(commitment.newRoot)", "our_root": "\(claims.newRoot)"])
            if let ours = try await openGame(against: commitment.index) {
                // Ours from before a restart: play it on rather than challenge again (refused).
                registered = true
                dispute = Dispute(commitment: commitment, session: GameSession(player: player), stateAfter: after,
                                  commitmentIsRight: trace.newRoot == commitment.newRoot, openTransaction: .zero,
                                  sentAtBlock: head.number, gameID: ours)
                logger.notice("resuming our open challenge game", metadata: ["game": "\(ours)", "commitment": "\(commitment.index)"])
                return
            }
            if !registered {
                _ = try await send(.registerValidator(stake: settings.stake))
                registered = true
            }
            let hash = try await send(.openChallenge(commitment: commitment.index, claimedRoot: claims.newRoot,
                                                     bond: settings.challengeBond))
            dispute = Dispute(commitment: commitment, session: GameSession(player: player), stateAfter: after,
                              commitmentIsRight: trace.newRoot == commitment.newRoot, openTransaction: hash,
                              sentAtBlock: head.number, gameID: nil)
            return
        }
    }

    // MARK: Playing

    private func play(head: L1BlockHeader) async throws {
        guard var d = dispute else { return }
        defer { dispute = dispute == nil ? nil : d }
        if d.gameID == nil {
            guard let receipt = try await l1.receipt(d.openTransaction) else {
                if head.number >= d.sentAtBlock + settings.resendAfterBlocks {
                    d.openTransaction = try await send(.openChallenge(commitment: d.commitment.index,
                                                                      claimedRoot: d.session.player.trace.newRoot,
                                                                      bond: settings.challengeBond))
                    d.sentAtBlock = head.number
                }
                return
            }
            for case .challengeOpened(let game, _, _, _) in receipt.events { d.gameID = game }
            guard d.gameID != nil else {
                try await refused(d, events: receipt.events)
                return
            }
            logger.notice("challenge opened", metadata: ["game": "\(d.gameID!)", "commitment": "\(d.commitment.index)"])
        }
        guard let id = d.gameID, let record = try await l1.game(id: id) else { return }
        if record.isOpen {
            if let call = d.session.nextCall(for: record, atMs: head.timestampMs) {
                d.lastMove = (try await send(call), head.number)
            } else if let move = d.lastMove, head.number >= move.block + settings.resendAfterBlocks,
                      let call = d.session.unansweredCall(for: record), try await l1.receipt(move.hash) == nil {
                logger.notice("move sent again: it was not included (dropped by an L1 reorg?)", metadata: ["game": "\(id)"])
                resentMoves += 1
                d.lastMove = (try await send(call), head.number)
            }
            return
        }
        finish(d, game: record)
    }

    /// Our open game against commitment `index`, if any. Games are numbered 0, 1, ... in opening
    /// order: each is read once (the scan goes on from the last id seen) and ours are indexed by
    /// commitment; a head that lost games (an L1 reorg) restarts the scan.
    private func openGame(against index: UInt64) async throws -> UInt64? {
        if scannedGames > 0, try await l1.game(id: scannedGames - 1) == nil {
            scannedGames = 0
            ourGames = [:]
        }
        while let record = try await l1.game(id: scannedGames) {
            if record.challenger == settings.address { ourGames[record.commitmentIndex, default: []].append(record.id) }
            scannedGames += 1
        }
        for id in ourGames[index] ?? [] {
            if let record = try await l1.game(id: id), record.isOpen, record.commitmentIndex == index,
               record.challenger == settings.address { return id }
        }
        return nil
    }

    /// The arbiter refused our challenge: harmless if the commitment is gone (reverted by another
    /// game), fatal for following if it stands.
    private func refused(_ d: Dispute, events: [L1Event]) async throws {
        dispute = nil
        let stands = try await l1.commitments(fromIndex: d.commitment.index).first?.commitment == d.commitment
        guard stands else { return }
        halt("challenge of commitment \(d.commitment.index) refused while it stands: \(events)")
    }

    private func finish(_ d: Dispute, game record: L1Game) {
        dispute = nil
        let outcome: Outcome = record.voided ? .voided : record.game.result?.winner == .challenger ? .won : .lost
        outcomes[record.id] = outcome
        logger.notice("game over", metadata: ["game": "\(record.id)", "commitment": "\(d.commitment.index)", "outcome": "\(outcome)"])
        guard outcome == .lost else { return }  // won or voided: the commitment is reverted, our state stays
        if d.commitmentIsRight {
            accept(d.commitment, batches: d.session.player.batches, after: d.stateAfter, deposits: d.session.player.deposits)
        } else {
            halt("lost the game \(record.id) against commitment \(d.commitment.index), which we still compute differently")
        }
    }

    // MARK: Following reverts

    /// Makes `after` (the state once `commitment`'s `batches` ran on ours) the accepted state,
    /// keeping an undo record: the prior account of every address a transaction touched.
    private func accept(_ commitment: L1Commitment, batches: [BatchData.Batch], after: RollupState,
                        deposits: DepositLedger) {
        var touched: Set<Address> = [settings.rules.feeAccount]
        for batch in batches {
            for tx in batch.transfers {
                touched.insert(tx.transfer.from)
                touched.insert(tx.transfer.to)
                // A marker's forced transfer touches its sender (the marker's `to`) and recipient.
                if tx.isInboxMarker, let item = deposits.inboxItem(tx.transfer.nonce) { touched.insert(item.transfer.transfer.to) }
            }
            // A lane transaction touches the pool's account, a shield's account, an unshield's recipient.
            if !batch.shielded.isEmpty { touched.insert(.shieldedPool) }
            for tx in batch.shielded {
                if let from = tx.shield?.from { touched.insert(from) }
                if let to = tx.recipient { touched.insert(to) }
            }
        }
        let undo = touched.map { (address: $0, account: state.accounts.account($0)) }
        state = after
        accepted.append(commitment.index)
        nextIndex = commitment.index + 1
        undoLog.append(AcceptedCommitment(commitment: commitment, undo: undo, batchCount: batches.count))
        if undoLog.count > max(1, settings.retainedUndo) {
            undoFloor = undoLog.removeFirst().commitment
            state.pool.keepUndo(last: undoLog.reduce(0) { $0 + $1.batchCount })
        }
    }

    /// Undoes accepted commitments, newest first, until the newest one the L1 still holds; false
    /// (with an alarm) when that is beyond the undo records or an undo does not restore the
    /// commitment's previous root.
    private func rollBack() async throws -> Bool {
        let from = undoFloor?.index ?? undoLog.first?.commitment.index ?? nextIndex
        let standing = Set(try await l1.commitments(fromIndex: from).map(\.commitment))
        while let last = undoLog.last, !standing.contains(last.commitment) {
            undoLog.removeLast()
            _ = state.accounts.update(last.undo)
            do { try state.pool.rollBack(batches: last.batchCount) } catch {
                halt("undoing reverted commitment \(last.commitment.index): \(error): restart the validator (it replays from the genesis)")
                return false
            }
            guard state.root == last.commitment.prevRoot else {
                halt("undoing reverted commitment \(last.commitment.index) gave root \(state.root), not its previous root "
                         + "\(last.commitment.prevRoot): restart the validator (it replays from the genesis)")
                return false
            }
            accepted.removeAll { $0 == last.commitment.index }
            nextIndex = last.commitment.index
            rolledBack += 1
            logger.warning("accepted commitment reverted on L1: rolled back", metadata: [
                "index": "\(last.commitment.index)", "root": "\(state.root)"])
        }
        if undoLog.isEmpty, let floor = undoFloor, !standing.contains(floor) {
            halt("commitment \(floor.index), accepted longer ago than the \(settings.retainedUndo) undo records kept, was "
                     + "reverted: restart the validator (it replays from the genesis)")
            return false
        }
        return true
    }

    /// Stops following for good (until a restart), loudly.
    private func halt(_ reason: String) {
        halted = reason
        raise(reason)
    }

    /// Raises `reason` as the current alarm (logged as an error when it changes).
    private func raise(_ reason: String) {
        guard alarm != reason else { return }
        alarm = reason
        alarms += 1
        logger.error("validator alarm: it cannot follow the L1", metadata: ["reason": "\(reason)"])
    }

    private func clearAlarm() {
        guard let old = alarm, halted == nil else { return }
        alarm = nil
        logger.notice("validator follows the L1 again", metadata: ["after": "\(old)"])
    }

    private func send(_ call: L1Transaction.Call) async throws -> Digest32 {
        nonce += 1
        return try await l1.submit(L1Transaction(sender: settings.address, call: call, nonce: nonce))
    }
}
