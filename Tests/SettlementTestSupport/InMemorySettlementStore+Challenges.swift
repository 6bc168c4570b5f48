import Settlement

/// `ChallengeLog` in memory: the games seen against our commitments, by id.
extension InMemorySettlementStore: ChallengeLog {
    public func challengeOpened(_ game: L1Game) async throws {
        state.withLock { s in if s.challenges[game.id] == nil { s.challenges[game.id] = (game, 0) } }
    }

    public func challengeUpdated(_ game: L1Game, movesSeen: Int) async throws {
        state.withLock { $0.challenges[game.id] = (game, movesSeen) }
    }

    /// The games logged, by id, with the moves seen in each.
    public var loggedChallenges: [UInt64: (game: L1Game, movesSeen: Int)] { state.withLock { $0.challenges } }
}
