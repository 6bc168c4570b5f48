/// Where the proposer's side records the challenge games against its commitments, for operators
/// (the `challenges` table behind `settlement report`'s challenge section). The L1 stays the
/// authority on games; this is a log of what the engine saw.
public protocol ChallengeLog: Sendable {
    /// A game against one of our commitments was found open.
    func challengeOpened(_ game: L1Game) async throws
    /// The game changed: `movesSeen` distinct game states observed so far (each is at least one
    /// move; a poll can miss one between two reads), and, once over, who won or that it was voided.
    func challengeUpdated(_ game: L1Game, movesSeen: Int) async throws
}
