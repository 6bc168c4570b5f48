import Foundation

/// The time window `[from, to)` of a report and the width of its buckets, validated.
///
/// Times are kept at PostgreSQL's resolution (whole microseconds since the Unix epoch) so that
/// what the report shows is exactly what the database compared. Buckets are aligned to the Unix
/// epoch (`date_bin(bucket, t, 'epoch')` in the SQL functions): a 1-minute bucket starts on a
/// minute, so the first and last bucket may reach outside the range; only the part inside counts.
public struct ReportRange: Sendable, Equatable {
    /// The most buckets one report may hold (the SQL functions refuse more as well).
    public static let maximumBuckets = 10_000

    /// Start, inclusive, in microseconds since 1970.
    public let fromMicroseconds: Int64
    /// End, exclusive, in microseconds since 1970.
    public let toMicroseconds: Int64
    /// Bucket width in microseconds (positive).
    public let bucketMicroseconds: Int64

    /// Throws `ReportError` for an empty or reversed range, a bucket below one microsecond, or
    /// more than `maximumBuckets` buckets.
    public init(from: Date, to: Date, bucket: Duration) throws(ReportError) {
        let f = Self.microseconds(from), t = Self.microseconds(to)
        guard f < t else { throw .emptyRange(from: from, to: to) }
        let b = Self.microseconds(bucket)
        guard b > 0 else {
            throw .invalidBucket("\(ReportFormat.duration(microseconds: b)) is not positive (the smallest bucket is 1 µs)")
        }
        // The same test as report_check_range: the span divided by the bucket.
        let (quotient, remainder) = (t - f).quotientAndRemainder(dividingBy: b)
        let count = Int(quotient) + (remainder > 0 ? 1 : 0)
        guard count <= Self.maximumBuckets else { throw .tooManyBuckets(count: count, maximum: Self.maximumBuckets) }
        fromMicroseconds = f
        toMicroseconds = t
        bucketMicroseconds = b
    }

    /// A range with a bucket chosen to give about `target` buckets (`automaticBucket`).
    public init(from: Date, to: Date, targetBuckets target: Int = 60) throws(ReportError) {
        guard from < to else { throw .emptyRange(from: from, to: to) }
        try self.init(from: from, to: to, bucket: Self.automaticBucket(span: to.timeIntervalSince(from), target: target))
    }

    public var from: Date { Self.date(fromMicroseconds) }
    public var to: Date { Self.date(toMicroseconds) }
    public var bucket: Duration { .microseconds(bucketMicroseconds) }
    /// The span in seconds.
    public var seconds: Double { Double(toMicroseconds - fromMicroseconds) / 1e6 }

    /// The start of the bucket holding `from` (epoch-aligned).
    public var firstBucketStartMicroseconds: Int64 {
        let (q, r) = fromMicroseconds.quotientAndRemainder(dividingBy: bucketMicroseconds)
        return (r < 0 ? q - 1 : q) * bucketMicroseconds
    }

    /// How many buckets the report has (the epoch-aligned buckets that overlap the range).
    public var bucketCount: Int {
        let span = toMicroseconds - firstBucketStartMicroseconds
        return Int((span + bucketMicroseconds - 1) / bucketMicroseconds)
    }

    /// The smallest round width (100 ms, 1 s, 10 s, 1 min, ... 1 day, then whole days) that
    /// splits `span` seconds into at most `target` buckets.
    public static func automaticBucket(span: Double, target: Int = 60) -> Duration {
        let widths: [Double] = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
                                3600, 7200, 10800, 21600, 43200, 86400]
        let target = Double(max(1, target))
        if let w = widths.first(where: { span / $0 <= target }) { return .milliseconds(Int64((w * 1000).rounded())) }
        return .seconds(Int64((span / target / 86400).rounded(.up)) * 86400)
    }

    static func microseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1e6).rounded()) }

    static func microseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000
    }

    static func date(_ micros: Int64) -> Date {
        let (q, r) = micros.quotientAndRemainder(dividingBy: 1_000_000)
        return Date(timeIntervalSince1970: Double(q) + Double(r) / 1e6)
    }
}
