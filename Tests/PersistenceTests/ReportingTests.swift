import Foundation
import Persistence
import PostgresDriver
import Reporting
import Settlement
import XCTest

/// The reporting functions (migration 0004) and `SettlementReportLoader` against a real
/// PostgreSQL: a hand-constructed workload with numbers worked out by hand, and batches written by
/// `PostgresSettlementStore` checked against values computed in Swift from the raw rows.
final class ReportingTests: PostgresTestCase {
    private func load(_ range: ReportRange, _ conn: PostgresConnection) async throws -> SettlementReport {
        try await SettlementReportLoader().load(range, on: conn)
    }

    func testHandConstructedWorkloadGivesTheNumbersWorkedOutByHand() async throws {
        let conn = try await connect()
        try await ReportFixture.install(on: conn)
        let report = try await load(try ReportFixture.range(), conn)
        await conn.close()
        let at = ReportFixture.at

        XCTAssertEqual(report.summary, .init(batches: 4, firstBatch: 1, lastBatch: 4, accepted: 8, rejected: 2,
                                             acceptedPerSecond: 8 / 4.5, peakAcceptedPerSecond: 4))
        XCTAssertEqual(report.throughput.map(\.start), (0..<5).map { at(Double($0)) })
        XCTAssertEqual(report.throughput.map(\.seconds), [0.5, 1, 1, 1, 1])
        XCTAssertEqual(report.throughput.map(\.batches), [0, 2, 0, 1, 1])
        XCTAssertEqual(report.throughput.map(\.accepted), [0, 4, 0, 0, 4])
        XCTAssertEqual(report.throughput.map(\.rejected), [0, 1, 0, 1, 0])
        XCTAssertEqual(report.throughput.map(\.acceptedPerSecond), [0, 4, 0, 0, 4])

        // percentile_cont interpolates: of 10, 20, 30, 40 ms the 90th is 30 + 0.7 * 10.
        func expect(_ metric: LatencyMetric, _ samples: Int64, _ values: [Double]?, line: UInt = #line) {
            guard let d = report.latency(metric) else { return XCTFail("no \(metric)", line: line) }
            XCTAssertEqual(d.samples, samples, line: line)
            let got = [d.p50, d.p90, d.p99, d.max, d.mean]
            guard let values else { return XCTAssertEqual(got, [nil, nil, nil, nil, nil], line: line) }
            for (g, v) in zip(got, values) { XCTAssertEqual(g ?? .nan, v, accuracy: 1e-9, "\(metric)", line: line) }
        }
        XCTAssertEqual(report.latency.map(\.metric), LatencyMetric.allCases)
        expect(.batchProcessing, 4, [25, 37, 39.7, 40, 25])
        expect(.confirmation, 8, [200, 330, 393, 400, 200])  // 100 ×3, 200 ×3, 300, 400
        expect(.l1Confirmation, 1, [500, 500, 500, 500, 500])
        expect(.finality, 1, [1500, 1500, 1500, 1500, 1500])
        expect(.challengeResolution, 1, [1000, 1000, 1000, 1000, 1000])

        let series = report.latencySeries
        XCTAssertEqual(series.map(\.batchProcessing.p50), [nil, 15, nil, 30, 40])
        XCTAssertEqual(series[1].batchProcessing.p99 ?? 0, 19.9, accuracy: 1e-9)
        XCTAssertEqual(series.map(\.confirmation.p50), [nil, 150, nil, nil, 250])
        XCTAssertEqual(series[4].confirmation.p90 ?? 0, 370, accuracy: 1e-9)
        XCTAssertEqual(series.map(\.confirmation.max), [nil, 200, nil, nil, 400])

        // Batch 3 records 0 accounts (unknown): its bucket carries batch 2's size over.
        XCTAssertEqual(report.stateSize.map(\.batch), [nil, 2, 2, 2, 4])
        XCTAssertEqual(report.stateSize.map(\.accounts), [nil, 12, 12, 12, 15])
        XCTAssertEqual(report.stateSize.map(\.growth), [nil, nil, 0, 0, 3])

        XCTAssertEqual(report.leaderTerms, [
            LeaderTerm(term: 1, holder: "a", endpoint: "host-a:50051", previous: nil, acquiredAt: at(0.5), endedAt: at(2.5),
                       batches: 2, firstBatchAt: at(1), lastBatchAt: at(1.5), handoverGapMs: nil),
            LeaderTerm(term: 2, holder: "b", endpoint: "host-b:50051", previous: "a", acquiredAt: at(2.5), endedAt: nil,
                       batches: 2, firstBatchAt: at(3), lastBatchAt: at(4), handoverGapMs: 1500),
        ])

        XCTAssertEqual(report.leaderChanges, 1, "term 2 moved the lease from a to b; term 1 began before the range")
        var renewed = report
        renewed.leaderTerms[1].previous = "b"
        XCTAssertEqual(renewed.leaderChanges, 0, "the same replica re-acquiring its lease is not a change")

        XCTAssertTrue(report.hasFinalityData)
        XCTAssertEqual(report.finality.map(\.posted), [0, 0, 1, 0, 1])
        XCTAssertEqual(report.finality.map(\.confirmed), [0, 0, 1, 0, 0])
        XCTAssertEqual(report.finality.map(\.finalized), [0, 0, 0, 1, 0])
        XCTAssertEqual(report.finality.map(\.headBatch), [0, 2, 2, 3, 4])
        XCTAssertEqual(report.finality.map(\.postedBatch), [nil, nil, 2, 2, 4])
        XCTAssertEqual(report.finality.map(\.confirmedBatch), [nil, nil, 2, 2, 2])
        XCTAssertEqual(report.finality.map(\.finalizedBatch), [nil, nil, nil, 2, 2])

        XCTAssertTrue(report.hasChallengeData)
        XCTAssertEqual(report.challenges.map(\.opened), [0, 0, 1, 0, 1])
        XCTAssertEqual(report.challenges.map(\.resolved), [0, 0, 0, 1, 0])
        XCTAssertEqual(report.challenges.map(\.proposerWins), [0, 0, 0, 1, 0])
        XCTAssertEqual(report.challenges.map(\.challengerWins), [0, 0, 0, 0, 0])
        XCTAssertEqual(report.challenges.map(\.openAtEnd), [0, 0, 1, 0, 1])
    }

