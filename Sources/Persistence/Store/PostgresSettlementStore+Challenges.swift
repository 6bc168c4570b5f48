import PostgresDriver
import Settlement

/// `ChallengeLog` on PostgreSQL: the `challenges` table of migration 0004, one row per game with
/// the game's L1 id as its id. `status` is 'open', 'resolved' or 'voided'; `winner` is
/// 'challenger' or 'proposer' once resolved.
extension PostgresSettlementStore: ChallengeLog {
    public func challengeOpened(_ game: L1Game) async throws {
        _ = try await maintenance.idempotent { c in
            try await c.query("""
                INSERT INTO challenges (id, commitment_id, challenger, proposer, status, bond)
                SELECT $1, $2, $3, $4, 'open', $5::numeric WHERE EXISTS (SELECT 1 FROM l1_commitments WHERE id = $2)
                ON CONFLICT (id) DO NOTHING
                """, [.int64(Int64(bitPattern: game.id)), .int64(Int64(bitPattern: game.commitmentIndex)),
                      .bytes(game.challenger.bytes), .bytes(game.proposer.bytes), .text(game.challengerBond.description)])
        }
    }

    public func challengeUpdated(_ game: L1Game, movesSeen: Int) async throws {
        let status = game.voided ? "voided" : game.game.result == nil ? "open" : "resolved"
        let winner: PostgresValue? = game.game.result.map { .text($0.winner == .challenger ? "challenger" : "proposer") }
        _ = try await maintenance.idempotent { c in
            try await c.query("""
                UPDATE challenges SET status = $2, winner = $3, moves = greatest(moves, $4),
                    resolved_at = CASE WHEN $2 = 'open' THEN NULL ELSE coalesce(resolved_at, now()) END
                WHERE id = $1
                """, [.int64(Int64(bitPattern: game.id)), .text(status), winner, .int32(Int32(clamping: movesSeen))])
        }
    }
}
