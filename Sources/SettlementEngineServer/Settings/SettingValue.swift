import Foundation
import Settlement

/// A value in the `--config` JSON file, as JSON typed it (a boolean is never a number here).
enum ConfigFileValue: Decodable, Sendable {
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case other

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else { self = .other }
    }
}

/// A type a setting can have, with its strict parsing from an environment variable's text and
/// from a config-file value. Anything that does not parse is refused: a malformed value never
/// falls back to a default.
protocol SettingValue: Sendable {
    /// What a valid value looks like, for error messages ("an integer").
    static var expected: String { get }
    static func parse(text: String) -> Self?
    static func parse(file: ConfigFileValue) -> Self?
}

extension Int: SettingValue {
    static var expected: String { "an integer" }
    static func parse(text: String) -> Int? { Int(text.trimmingCharacters(in: .whitespaces)) }
    static func parse(file: ConfigFileValue) -> Int? {
        if case .integer(let i) = file { return i }
        return nil
    }
}

extension UInt64: SettingValue {
    static var expected: String { "a whole number" }
    static func parse(text: String) -> UInt64? { UInt64(text.trimmingCharacters(in: .whitespaces)) }
    static func parse(file: ConfigFileValue) -> UInt64? {
        switch file {
        case .integer(let i): i >= 0 ? UInt64(i) : nil
        case .string(let s): UInt64(s)  // values beyond 2^63 are written as strings
        default: nil
        }
    }
}

extension Bool: SettingValue {
    static var expected: String { "true/false, 1/0 or yes/no" }
    static func parse(text: String) -> Bool? {
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "1", "yes": true
        case "false", "0", "no": false
        default: nil
        }
    }
    static func parse(file: ConfigFileValue) -> Bool? {
        switch file {
        case .bool(let b): b
        case .string(let s): parse(text: s)
        default: nil
        }
    }
}

extension String: SettingValue {
    static var expected: String { "a string" }
    static func parse(text: String) -> String? { text }
    static func parse(file: ConfigFileValue) -> String? {
        if case .string(let s) = file { return s }
        return nil
    }
}

/// Amounts in wei: decimal, written as a string in the config file when beyond 2^63.
extension UInt256: SettingValue {
    static var expected: String { "a whole number of wei" }
    static func parse(text: String) -> UInt256? { UInt256(decimal: text.trimmingCharacters(in: .whitespaces)) }
    static func parse(file: ConfigFileValue) -> UInt256? {
        switch file {
        case .integer(let i): i >= 0 ? UInt256(UInt64(i)) : nil
        case .string(let s): UInt256(decimal: s)
        default: nil
        }
    }

    /// A flag's text as an amount, or an error naming the flag.
    static func parseSetting(_ text: String, key: SettingKey) throws -> UInt256 {
        guard let v = parse(text: text) else { throw SettingProblem(description: "\(key.flag) \"\(text)\" is not \(expected)") }
        return v
    }
}