    func testAReportOnlyCountsWhatIsInsideTheRange() async throws {
        let conn = try await connect()
        try await ReportFixture.install(on: conn)
        // [1.2 s, 3.0 s): batch 2 only (batch 1 commits at 1.0, batch 3 at exactly 3.0, excluded).
        let report = try await load(try ReportRange(from: ReportFixture.at(1.2), to: ReportFixture.at(3), bucket: .seconds(1)), conn)
        await conn.close()
        XCTAssertEqual(report.summary.batches, 1)
        XCTAssertEqual(report.summary.firstBatch, 2)
        XCTAssertEqual(report.throughput.map(\.seconds), [0.8, 1.0], "the first bucket counts only its part in the range")
        XCTAssertEqual(report.throughput.map(\.accepted), [2, 0])
        XCTAssertEqual(report.throughput[0].acceptedPerSecond, 2 / 0.8, accuracy: 1e-9)
        XCTAssertEqual(report.latency(.batchProcessing)?.samples, 1)
        XCTAssertEqual(report.latency(.confirmation)?.p50 ?? 0, 150, accuracy: 1e-9)
        // State known before the range carries in: batch 1 (10 accounts) committed before 1.2 s.
        XCTAssertEqual(report.stateSize.map(\.accounts), [12, 12])
        XCTAssertEqual(report.stateSize.map(\.growth), [2, 0])
    }

