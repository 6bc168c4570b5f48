/// A challenge game as the arbiter keeps it: the bisection state machine (`ChallengeGame`) with
/// the parties, the commitment it disputes, the challenger's bond and the move bonds each side
/// has put up so far.
///
/// The proposer is the commitment's poster. A game ends in one of two ways: resolved by the
/// `ChallengeGame` rules (a one-step proof, a timeout, an empty disputed batch: `game.result`),
/// or *voided* because another game reverted its commitment (or an earlier one) first, which
/// returns the challenger's bond and slashes nobody.
public struct L1Game: Sendable, Hashable {
    /// The game's id (its index in `L1ArbiterState.games`).
    public let id: UInt64
    /// The disputed commitment's index.
    public let commitmentIndex: UInt64
    /// The validator that opened the game.
    public let challenger: L1Address
    /// The disputed commitment's poster.
    public let proposer: L1Address
    /// Attached to `openChallenge`; slashed if the challenger loses.
    public let challengerBond: UInt256
    /// The bisection state (ranges, roots, whose turn, deadline, result).
    public internal(set) var game: ChallengeGame
    /// Set when the game was ended without a winner because its commitment was reverted.
    public internal(set) var voided: Bool
    /// Bisection moves accepted so far (the game's depth).
    public internal(set) var moves: UInt32 = 0
    /// The least bond the next bisection move must carry: `L1ArbiterConfig.moveBond(afterMoves:)`
    /// of `moves`, kept here so that a player needs nothing but the game to make its move.
    public internal(set) var nextMoveBond: UInt256 = .zero
    /// Move bonds the proposer has attached in this game (forfeited if it loses).
    public internal(set) var proposerMoveBonds: UInt256 = .zero
    /// Move bonds the challenger has attached in this game (forfeited if it loses).
    public internal(set) var challengerMoveBonds: UInt256 = .zero

    /// Still being played: neither resolved nor voided.
    public var isOpen: Bool { !voided && game.result == nil }

    /// The side `address` plays, nil for an outsider.
    public func party(of address: L1Address) -> ChallengeGame.Party? {
        if address == challenger { return .challenger }
        if address == proposer { return .proposer }
        return nil
    }

    /// The move bonds `party` has attached so far.
    public func moveBonds(of party: ChallengeGame.Party) -> UInt256 {
        party == .proposer ? proposerMoveBonds : challengerMoveBonds
    }

    /// The address playing `party`.
    public func address(of party: ChallengeGame.Party) -> L1Address {
        party == .proposer ? proposer : challenger
    }
}
