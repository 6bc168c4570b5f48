import Logging

/// The proposer's side of challenge games: answers every game opened against one of our
/// commitments with a `GamePlayer` as proposer. Called by `FinalityEngine` on each step (so only
/// the leader plays).
///
/// Games are found by id (0, 1, ... in opening order; `L1Client.game(id:)`), keeping those whose
/// proposer is us. For each, the player's trace is the commitment's data re-executed from the
/// state after the batch before it, which `stateAfterBatch` rebuilds (from the store: newest
/// snapshot plus diffs). That is the engine's true execution, so a commitment posted with a wrong
/// root (fault injection) is defended with true roots and lost — as it should be.
public actor ProposerDefense {
    /// The state after L2 batch `batch`.
    public typealias StateLoader = @Sendable (_ batch: UInt64) async throws -> SparseMerkleTree

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

    public init(l1: any L1Client, proposer: L1Address, rules: TransitionRules, stateAfterBatch: @escaping StateLoader,
                logger: Logger) {
        self.l1 = l1
        self.proposer = proposer
        self.rules = rules
        self.stateAfterBatch = stateAfterBatch
        self.logger = logger
    }

    /// A loader that rebuilds the state after a batch from `store` (snapshot + diffs, root checked).
    public static func stateLoader(from store: any SettlementStore) -> StateLoader {
        { batch in
            guard let snapshot = try await store.snapshot(atBatch: batch) else { throw ValidatorError.stateUnavailable(batch: batch) }
            return try StateManager(restoringFrom: snapshot).tree
        }
    }

    /// Ids of the games we are still playing.
    public var openGames: [UInt64] { sessions.keys.sorted() }

    /// Finds new games against us and sends our next move in each, at L1 time `head`.
    public func step(head: L1BlockHeader) async throws {
        while let record = try await l1.game(id: nextGameID) {
            if record.proposer == proposer && record.isOpen {
                sessions[record.id] = .some(nil)
                logger.warning("a commitment of ours is challenged", metadata: [
                    "game": "\(record.id)", "commitment": "\(record.commitmentIndex)", "challenger": "\(record.challenger)"])
            }
            nextGameID += 1
        }
        for id in sessions.keys.sorted() { try await play(id, head: head) }
    }

    private func play(_ id: UInt64, head: L1BlockHeader) async throws {
        guard let record = try await l1.game(id: id) else {
            // Dropped by an L1 reorg: forget it; it is found again if it comes back.
            sessions[id] = nil
            nextGameID = min(nextGameID, id)
            return
        }
        guard record.isOpen else {
            sessions[id] = nil
            let won = !record.voided && record.game.result?.winner == .proposer
            logger.notice("challenge game over", metadata: [
                "game": "\(id)", "commitment": "\(record.commitmentIndex)", "won": "\(won)", "voided": "\(record.voided)"])
            return
        }
        var session: GameSession
        if let existing = sessions[id] ?? nil { session = existing } else { session = GameSession(player: try await player(for: record)) }
        defer { sessions[id] = session }
        guard let call = session.nextCall(for: record, atMs: head.timestampMs) else { return }
        moves += 1
        _ = try await l1.submit(L1Transaction(sender: proposer, call: call, nonce: 1 << 62 | id << 24 | (moves & 0xff_ffff)))
    }

    /// The honest player for `record`'s commitment, from the state before its first batch.
    private func player(for record: L1Game) async throws -> GamePlayer {
        let index = record.commitmentIndex
        let data = try await l1.commitmentData(index: index)
        let (firstBatch, batches) = try BatchData.transactions(ofCommitment: index, data: data)
        guard firstBatch > 0 else { throw ValidatorError.undecodableData(index: index, reason: "batch 0 is the genesis") }
        let preState = try await stateAfterBatch(firstBatch - 1)
        if let held = try await l1.commitments(fromIndex: index).first?.commitment, held.index == index,
           held.prevRoot != preState.root {
            throw ValidatorError.stateMismatch(index: index, expected: held.prevRoot, actual: preState.root)
        }
        let deposits = try await DepositLedger.reading(for: batches, from: l1)
        return GamePlayer(party: .proposer, batches: batches, preState: preState, rules: rules, deposits: deposits)
    }
}
