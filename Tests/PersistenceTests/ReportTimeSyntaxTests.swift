import Foundation
import Persistence
import Reporting
import XCTest

/// The command-line syntax of report times, durations and ranges (no database).
final class ReportTimeSyntaxTests: XCTestCase {
    let now = Date(timeIntervalSince1970: 1_714_564_800)  // 2024-05-01T12:00:00Z

    func testDurations() throws {
        XCTAssertEqual(try ReportTimeSyntax.duration("10s"), .seconds(10))
        XCTAssertEqual(try ReportTimeSyntax.duration("1m30s"), .seconds(90))
        XCTAssertEqual(try ReportTimeSyntax.duration("500ms"), .milliseconds(500))
        XCTAssertEqual(try ReportTimeSyntax.duration("1.5h"), .seconds(5400))
        XCTAssertEqual(try ReportTimeSyntax.duration("2d"), .seconds(172_800))
        XCTAssertEqual(try ReportTimeSyntax.duration("250us"), .microseconds(250))
        for bad in ["", "10", "s", "10x", "1m 30s", "-5s", "1e3s", "ten s"] {
            XCTAssertThrowsError(try ReportTimeSyntax.duration(bad), bad) {
                XCTAssertEqual($0 as? ReportError, .invalidDuration(bad))
            }
        }
    }

    func testTimes() throws {
        XCTAssertEqual(try ReportTimeSyntax.time("now", now: now), now)
        XCTAssertEqual(try ReportTimeSyntax.time("-1h", now: now), now.addingTimeInterval(-3600))
        XCTAssertEqual(try ReportTimeSyntax.time("-1h30m", now: now), now.addingTimeInterval(-5400))
        XCTAssertEqual(try ReportTimeSyntax.time("+10s", now: now), now.addingTimeInterval(10))
        XCTAssertEqual(try ReportTimeSyntax.time("2024-05-01T12:00:00Z", now: .distantPast), now)
        XCTAssertEqual(try ReportTimeSyntax.time("2024-05-01 14:00:00+02:00", now: .distantPast), now)
        XCTAssertEqual(try ReportTimeSyntax.time("2024-05-01T07:30:00-0430", now: .distantPast), now)
        XCTAssertEqual(try ReportTimeSyntax.time("2024-05-01T12:00", now: .distantPast), now)
        XCTAssertEqual(try ReportTimeSyntax.time("2024-05-01", now: .distantPast), now.addingTimeInterval(-12 * 3600))
        let fraction = try ReportTimeSyntax.time("2024-05-01T12:00:00.123456Z", now: .distantPast)
        XCTAssertEqual(fraction.timeIntervalSince(now), 0.123456, accuracy: 1e-7)
        XCTAssertEqual(try ReportTimeSyntax.time("2024-02-29T00:00:00Z", now: .distantPast).timeIntervalSince1970, 1_709_164_800)
        for bad in ["yesterday", "2024-02-30", "2024-13-01", "2024-05-01T25:00:00Z", "2024-05-01T12:00:00+", "-1", "1h",
                    "2024-05-01T12:00:00Zjunk"] {
            XCTAssertThrowsError(try ReportTimeSyntax.time(bad, now: now), bad) {
                XCTAssertEqual($0 as? ReportError, .invalidTime(bad))
                XCTAssertTrue("\($0)".contains("ISO-8601"))
            }
        }
    }

    func testAutomaticBucketsAndBucketCounts() throws {
        XCTAssertEqual(ReportRange.automaticBucket(span: 3600), .seconds(60))
        XCTAssertEqual(ReportRange.automaticBucket(span: 600), .seconds(10))
        XCTAssertEqual(ReportRange.automaticBucket(span: 5), .milliseconds(100))
        XCTAssertEqual(ReportRange.automaticBucket(span: 86_400), .seconds(1800))
        XCTAssertEqual(ReportRange.automaticBucket(span: 86_400 * 365), .seconds(86_400 * 7))
        // Unaligned start: the first bucket begins on the minute before it.
        let range = try ReportRange(from: now.addingTimeInterval(-3590), to: now, bucket: .seconds(60))
        XCTAssertEqual(range.firstBucketStartMicroseconds, (1_714_564_800 - 3600) * 1_000_000)
        XCTAssertEqual(range.bucketCount, 60)
        XCTAssertEqual(ReportFormat.duration(microseconds: 5_400_000_000), "1h30m")
        XCTAssertEqual(ReportFormat.isoTime(now.addingTimeInterval(0.25)), "2024-05-01T12:00:00.25Z")
    }
}
