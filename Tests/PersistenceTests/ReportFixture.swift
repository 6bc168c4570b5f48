import Foundation
import Persistence
import PostgresDriver
import Reporting

/// A hand-constructed workload for the reporting tests, written with direct SQL at controlled
/// times (2024-01-01 00:00:00Z + seconds), with the numbers the report must show worked out by
/// hand below.
///
/// Batches (created -> committed, transactions, accepted, accounts, term):
///  1: 0.990 -> 1.000 (10 ms), 3 tx, 2 accepted, 10 accounts, term 1
///  2: 1.480 -> 1.500 (20 ms), 2 tx, 2 accepted, 12 accounts, term 1
///  3: 2.970 -> 3.000 (30 ms), 1 tx, 0 accepted, 0 (unknown) accounts, term 2
///  4: 3.960 -> 4.000 (40 ms), 4 tx, 4 accepted, 15 accounts, term 2
/// Accepted transactions wait 100 or 200 ms (batches 1, 2) and 100..400 ms (batch 4) before their
/// batch commits. Terms: 1 (holder a) from 0.5 s, 2 (b, previous a) from 2.5 s. Commitment 1
/// (batches 1-2) posted 2.0, confirmed 2.5, finalized 3.5; commitment 2 (3-4) posted 4.2.
/// Challenge 1 on commitment 1 opened 2.2, resolved 3.2 for the proposer; challenge 2 opened 4.5.
enum ReportFixture {
    static let base = Date(timeIntervalSince1970: 1_704_067_200)  // 2024-01-01T00:00:00Z

    static func at(_ seconds: Double) -> Date { base.addingTimeInterval(seconds) }

    /// The range the expectations are for: [0.5 s, 5 s) in 1 s buckets (5 buckets from 0 s).
    static func range() throws -> ReportRange {
        try ReportRange(from: at(0.5), to: at(5), bucket: .seconds(1))
    }

    static let sql = """
        INSERT INTO batches (number, prev_root, new_root, tx_count, accepted_count, created_at, committed_at, term,
                             state_diff, account_count) VALUES
          (0, '\\x00', '\\x01', 0, 0, '2024-01-01 00:00:00+00', '2024-01-01 00:00:00+00', 0, '\\x', 0),
          (1, '\\x01', '\\x02', 3, 2, '2024-01-01 00:00:00.990+00', '2024-01-01 00:00:01.000+00', 1, '\\x', 10),
          (2, '\\x02', '\\x03', 2, 2, '2024-01-01 00:00:01.480+00', '2024-01-01 00:00:01.500+00', 1, '\\x', 12),
          (3, '\\x03', '\\x04', 1, 0, '2024-01-01 00:00:02.970+00', '2024-01-01 00:00:03.000+00', 2, '\\x', 0),
          (4, '\\x04', '\\x05', 4, 4, '2024-01-01 00:00:03.960+00', '2024-01-01 00:00:04.000+00', 2, '\\x', 15);
        INSERT INTO transactions (batch_number, idx, id, sender, recipient, value, fee, nonce, chain_id, signature,
                                  status, reason, received_at)
        SELECT b, i, '\\x', '\\x', '\\x', '\\x', '\\x', 0, 1, '\\x', s, '', r::timestamptz FROM (VALUES
          (1, 0, 2, '2024-01-01 00:00:00.900+00'), (1, 1, 6, '2024-01-01 00:00:00.900+00'),
          (1, 2, 2, '2024-01-01 00:00:00.800+00'),
          (2, 0, 2, '2024-01-01 00:00:01.400+00'), (2, 1, 2, '2024-01-01 00:00:01.300+00'),
          (3, 0, 6, '2024-01-01 00:00:02.900+00'),
          (4, 0, 2, '2024-01-01 00:00:03.900+00'), (4, 1, 2, '2024-01-01 00:00:03.800+00'),
          (4, 2, 2, '2024-01-01 00:00:03.700+00'), (4, 3, 2, '2024-01-01 00:00:03.600+00')) v (b, i, s, r);
        INSERT INTO leader_terms (term, holder, endpoint, acquired_at, previous) VALUES
          (1, 'a', 'host-a:50051', '2024-01-01 00:00:00.5+00', NULL),
          (2, 'b', 'host-b:50051', '2024-01-01 00:00:02.5+00', 'a');
        INSERT INTO l1_commitments (id, first_batch, last_batch, prev_root, new_root, data_hash, status, posted_at,
                                    confirmed_at, finalized_at) VALUES
          (1, 1, 2, '\\x01', '\\x03', '\\xaa', 'finalized', '2024-01-01 00:00:02+00', '2024-01-01 00:00:02.5+00',
           '2024-01-01 00:00:03.5+00'),
          (2, 3, 4, '\\x03', '\\x05', '\\xbb', 'posted', '2024-01-01 00:00:04.2+00', NULL, NULL);
        INSERT INTO challenges (id, commitment_id, challenger, proposer, status, opened_at, resolved_at, winner, moves,
                                bond) VALUES
          (1, 1, '\\xc1', '\\xb0', 'resolved', '2024-01-01 00:00:02.2+00', '2024-01-01 00:00:03.2+00', 'proposer', 4, 100),
          (2, 2, '\\xc2', '\\xb0', 'open', '2024-01-01 00:00:04.5+00', NULL, NULL, 0, 100);
        """

    /// Migrates the database at `url` to the newest schema and writes the workload.
    static func install(on connection: PostgresConnection) async throws {
        try await Migrator().migrate(on: connection)
        try await connection.execute(sql)
    }
}
