import Foundation
import Persistence
import PostgresDriver
import Reporting
import Settlement
import XCTest

/// The report over batches that `PostgresSettlementStore.commit` wrote (real `SealedBatch`es,
/// COPY, rejected transactions), checked against numbers computed here in Swift from the raw
/// rows, without the reporting SQL: counts per bucket, percentiles, state size.
final class ReportingStoreWorkloadTests: PostgresTestCase {
    /// Microseconds since 1970 of a timestamptz column, exactly.
    private static func micros(_ column: String) -> String {
        "(extract(epoch FROM \(column)) * 1000000)::int8"
    }

    func testReportEqualsIndependentComputationOverStoreWrittenBatches() async throws {
        var chain = StoreTestChain()
        let store = PostgresSettlementStore(conninfo: url)
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        for _ in 0..<12 { try await store.commit(chain.makeBatch(count: 120)) }
        await store.close()

        // The commits took a moment; spread them over ~8 s (700 ms apart, closing 1-50 ms before)
        // so that buckets differ, and record account counts on two batches out of three.
        let conn = try await connect()
        try await conn.execute("""
            UPDATE batches SET committed_at = committed_at + number * interval '700 ms',
                               created_at = committed_at + number * interval '700 ms' - ((number * 13) % 50 + 1) * interval '1 ms',
                               account_count = CASE WHEN number % 3 = 0 THEN 0 ELSE 40 + number * 2 END
            WHERE number > 0
            """)

        // The raw rows.
        struct Batch { let number: Int64, created: Int64, committed: Int64, accounts: Int64 }
        let batches = try await conn.query("""
            SELECT number, \(Self.micros("created_at")), \(Self.micros("committed_at")), account_count
            FROM batches WHERE number > 0 ORDER BY number
            """).map { Batch(number: try $0.int64(0), created: try $0.int64(1), committed: try $0.int64(2), accounts: try $0.int64(3)) }
        struct Tx { let batch: Int64, accepted: Bool, received: Int64 }
        let transactions = try await conn.query("SELECT batch_number, status, \(Self.micros("received_at")) FROM transactions")
            .map { Tx(batch: try $0.int64(0), accepted: try $0.int(1) != 6, received: try $0.int64(2)) }
        XCTAssertEqual(batches.count, 12)
        XCTAssertEqual(transactions.count, 12 * 120)
        XCTAssertGreaterThan(transactions.filter { !$0.accepted }.count, 20, "the workload has rejected transactions")

        // A range that cuts off the first two batches, 1 s buckets.
        let fromMicros = batches[1].committed + 1, toMicros = batches.last!.committed + 300_000
        let range = try ReportRange(from: Self.date(fromMicros), to: Self.date(toMicros), bucket: .seconds(1))
        XCTAssertEqual(range.fromMicroseconds, fromMicros)
        let report = try await SettlementReportLoader().load(range, on: conn)
        await conn.close()

        let inRange = batches.filter { $0.committed >= fromMicros && $0.committed < toMicros }
        XCTAssertEqual(inRange.count, 10)
        let committedAt = Dictionary(uniqueKeysWithValues: batches.map { ($0.number, $0.committed) })
        let txInRange = transactions.filter { inRange.map(\.number).contains($0.batch) }
        func bucket(_ micros: Int64) -> Int64 { micros / 1_000_000 * 1_000_000 }

        // Throughput per bucket, from the transactions table.
        let firstBucket = bucket(fromMicros)
        let starts = Array(stride(from: firstBucket, to: toMicros, by: 1_000_000))
        XCTAssertEqual(report.throughput.map { Self.micros($0.start) }, starts)
        for (row, start) in zip(report.throughput, starts) {
            let here = txInRange.filter { bucket(committedAt[$0.batch]!) == start }
            XCTAssertEqual(row.accepted, Int64(here.filter(\.accepted).count), "bucket \(start)")
            XCTAssertEqual(row.rejected, Int64(here.filter { !$0.accepted }.count), "bucket \(start)")
            XCTAssertEqual(row.batches, Int64(inRange.filter { bucket($0.committed) == start }.count))
            let seconds = Double(min(start + 1_000_000, toMicros) - max(start, fromMicros)) / 1e6
            XCTAssertEqual(row.acceptedPerSecond, Double(row.accepted) / seconds, accuracy: 1e-9)
        }
        XCTAssertEqual(report.summary.batches, 10)
        XCTAssertEqual(report.summary.firstBatch, 3)
        XCTAssertEqual(report.summary.accepted, Int64(txInRange.filter(\.accepted).count))
        XCTAssertEqual(report.summary.rejected, Int64(txInRange.filter { !$0.accepted }.count))
        let perSecond = Dictionary(grouping: txInRange.filter(\.accepted)) { bucket(committedAt[$0.batch]!) }.mapValues(\.count)
        XCTAssertEqual(report.summary.peakAcceptedPerSecond, Int64(perSecond.values.max() ?? 0))

        // Latency percentiles.
        let processing = inRange.map { Double($0.committed - $0.created) / 1000 }
        let confirmation = txInRange.filter(\.accepted).map { Double(committedAt[$0.batch]! - $0.received) / 1000 }
        for (metric, samples) in [(LatencyMetric.batchProcessing, processing), (.confirmation, confirmation)] {
            let d = try XCTUnwrap(report.latency(metric))
            XCTAssertEqual(d.samples, Int64(samples.count), "\(metric)")
            XCTAssertEqual(d.p50 ?? .nan, Self.percentile(samples, 0.5), accuracy: 1e-6, "\(metric)")
            XCTAssertEqual(d.p90 ?? .nan, Self.percentile(samples, 0.9), accuracy: 1e-6, "\(metric)")
            XCTAssertEqual(d.p99 ?? .nan, Self.percentile(samples, 0.99), accuracy: 1e-6, "\(metric)")
            XCTAssertEqual(d.max ?? .nan, samples.max()!, accuracy: 1e-6, "\(metric)")
        }
        XCTAssertEqual(report.latencySeries.count, starts.count)
        for (row, start) in zip(report.latencySeries, starts) {
            let here = inRange.filter { bucket($0.committed) == start }.map { Double($0.committed - $0.created) / 1000 }
            XCTAssertEqual(row.batchProcessing.p50 ?? -1, here.isEmpty ? -1 : Self.percentile(here, 0.5), accuracy: 1e-6)
        }

        // State size: the newest batch with a known count committed by each bucket's end.
        for (row, start) in zip(report.stateSize, starts) {
            let end = min(start + 1_000_000, toMicros)
            let known = batches.last { $0.committed < end && $0.accounts > 0 }
            XCTAssertEqual(row.batch, known?.number, "bucket \(start)")
            XCTAssertEqual(row.accounts, known?.accounts, "bucket \(start)")
        }
    }

    /// percentile_cont: linear interpolation between the closest ranks.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        let position = p * Double(sorted.count - 1)
        let low = Int(position.rounded(.down)), high = Int(position.rounded(.up))
        return sorted[low] + (sorted[high] - sorted[low]) * (position - Double(low))
    }

    static func micros(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1e6).rounded()) }

    static func date(_ micros: Int64) -> Date {
        Date(timeIntervalSince1970: Double(micros / 1_000_000) + Double(micros % 1_000_000) / 1e6)
    }
}
