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
/// One pass is `step()`; `run()` repeats it every `pollInterval`. Every read is of the canonical
/// L1 at the head; moves are sent at most once per game state (`GameSession`). A challenge that
/// the arbiter refuses while the commitment stands (its challenge period ended before we saw it)
/// halts the validator: it cannot follow a chain it believes wrong (`halted`).
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
        let stateAfter: SparseMerkleTree
        let commitmentIsRight: Bool
        var openTransaction: Digest32
        var sentAtBlock: UInt64
        var gameID: UInt64?
        /// Our last move and the head when it was sent (re-sent if it has no receipt in time).
        var lastMove: (hash: Digest32, block: UInt64)?
    }

    public let settings: Settings
    private let l1: any L1Client
    private let logger: Logger
    /// The state at the last commitment we accept (the genesis at first).
    private var state: SparseMerkleTree
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
    private var dispute: Dispute?
    private var registered = false
    private var nonce: UInt64

    /// A validator starting from the genesis allocation `genesisDiff` (batch 0).
    public init(settings: Settings, l1: any L1Client, genesisDiff: StateDiff, logger: Logger) {
        let genesis = StateManager()
        genesis.apply(diff: genesisDiff)
        self.init(settings: settings, l1: l1, state: genesis.tree, logger: logger)
    }

    /// A validator whose state before commitment 0 is `state`.
    public init(settings: Settings, l1: any L1Client, state: SparseMerkleTree, logger: Logger) {
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
        for (commitment, block) in try await l1.commitments(fromIndex: nextIndex) {
            // A commitment chaining to a root we do not hold waits (it follows one we dispute).
            guard commitment.prevRoot == state.root else { return }
            let data = try await l1.commitmentData(index: commitment.index)
            let (_, batches) = try BatchData.transactions(ofCommitment: commitment.index, data: data)
            // Deposits are judged against the inbox the commitment consumed, as the arbiter judges them.
            let deposits = try await DepositLedger.reading(for: batches, includedIn: block.number, from: l1)
            var after = state
            let trace = CommitmentTrace.execute(batches, on: &after, rules: settings.rules, deposits: deposits)
            let lie = commitment.index == settings.falseChallengeAt
            if trace.newRoot == commitment.newRoot && !lie {
                state = after
                accepted.append(commitment.index)
                nextIndex = commitment.index + 1
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

    /// Our open game against commitment `index`, if any (games are numbered 0, 1, ...).
    private func openGame(against index: UInt64) async throws -> UInt64? {
        var id: UInt64 = 0
        while let record = try await l1.game(id: id) {
            if record.isOpen && record.commitmentIndex == index && record.challenger == settings.address { return id }
            id += 1
        }
        return nil
    }

    /// The arbiter refused our challenge: harmless if the commitment is gone (reverted by another
    /// game), fatal for following if it stands.
    private func refused(_ d: Dispute, events: [L1Event]) async throws {
        dispute = nil
        let stands = try await l1.commitments(fromIndex: d.commitment.index).first?.commitment == d.commitment
        guard stands else { return }
        halted = "challenge of commitment \(d.commitment.index) refused: \(events)"
        logger.error("challenge refused; the validator stops following", metadata: ["events": "\(events)"])
    }

    private func finish(_ d: Dispute, game record: L1Game) {
        dispute = nil
        let outcome: Outcome = record.voided ? .voided : record.game.result?.winner == .challenger ? .won : .lost
        outcomes[record.id] = outcome
        logger.notice("game over", metadata: ["game": "\(record.id)", "commitment": "\(d.commitment.index)", "outcome": "\(outcome)"])
        guard outcome == .lost else { return }  // won or voided: the commitment is reverted, our state stays
        if d.commitmentIsRight {
            state = d.stateAfter
            accepted.append(d.commitment.index)
            nextIndex = d.commitment.index + 1
        } else {
            halted = "lost the game against commitment \(d.commitment.index), which we still compute differently"
            logger.error("lost a game we believe right; the validator stops following", metadata: ["game": "\(record.id)"])
        }
    }

    private func send(_ call: L1Transaction.Call) async throws -> Digest32 {
        nonce += 1
        return try await l1.submit(L1Transaction(sender: settings.address, call: call, nonce: nonce))
    }
}
