import Foundation

/// Conversions between `Date` and PostgreSQL's `timestamptz`: microseconds since
/// 2000-01-01 00:00:00 UTC (binary format) and the ISO text the server prints in UTC sessions
/// (`2024-05-01 12:00:00.123456+00`). Sessions opened by `PostgresConnection` use `TimeZone=UTC`.
public enum PostgresTimestamp {
    /// Seconds from 1970-01-01 to 2000-01-01.
    static let epochOffset: Int64 = 946_684_800

    /// `date` as microseconds since 2000-01-01 UTC, rounded to the nearest microsecond.
    public static func microsecondsSince2000(_ date: Date) -> Int64 {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        return Int64(micros) - epochOffset * 1_000_000
    }

    /// The `Date` of `micros` microseconds since 2000-01-01 UTC.
    public static func date(microsecondsSince2000 micros: Int64) -> Date {
        let since1970 = micros + epochOffset * 1_000_000
        // Split to keep the sub-second part exact in the Double.
        let seconds = since1970.quotientAndRemainderFloor(1_000_000)
        return Date(timeIntervalSince1970: Double(seconds.quotient) + Double(seconds.remainder) / 1e6)
    }

    /// Parses `YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM[:SS]]]` (the server's ISO output). nil for
    /// `infinity`, BC dates and anything else.
    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> Date? {
        var p = Parser(bytes: text)
        guard let year = p.number(digits: 4), p.take(UInt8(ascii: "-")),
              let month = p.number(digits: 2), p.take(UInt8(ascii: "-")),
              let day = p.number(digits: 2), p.takeDateTimeSeparator(),
              let hour = p.number(digits: 2), p.take(UInt8(ascii: ":")),
              let minute = p.number(digits: 2), p.take(UInt8(ascii: ":")),
              let second = p.number(digits: 2)
        else { return nil }
        var micros: Int64 = 0
        if p.take(UInt8(ascii: ".")) {
            var scale: Int64 = 100_000
            var count = 0
            while let d = p.digit() {
                count += 1
                guard count <= 6 else { return nil }
                micros += Int64(d) * scale
                scale /= 10
            }
            guard count > 0 else { return nil }
        }
        var offsetSeconds: Int64 = 0
        if let sign = p.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            p.index += 1
            guard let oh = p.number(digits: 2) else { return nil }
            var total = oh * 3600
            if p.take(UInt8(ascii: ":")) {
                guard let om = p.number(digits: 2) else { return nil }
                total += om * 60
                if p.take(UInt8(ascii: ":")) {
                    guard let os = p.number(digits: 2) else { return nil }
                    total += os
                }
            }
            offsetSeconds = sign == UInt8(ascii: "-") ? -total : total
        }
        guard p.atEnd, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
              second < 61 else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let secondsSince1970 = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return date(microsecondsSince2000: (secondsSince1970 - epochOffset) * 1_000_000 + micros)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var atEnd: Bool { index == bytes.count }
        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }
        mutating func take(_ c: UInt8) -> Bool {
            guard peek() == c else { return false }
            index += 1
            return true
        }
        /// A space (the server's output) or `T` (ISO 8601).
        mutating func takeDateTimeSeparator() -> Bool {
            guard let c = peek(), c == UInt8(ascii: " ") || c == UInt8(ascii: "T") else { return false }
            index += 1
            return true
        }
        mutating func digit() -> Int64? {
            guard let c = peek(), c >= 48, c <= 57 else { return nil }
            index += 1
            return Int64(c - 48)
        }
        mutating func number(digits: Int) -> Int64? {
            var v: Int64 = 0
            for _ in 0..<digits {
                guard let d = digit() else { return nil }
                v = v * 10 + d
            }
            return v
        }
    }
}

extension Int64 {
    /// Division rounding towards negative infinity, remainder in 0..<divisor.
    func quotientAndRemainderFloor(_ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var q = self / divisor
        var r = self % divisor
        if r < 0 {
            q -= 1
            r += divisor
        }
        return (q, r)
    }
}