    func testEmptyDatabaseGivesZeroesAndNoPercentiles() async throws {
        let conn = try await connect()
        try await Migrator().migrate(on: conn)
        let now = Date()
        let report = try await load(try ReportRange(from: now.addingTimeInterval(-3600), to: now), conn)
        await conn.close()
        XCTAssertEqual(report.summary, .init(batches: 0, firstBatch: nil, lastBatch: nil, accepted: 0, rejected: 0,
                                             acceptedPerSecond: 0, peakAcceptedPerSecond: 0))
        XCTAssertEqual(report.range.bucketMicroseconds, 60_000_000, "an hour in about 60 buckets: one minute each")
        XCTAssertEqual(report.throughput.count, report.range.bucketCount)
        XCTAssertTrue(report.throughput.allSatisfy { $0.batches == 0 && $0.accepted == 0 })
        XCTAssertEqual(report.latency.map(\.samples), [0, 0, 0, 0, 0])
        XCTAssertTrue(report.latency.allSatisfy { $0.p50 == nil && $0.max == nil })
        XCTAssertTrue(report.stateSize.allSatisfy { $0.accounts == nil })
        XCTAssertEqual(report.leaderTerms, [])
        XCTAssertFalse(report.hasFinalityData)
        XCTAssertFalse(report.hasChallengeData)
        let text = ReportText.render(report)
        XCTAssertTrue(text.contains("no batches committed in the range"), text)
        XCTAssertTrue(text.contains("no L1 commitments recorded yet"), text)
    }

    func testBadRangesAreRefusedInSwiftAndInSQL() async throws {
        let t = ReportFixture.at(0)
        XCTAssertThrowsError(try ReportRange(from: t, to: t, bucket: .seconds(1))) {
            XCTAssertEqual($0 as? ReportError, .emptyRange(from: t, to: t))
        }
        XCTAssertThrowsError(try ReportRange(from: t.addingTimeInterval(10), to: t, bucket: .seconds(1)))
        XCTAssertThrowsError(try ReportRange(from: t, to: t.addingTimeInterval(10), bucket: .zero)) {
            XCTAssertTrue("\($0)".contains("not positive"), "\($0)")
        }
        XCTAssertThrowsError(try ReportRange(from: t, to: t.addingTimeInterval(86_400), bucket: .seconds(1))) {
            XCTAssertEqual($0 as? ReportError, .tooManyBuckets(count: 86_400, maximum: 10_000))
        }
        XCTAssertNoThrow(try ReportRange(from: t, to: t.addingTimeInterval(10_000), bucket: .seconds(1)))

        let conn = try await connect()
        try await Migrator().migrate(on: conn)
        for call in ["report_throughput(now(), now() - interval '1 hour', interval '1 minute')",
                     "report_latency(now(), now())",
                     "report_state_size(now() - interval '1 hour', now(), interval '0 seconds')",
                     "report_finality(now() - interval '1 hour', now(), interval '1 month')",
                     "report_challenge_activity(now() - interval '1 day', now(), interval '1 second')"] {
            do {
                _ = try await conn.query("SELECT * FROM \(call)")
                XCTFail("\(call) was accepted")
            } catch {
                XCTAssertEqual(error.sqlState, "22023", "\(call): \(error)")
                XCTAssertTrue(error.message.contains("report"), error.message)
            }
        }
        await conn.close()
    }

    func testLoaderRefusesADatabaseWithoutTheReportingSchema() async throws {
        let conn = try await connect()
        try await Migrator(migrations: Array(Migrations.all.prefix(3))).migrate(on: conn)
        do {
            _ = try await load(try ReportFixture.range(), conn)
            XCTFail("expected a refusal")
        } catch let error as PostgresError {
            XCTAssertEqual(error.kind, .migration)
            XCTAssertTrue(error.message.contains("0004_reporting"), error.message)
        }
        await conn.close()
    }

    func testRejectedStatusInTheViewsIsTheDomainsRejected() {
        // report_confirmations and report_batches hard-code REJECTED as 6.
        XCTAssertEqual(TransactionStatus.rejected.rawValue, 6)
        let sql = Migrations.all.first { $0.name == "0004_reporting" }?.sql ?? ""
        XCTAssertTrue(sql.contains("t.status <> 6"))
    }
}
