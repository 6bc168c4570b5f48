import Logging

/// The proposer's side of challenge games: answers every game opened against one of our
/// commitments with a `GamePlayer` as proposer. Called by `FinalityEngine` on each step (so only
/// the leader plays).
///
/// Games are found by id (0, 1, ... in opening order; `L1Client.game(id:)`), once each (the scan
/// goes on from the last id seen, not from 0), keeping those whose proposer is us, indexed by
/// commitment (`games(against:)`). Each step plays the open games nearest deadline first, and
/// each on its own: a game whose handling fails (its state cannot be rebuilt, a send fails) is
/// logged, counted (`failures`) and retried next step, and never holds up the defence of the
/// others. For each, the player's trace is the commitment's data re-executed from the
/// state after the batch before it, which `stateAfterBatch` rebuilds (from the store: newest
/// snapshot plus diffs). That is the engine's true execution, so a commitment posted with a wrong
/// root (fault injection) is defended with true roots and lost — as it should be.
public actor ProposerDefense {
    /// The state after L2 batch `batch` (the accounts and the shielded pool).
    public typealias StateLoader = @Sendable (_ batch: UInt64) async throws -> RollupState

    private let l1: any L1Client
    private let proposer: L1Address
    private let rules: TransitionRules
    private let stateAfterBatch: StateLoader
    private let logger: Logger
    /// The first game id not looked at yet.
    private var nextGameID: UInt64 = 0
    /// Our open games; nil until their player is built.
    private var sessions: [UInt64: GameSession?] = [:]
    private var moves: UInt64 = 0
    /// Our last move in each open game and the head when it was sent.
    private var lastMoves: [UInt64: (hash: Digest32, block: UInt64)] = [:]
    /// A move with no receipt after this many blocks is sent again (dropped by an L1 reorg).
    public let resendAfterBlocks: UInt64
    /// Moves sent again so far.
    public private(set) var resentMoves = 0
    private let challengeLog: (any ChallengeLog)?
    /// Per open game: the last game state seen and how many distinct states were seen.
    private var observed: [UInt64: (state: ChallengeGame, count: Int)] = [:]
    /// Our games (open or not) by the commitment they dispute.
    private var byCommitment: [UInt64: Set<UInt64>] = [:]
    /// Consecutive failed steps of each open game whose handling fails (cleared when it works again).
    public private(set) var failures: [UInt64: Int] = [:]

    public init(l1: any L1Client, proposer: L1Address, rules: TransitionRules, stateAfterBatch: @escaping StateLoader,
                logger: Logger, resendAfterBlocks: UInt64 = 16, challengeLog: (any ChallengeLog)? = nil) {
        self.resendAfterBlocks = resendAfterBlocks
        self.challengeLog = challengeLog
        self.l1 = l1
        self.proposer = proposer
        self.rules = rules
        self.stateAfterBatch = stateAfterBatch
        self.logger = logger
    }

    /// A loader that rebuilds the state after a batch from `store` as the engine does at start
    /// (the newest snapshot with the pool's image, then each later batch's diff and shielded
    /// effects, every recorded root checked), the pool's window holding `shieldedRootWindow`
    /// batches as the engine's.
    public static func stateLoader(from store: any SettlementStore,
                                   shieldedRootWindow: Int = ShieldedPool.defaultWindow) -> StateLoader {
        { batch in
            let chain = try await store.persistedChain(upTo: batch)
            var state = StateManager(retainedBatches: 1, shieldedRootWindow: shieldedRootWindow)
            let (last, _) = try SettlementEngine.replay(chain, into: &state)
            guard last == batch else { throw ValidatorError.stateUnavailable(batch: batch) }
            return RollupState(state)
        }
    }

    /// Ids of the games we are still playing.
    public var openGames: [UInt64] { sessions.keys.sorted() }

    /// Our games against commitment `index`, open or not.
    public func games(against index: UInt64) -> [UInt64] { (byCommitment[index] ?? []).sorted() }

    /// Finds new games against us and sends our next move in each, at L1 time `head`, nearest
    /// deadline first; one game's failure does not stop the others (see the type's description).
    public func step(head: L1BlockHeader) async throws {
        while let record = try await l1.game(id: nextGameID) {
            if record.proposer == proposer {
                byCommitment[record.commitmentIndex, default: []].insert(record.id)
                if record.isOpen {
                    sessions[record.id] = .some(nil)
                    await logChallenge { try await $0.challengeOpened(record) }
                    logger.warning("a commitment of ours is challenged", metadata: [
                        "game": "\(record.id)", "commitment": "\(record.commitmentIndex)", "challenger": "\(record.challenger)"])
                }
            }
            nextGameID += 1
        }
        var records: [(id: UInt64, record: L1Game?)] = []
        for id in sessions.keys { records.append((id, try await l1.game(id: id))) }
        records.sort { ($0.record?.game.deadlineMs ?? 0, $0.id) < ($1.record?.game.deadlineMs ?? 0, $1.id) }
        for (id, record) in records {
            do {
                try await play(id, record: record, head: head)
                failures[id] = nil
            } catch {
                failures[id, default: 0] += 1
                logger.error("defending a challenge game failed; the other games go on, this one is retried", metadata: [
                    "game": "\(id)", "failures": "\(failures[id]!)", "error": "\(error)"])
            }
        }
    }

    private func play(_ id: UInt64, record: L1Game?, head: L1BlockHeader) async throws {
        guard let record else {
            // Dropped by an L1 reorg: forget it; it is found again if it comes back.
            sessions[id] = nil
            failures[id] = nil
            nextGameID = min(nextGameID, id)
            return
        }
        await observe(record)
        guard record.isOpen else {
            sessions[id] = nil
            lastMoves[id] = nil
            observed[id] = nil
            failures[id] = nil
            let won = !record.voided && record.game.result?.winner == .proposer
            logger.notice("challenge game over", metadata: [
                "game": "\(id)", "commitment": "\(record.commitmentIndex)", "won": "\(won)", "voided": "\(record.voided)"])
            return
        }
        var session: GameSession
        if let existing = sessions[id] ?? nil { session = existing } else { session = GameSession(player: try await player(for: record)) }
        defer { sessions[id] = session }
        if let call = session.nextCall(for: record, atMs: head.timestampMs) {
            lastMoves[id] = (try await send(call, game: id), head.number)
        } else if let move = lastMoves[id], head.number >= move.block + resendAfterBlocks,
                  let call = session.unansweredCall(for: record), try await l1.receipt(move.hash) == nil {
            logger.notice("move sent again: it was not included (dropped by an L1 reorg?)", metadata: ["game": "\(id)"])
            resentMoves += 1
            lastMoves[id] = (try await send(call, game: id), head.number)
        }
    }

    /// Counts a new game state and logs it (a log failure is only a warning: the game goes on).
    private func observe(_ record: L1Game) async {
        var entry = observed[record.id] ?? (record.game, 0)
        let changed = entry.count == 0 || entry.state != record.game || !record.isOpen
        if entry.count == 0 || entry.state != record.game {
            entry = (record.game, entry.count + 1)
            observed[record.id] = entry
        }
        guard changed else { return }
        let moves = entry.count - 1  // the first state seen is the opening
        await logChallenge { try await $0.challengeUpdated(record, movesSeen: moves) }
    }

    private func logChallenge(_ body: (any ChallengeLog) async throws -> Void) async {
        guard let challengeLog else { return }
        do { try await body(challengeLog) } catch {
            logger.warning("recording a challenge game failed", metadata: ["error": "\(error)"])
        }
    }

    private func send(_ call: L1Transaction.Call, game id: UInt64) async throws -> Digest32 {
        moves += 1
        return try await l1.submit(L1Transaction(sender: proposer, call: call, nonce: 1 << 62 | id << 24 | (moves & 0xff_ffff)))
    }

    /// The honest player for `record`'s commitment, from the state before its first batch.
    private func player(for record: L1Game) async throws -> GamePlayer {
        let index = record.commitmentIndex
        let data = try await l1.commitmentData(index: index)
        let (firstBatch, batches) = try BatchData.transactions(ofCommitment: index, data: data)
        guard firstBatch > 0 else { throw ValidatorError.undecodableData(index: index, reason: "batch 0 is the genesis") }
        let preState = try await stateAfterBatch(firstBatch - 1)
        let held = try await l1.commitments(fromIndex: index).first
        if let held = held?.commitment, held.index == index, held.prevRoot != preState.root {
            throw ValidatorError.stateMismatch(index: index, expected: held.prevRoot, actual: preState.root)
        }
        // The inbox the commitment consumed (deposits before its block), as the arbiter judges it.
        guard let block = held?.block, held?.commitment.index == index else {
            throw ValidatorError.missingCommitmentData(index: index)  // reverted meanwhile: its games are void
        }
        let deposits = try await DepositLedger.reading(for: batches.map(\.transfers), includedIn: block.number, from: l1)
        return GamePlayer(party: .proposer, batches: batches, preState: preState, rules: rules, deposits: deposits)
    }
}
