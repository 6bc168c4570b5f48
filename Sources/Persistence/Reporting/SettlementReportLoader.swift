import Foundation
import PostgresDriver

/// Reads a `SettlementReport` from the reporting functions of migration `0004_reporting`.
///
/// Every section is read inside one `REPEATABLE READ, READ ONLY` transaction, so the sections
/// agree with each other (a batch committed meanwhile appears in all of them or in none), and
/// the report never writes. The loader does not migrate: a database without the reporting
/// functions is refused with `.migration` and a hint, because a report should not change the
/// schema under a running engine of another version.
///
/// Cost: the confirmation-latency percentiles sort one value per accepted transaction in the
/// range (about 1 s per million on this machine); everything else reads one row per batch.
public struct SettlementReportLoader: Sendable {
    public init() {}

    /// Loads the report for `range` over `connection` (which must not be inside a transaction).
    public func load(_ range: ReportRange, on connection: PostgresConnection) async throws(PostgresError) -> SettlementReport {
        do {
            return try await connection.transaction { c in
                try c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                try Self.checkSchema(on: c)
                return try Self.read(range, on: c)
            }
        } catch let error as PostgresError {
            throw error
        } catch {
            throw PostgresError(.protocolMismatch, "report: \(error)")
        }
    }

    static func checkSchema(on c: isolated PostgresConnection) throws(PostgresError) {
        let rows = try c.query("SELECT to_regprocedure('report_throughput(timestamptz, timestamptz, interval)') IS NOT NULL")
        guard try rows.first?.bool(0) == true else {
            throw PostgresError(.migration, """
                this database has no reporting functions (its schema predates migration 0004_reporting, or it is \
                not a settlement database); start a settlement-engine of this release on it once to migrate it
                """)
        }
    }

    static func read(_ range: ReportRange, on c: isolated PostgresConnection) throws(PostgresError) -> SettlementReport {
        let span: [PostgresValue?] = [.timestamp(range.from), .timestamp(range.to)]
        let bucketed = span + [.int64(range.bucketMicroseconds)]
        let bucket = "$3::int8 * interval '1 microsecond'"
        let generatedAt = try c.query("SELECT now()")[0].date(0)

        let s = try c.query("SELECT * FROM report_summary($1, $2)", span)[0]
        let summary = SettlementReport.Summary(
            batches: try s.int64(0), firstBatch: try s.int64OrNil(1), lastBatch: try s.int64OrNil(2),
            accepted: try s.int64(3), rejected: try s.int64(4), acceptedPerSecond: try s.double(5),
            peakAcceptedPerSecond: try s.int64(6))

        let throughput = try c.query("SELECT * FROM report_throughput($1, $2, \(bucket))", bucketed)
            .map { (r) throws(PostgresError) in
                ThroughputBucket(start: try r.date(0), seconds: try r.double(1), batches: try r.int64(2),
                                 accepted: try r.int64(3), rejected: try r.int64(4),
                                 acceptedPerSecond: try r.double(5), rejectedPerSecond: try r.double(6))
            }
        let latency = try c.query("SELECT * FROM report_latency($1, $2)", span).map { (r) throws(PostgresError) in
            let name = try r.string(0)
            guard let metric = LatencyMetric(rawValue: name) else {
                throw PostgresError(.protocolMismatch, "report_latency returned the unknown metric \(name)")
            }
            return LatencyDistribution(metric: metric, samples: try r.int64(1), p50: try r.doubleOrNil(2),
                                       p90: try r.doubleOrNil(3), p99: try r.doubleOrNil(4),
                                       max: try r.doubleOrNil(5), mean: try r.doubleOrNil(6))
        }
        let latencySeries = try c.query("SELECT * FROM report_latency_series($1, $2, \(bucket))", bucketed)
            .map { (r) throws(PostgresError) in
                LatencyBucket(start: try r.date(0),
                              batchProcessing: Percentiles(p50: try r.doubleOrNil(1), p90: try r.doubleOrNil(2),
                                                           p99: try r.doubleOrNil(3), max: try r.doubleOrNil(4)),
                              confirmation: Percentiles(p50: try r.doubleOrNil(5), p90: try r.doubleOrNil(6),
                                                        p99: try r.doubleOrNil(7), max: try r.doubleOrNil(8)))
            }
        let stateSize = try c.query("SELECT * FROM report_state_size($1, $2, \(bucket))", bucketed)
            .map { (r) throws(PostgresError) in
                StateSizeBucket(start: try r.date(0), batch: try r.int64OrNil(1), accounts: try r.int64OrNil(2),
                                growth: try r.int64OrNil(3))
            }
        let terms = try c.query("SELECT * FROM report_leadership($1, $2)", span).map { (r) throws(PostgresError) in
            LeaderTerm(term: try r.int64(0), holder: try r.string(1), endpoint: try r.string(2),
                       previous: try r.stringOrNil(3), acquiredAt: try r.date(4), endedAt: try r.dateOrNil(5),
                       batches: try r.int64(6), firstBatchAt: try r.dateOrNil(7), lastBatchAt: try r.dateOrNil(8),
                       handoverGapMs: try r.doubleOrNil(9))
        }
        let finality = try c.query("SELECT * FROM report_finality($1, $2, \(bucket))", bucketed)
            .map { (r) throws(PostgresError) in
                FinalityBucket(start: try r.date(0), posted: try r.int64(1), confirmed: try r.int64(2),
                               finalized: try r.int64(3), reverted: try r.int64(4), headBatch: try r.int64OrNil(5),
                               postedBatch: try r.int64OrNil(6), confirmedBatch: try r.int64OrNil(7),
                               finalizedBatch: try r.int64OrNil(8))
            }
        let challenges = try c.query("SELECT * FROM report_challenge_activity($1, $2, \(bucket))", bucketed)
            .map { (r) throws(PostgresError) in
                ChallengeBucket(start: try r.date(0), opened: try r.int64(1), resolved: try r.int64(2),
                                challengerWins: try r.int64(3), proposerWins: try r.int64(4), openAtEnd: try r.int64(5))
            }
        return SettlementReport(range: range, generatedAt: generatedAt, summary: summary, throughput: throughput,
                                latency: latency, latencySeries: latencySeries, stateSize: stateSize,
                                leaderTerms: terms, finality: finality, challenges: challenges)
    }
}
