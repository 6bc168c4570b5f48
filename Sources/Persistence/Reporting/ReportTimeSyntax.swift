import Foundation

/// The command-line syntax of report times and durations.
///
/// - Durations: one or more `<number><unit>` with units `us`, `ms`, `s`, `m`, `h`, `d`
///   (`500ms`, `10s`, `1m30s`, `1.5h`).
/// - Times: `now`; an offset from now, `-` or `+` and a duration (`-1h`, `-15m`, `+30s`);
///   ISO-8601 with a date, optionally a time (`T` or a space), fractional seconds and a zone
///   (`Z`, `+02:00`, `+0200`); without a zone, UTC.
public enum ReportTimeSyntax {
    /// Parses a duration (positive or zero).
    public static func duration(_ text: String) throws(ReportError) -> Duration {
        guard let micros = microseconds(text.trimmingCharacters(in: .whitespaces)) else { throw .invalidDuration(text) }
        return .microseconds(micros)
    }

    /// Parses a time, resolving relative ones against `now`.
    public static func time(_ text: String, now: Date) throws(ReportError) -> Date {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s.lowercased() == "now" { return now }
        if let sign = s.first, sign == "-" || sign == "+" {
            guard let micros = microseconds(String(s.dropFirst())) else { throw .invalidTime(text) }
            return now.addingTimeInterval(Double(sign == "-" ? -micros : micros) / 1e6)
        }
        guard let date = iso8601(s) else { throw .invalidTime(text) }
        return date
    }

    static let units: [(suffix: String, micros: Double)] = [
        ("us", 1), ("ms", 1_000), ("s", 1_000_000), ("m", 60_000_000), ("h", 3_600_000_000), ("d", 86_400_000_000),
    ]

    /// Sum of `<number><unit>` parts in microseconds (rounded); nil when anything else is there.
    static func microseconds(_ text: String) -> Int64? {
        var rest = Substring(text.lowercased())
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let letters = rest.prefix { $0.isLetter }
            guard let unit = units.first(where: { $0.suffix == letters }) else { return nil }
            rest = rest.dropFirst(letters.count)
            total += value * unit.micros
        }
        guard total.isFinite, total < 1e17 else { return nil }
        return Int64(total.rounded())
    }

    /// ISO-8601 date or date-time, read by hand (Foundation's ISO8601DateFormatter wants one
    /// exact format); the calendar is Gregorian in UTC whatever the process's locale and zone.
    static func iso8601(_ text: String) -> Date? {
        let scanner = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= scanner.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                guard (48...57).contains(scanner[k]) else { return nil }
                v = v * 10 + Int(scanner[k] - 48)
            }
            i += n
            return v
        }
        func take(_ c: Character) -> Bool {
            guard i < scanner.count, scanner[i] == c.asciiValue! else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), take("-"), let month = digits(2), take("-"), let day = digits(2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0, micros = 0, offset = 0
        if take("T") || take("t") || take(" ") {
            guard let h = digits(2), take(":"), let m = digits(2), h < 24, m < 60 else { return nil }
            hour = h
            minute = m
            if take(":") {
                guard let s = digits(2), s < 60 else { return nil }
                second = s
                if take(".") || take(",") {
                    var scale = 100_000, count = 0
                    while i < scanner.count, (48...57).contains(scanner[i]) {
                        if count < 6 { micros += Int(scanner[i] - 48) * scale; scale /= 10 }
                        count += 1
                        i += 1
                    }
                    guard count > 0 else { return nil }
                }
            }
            let utc = take("Z") || take("z")
            if !utc, i < scanner.count, scanner[i] == UInt8(ascii: "+") || scanner[i] == UInt8(ascii: "-") {
                let negative = scanner[i] == UInt8(ascii: "-")
                i += 1
                guard let oh = digits(2), oh < 24 else { return nil }
                _ = take(":")
                var om = 0
                if i < scanner.count {
                    guard let m = digits(2), m < 60 else { return nil }
                    om = m
                }
                offset = (oh * 3600 + om * 60) * (negative ? -1 : 1)
            }
        }
        guard i == scanner.count else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        // Foundation rolls 2024-02-30 over into March; such a date is refused instead.
        guard let date = calendar.date(from: parts), calendar.component(.day, from: date) == day else { return nil }
        return date.addingTimeInterval(Double(micros) / 1e6 - Double(offset))
    }
}
