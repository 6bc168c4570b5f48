import Foundation

/// One named input signal of a built-in circuit, as a circom `input.json` names it.
public struct CircuitSignal: Sendable, Equatable {
    public let name: String
    /// nil for a single value; n for an array of exactly n values.
    public let length: Int?
    /// Each value must be 0 or 1.
    public let isBit: Bool
    /// What the value means (for `zk circuits --describe`).
    public let summary: String

    public init(name: String, length: Int? = nil, isBit: Bool = false, summary: String) {
        self.name = name; self.length = length; self.isBit = isBit; self.summary = summary
    }
}

/// Why an input file was refused; every case after `malformed` names the signal (an array
/// element as `name[i]`).
public enum CircuitInputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not JSON, or not an object of signals.
    case malformed(String)
    /// A member that is not one of the circuit's signals.
    case unknownSignal(String)
    /// A signal of the circuit that the file does not give.
    case missingSignal(String)
    /// A value that is not a decimal or 0x-hex integer string (or a small JSON integer).
    case notANumber(signal: String)
    /// A number that is not below the scalar field order r.
    case notBelowModulus(signal: String)
    /// A bit signal that is neither 0 nor 1.
    case notABit(signal: String)
    /// An array signal given as one value, or a single-value signal given as an array.
    case wrongShape(signal: String, expectedLength: Int?)
    /// An array signal with the wrong number of elements.
    case wrongLength(signal: String, expected: Int, got: Int)

    public var description: String {
        switch self {
        case .malformed(let why): return "malformed input JSON: \(why)"
        case .unknownSignal(let s): return "unknown signal '\(s)'"
        case .missingSignal(let s): return "missing signal '\(s)'"
        case .notANumber(let s): return "signal '\(s)': not a decimal or 0x-hex integer string"
        case .notBelowModulus(let s): return "signal '\(s)': value is not below the scalar field order r"
        case .notABit(let s): return "signal '\(s)': a bit must be 0 or 1"
        case .wrongShape(let s, let length?): return "signal '\(s)': expected an array of \(length) values"
        case .wrongShape(let s, nil): return "signal '\(s)': expected a single value, not an array"
        case .wrongLength(let s, let expected, let got):
            return "signal '\(s)': expected \(expected) values, got \(got)"
        }
    }
}

/// The values of a circuit's input signals by name: one element for a single-value signal, the
/// elements in order for an array signal.
public struct CircuitInputs: Sendable, Equatable {
    public private(set) var values: [String: [Fr]]

    public init(_ values: [String: [Fr]]) { self.values = values }

    /// The values of `name` (empty when absent).
    public subscript(name: String) -> [Fr] { values[name] ?? [] }

    /// The largest input file read (a depth-64 Merkle path with hex values is about 11 KB).
    public static let maxJSONBytes = 1 << 20

    /// Reads a circom-style `input.json` for `signals`: an object with exactly these members, each
    /// a decimal or 0x-hex string (a JSON integer below 2^53 is accepted too), or an array of them
    /// of the signal's length; every value below r, bits 0 or 1.
    public static func parse(json bytes: [UInt8], signals: [CircuitSignal]) throws(CircuitInputError) -> CircuitInputs {
        guard bytes.count <= maxJSONBytes else { throw .malformed("larger than \(maxJSONBytes) bytes") }
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: Data(bytes), options: []) } catch {
            throw .malformed("not valid JSON")
        }
        guard let object = root as? [String: Any] else { throw .malformed("expected an object of signals") }
        let known = Set(signals.map(\.name))
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) { throw .unknownSignal(unknown) }
        var values: [String: [Fr]] = [:]
        for signal in signals {
            guard let raw = object[signal.name] else { throw .missingSignal(signal.name) }
            values[signal.name] = try parse(raw, signal)
        }
        return CircuitInputs(values)
    }

    private static func parse(_ raw: Any, _ signal: CircuitSignal) throws(CircuitInputError) -> [Fr] {
        guard let length = signal.length else {
            if raw is [Any] { throw .wrongShape(signal: signal.name, expectedLength: nil) }
            return [try value(raw, name: signal.name, isBit: signal.isBit)]
        }
        guard let array = raw as? [Any] else { throw .wrongShape(signal: signal.name, expectedLength: length) }
        guard array.count == length else { throw .wrongLength(signal: signal.name, expected: length, got: array.count) }
        var out: [Fr] = []
        out.reserveCapacity(length)
        for (i, element) in array.enumerated() {
            out.append(try value(element, name: "\(signal.name)[\(i)]", isBit: signal.isBit))
        }
        return out
    }

    private static func value(_ raw: Any, name: String, isBit: Bool) throws(CircuitInputError) -> Fr {
        let text: String
        if let s = raw as? String {
            text = s
        } else if let n = raw as? NSNumber, n.stringValue.allSatisfy(\.isASCIIDigit),
                  n.doubleValue < 9_007_199_254_740_992 {
            text = n.stringValue
        } else {
            throw .notANumber(signal: name)
        }
        guard let integer = integer(text) else { throw .notANumber(signal: name) }
        guard let x = Fr(canonical: integer) else { throw .notBelowModulus(signal: name) }
        if isBit && x != .zero && x != .one { throw .notABit(signal: name) }
        return x
    }

    /// A decimal or 0x-hex string as an integer; nil when neither. Integers of 2^256 and above
    /// are reported as such (not below r) rather than as not a number.
    private static func integer(_ text: String) -> UInt256? {
        let lower = text.lowercased()
        if lower.hasPrefix("0x") {
            var digits = Substring(lower.dropFirst(2))
            guard !digits.isEmpty, digits.allSatisfy(\.isHexDigit) else { return nil }
            while digits.count > 64, digits.first == "0" { digits = digits.dropFirst() }
            return digits.count > 64 ? Fr.modulus : UInt256(hex: String(digits))
        }
        guard !text.isEmpty, text.allSatisfy(\.isASCIIDigit) else { return nil }
        return UInt256(decimal: text) ?? Fr.modulus
    }

    /// The inputs as a circom-style `input.json` (decimal strings, signals in the given order).
    public func json(signals: [CircuitSignal]) -> String {
        let members = signals.map { signal -> String in
            let decimals = self[signal.name].map { "\"\($0.decimalString)\"" }
            let value = signal.length == nil ? (decimals.first ?? "\"0\"") : "[" + decimals.joined(separator: ", ") + "]"
            return "  \"\(signal.name)\": \(value)"
        }
        return "{\n" + members.joined(separator: ",\n") + "\n}\n"
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
