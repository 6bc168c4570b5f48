/// A `GamePlayer` attached to one game on L1, polled: asks the player only when there is
/// something new to decide and never sends the same decision twice.
///
/// A move takes at least a block to be included, and the game read in between is unchanged; a
/// naive poller would send it again (refused, but paid for on a real chain) and, in the one-step
/// phase, rebuild the proof every poll. The session remembers the game state it last evaluated
/// and the one it last answered: it evaluates again when the game changed or its deadline passed
/// (a timeout may now be claimable), and sends at most one call per game state.
public struct GameSession: Sendable {
    /// The player deciding our moves.
    public let player: GamePlayer
    private var evaluated: ChallengeGame?
    private var answered: ChallengeGame?
    private var lastCall: L1Transaction.Call?

    public init(player: GamePlayer) { self.player = player }

    /// The call to send for `record` at L1 time `nowMs`, nil when nothing new is to be sent.
    /// Returning a call records it as sent for this game state.
    public mutating func nextCall(for record: L1Game, atMs nowMs: UInt64) -> L1Transaction.Call? {
        guard record.isOpen, answered != record.game else { return nil }
        if evaluated == record.game && nowMs <= record.game.deadlineMs { return nil }
        evaluated = record.game
        guard let call = player.nextCall(for: record, atMs: nowMs) else { return nil }
        answered = record.game
        lastCall = call
        return call
    }

    /// The call last returned, while `record` still shows the game state it answered: what to
    /// send again when that transaction never made it into the chain (dropped by an L1 reorg).
    /// The caller decides from its receipt; this never decides anew.
    public func unansweredCall(for record: L1Game) -> L1Transaction.Call? {
        guard record.isOpen, answered == record.game else { return nil }
        return lastCall
    }
}
