import Foundation

/// A report asked for something that cannot be computed: an empty or reversed time range, an
/// unusable bucket width, too many buckets, or a time or duration that does not parse. Raised
/// before any query runs; the messages are meant for the command line as they are.
public enum ReportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `from` is not before `to`.
    case emptyRange(from: Date, to: Date)
    /// The bucket is not positive (or below PostgreSQL's microsecond resolution).
    case invalidBucket(String)
    /// The range holds more buckets than `ReportRange.maximumBuckets`.
    case tooManyBuckets(count: Int, maximum: Int)
    /// A time that is neither ISO-8601, `now`, nor a relative offset like `-1h`.
    case invalidTime(String)
    /// A duration that is not a sequence of number+unit like `10s`, `1m30s`, `500ms`.
    case invalidDuration(String)

    public var description: String {
        switch self {
        case .emptyRange(let from, let to):
            return "the report range is empty: from (\(ReportFormat.isoTime(from))) must be before to (\(ReportFormat.isoTime(to)))"
        case .invalidBucket(let detail):
            return "invalid bucket: \(detail)"
        case .tooManyBuckets(let count, let maximum):
            return "the range holds \(count) buckets, more than the maximum of \(maximum): choose a wider bucket or a shorter range"
        case .invalidTime(let text):
            return "cannot read the time \"\(text)\": use ISO-8601 (2024-05-01T12:00:00Z, 2024-05-01 12:00:00+02:00, "
                + "2024-05-01), now, or an offset from now like -1h, -30m, -1h30m, +10s"
        case .invalidDuration(let text):
            return "cannot read the duration \"\(text)\": use a number and a unit (ms, s, m, h, d), possibly several, like 500ms, 10s, 1m30s, 1d"
        }
    }
}
