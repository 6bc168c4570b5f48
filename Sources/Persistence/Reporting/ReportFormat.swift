import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How report values are written, the same in text and HTML: times in UTC, fixed decimals,
/// `-` for a missing value. Independent of the process's locale and time zone.
public enum ReportFormat {
    /// `2024-05-01T12:00:00Z`, with `.ffffff` trimmed of trailing zeros when not whole.
    public static func isoTime(_ date: Date) -> String {
        let micros = ReportRange.microseconds(date)
        let (seconds, fraction) = floorDivide(micros, 1_000_000)
        let (d, h, m, s) = civil(seconds)
        var text = d + String(format: "T%02d:%02d:%02d", h, m, s)
        if fraction > 0 {
            var digits = String(format: "%06lld", fraction)
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "Z"
    }

    /// A bucket's label: `HH:MM:SS` (with milliseconds for sub-second buckets) when the whole
    /// range lies in one UTC day, else `YYYY-MM-DD HH:MM:SS`.
    public static func bucketLabel(_ date: Date, in range: ReportRange) -> String {
        let micros = ReportRange.microseconds(date)
        let (seconds, fraction) = floorDivide(micros, 1_000_000)
        let (day, h, m, s) = civil(seconds)
        var text = String(format: "%02d:%02d:%02d", h, m, s)
        if range.bucketMicroseconds % 1_000_000 != 0 { text += String(format: ".%03lld", fraction / 1000) }
        let sameDay = civil(floorDivide(range.fromMicroseconds, 1_000_000).0).0
            == civil(floorDivide(range.toMicroseconds - 1, 1_000_000).0).0
        return sameDay ? text : day + " " + text
    }

    /// `1h30m`, `10s`, `250ms`: whole amounts of the largest units, as `--bucket` accepts them.
    public static func duration(microseconds micros: Int64) -> String {
        guard micros != 0 else { return "0s" }
        if micros < 0 { return "-" + duration(microseconds: -micros) }
        var rest = micros
        var out = ""
        for (unit, size) in [("d", Int64(86_400_000_000)), ("h", 3_600_000_000), ("m", 60_000_000), ("s", 1_000_000),
                             ("ms", 1_000), ("us", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }

    /// Milliseconds with one decimal (three below 1 ms); `-` for nil.
    public static func milliseconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: abs(value) < 1 && value != 0 ? "%.3f" : "%.1f", value)
    }

    /// A rate with one decimal (three below 1, so a trickle does not read as 0.0); `-` for nil.
    public static func rate(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: abs(value) < 1 && value != 0 ? "%.3f" : "%.1f", value)
    }

    /// An integer; `-` for nil.
    public static func integer(_ value: Int64?) -> String {
        value.map(String.init) ?? "-"
    }

    /// An integer with a sign (`+3`, `-2`, `0`); `-` for nil.
    public static func signed(_ value: Int64?) -> String {
        guard let value else { return "-" }
        return value > 0 ? "+\(value)" : String(value)
    }

    /// A time or `-`.
    public static func time(_ date: Date?) -> String {
        date.map(isoTime) ?? "-"
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let (q, r) = a.quotientAndRemainder(dividingBy: b)
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    /// The UTC date (`YYYY-MM-DD`) and time of day of `seconds` since 1970.
    static func civil(_ seconds: Int64) -> (String, Int32, Int32, Int32) {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        let day = String(format: "%04d-%02d-%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday)
        return (day, parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}
