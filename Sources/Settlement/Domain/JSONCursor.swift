/// A cursor over one JSON document (RFC 8259) in memory, read byte by byte: the lexical layer of
/// `GenesisParser`. It builds no object graph: the caller walks the document, reading the values
/// it wants and skipping (but still fully checking) the rest, so memory stays proportional to
/// what is kept, not to the document — a 67 MB genesis with 1,000,000 accounts parsed through
/// Foundation's `JSONSerialization` took about 3 GB.
///
/// Checked as JSON is: structure, string escapes (`\" \\ \/ \b \f \n \r \t \uXXXX`, surrogate
/// pairs), no raw control characters in strings, UTF-8 validity, number grammar, literals,
/// nothing after the document, and nesting at most `maxDepth` deep. Errors carry a line and column.
struct JSONCursor {
    /// Deepest nesting accepted (arrays and objects), so hostile input cannot exhaust the stack.
    static let maxDepth = 512

    /// A syntax error: what was wrong, at which byte offset.
    struct SyntaxError: Error {
        let message: String
        let offset: Int
    }

    private let base: UnsafePointer<UInt8>
    private let end: Int
    /// Offset of the next unread byte.
    private(set) var offset = 0
    /// The decoded text of the last string read, when it had escapes.
    private var decoded: [UInt8] = []
    /// Where the last string's raw text lies in the input (used when it had no escapes).
    private var lastString: Range<Int> = 0 ..< 0
    private var lastStringEscaped = false

    /// A cursor at the start of `bytes`, which must outlive it. A UTF-8 byte order mark is skipped.
    init(_ bytes: UnsafeRawBufferPointer) {
        base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        end = bytes.count
        if end >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { offset = 3 }
    }

    // MARK: Structure

    /// The next non-whitespace byte, not consumed; nil at the end of the input.
    mutating func peek() -> UInt8? {
        while offset < end {
            switch base[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return base[offset]
            }
        }
        return nil
    }

    /// Consumes `byte` (after whitespace) or throws "expected `what`".
    mutating func expect(_ byte: UInt8, _ what: String) throws(SyntaxError) {
        guard let c = peek() else { throw SyntaxError(message: "expected \(what), found the end of the input", offset: offset) }
        guard c == byte else { throw unexpected(c, expecting: what) }
        offset += 1
    }

    /// Steps through an object's members. Call with `first` true right after consuming `{`; on
    /// true, the member's key has been read (see `withString`) along with its `:`, and the value
    /// is next; on false, the closing `}` has been consumed.
    mutating func nextMember(_ first: inout Bool) throws(SyntaxError) -> Bool {
        guard let c = peek() else { throw SyntaxError(message: "unterminated object", offset: offset) }
        if c == UInt8(ascii: "}") {
            // Closes an empty object, or follows a member's value (a trailing comma is refused
            // below: after ',' a key must follow).
            offset += 1
            return false
        }
        if !first {
            guard c == UInt8(ascii: ",") else { throw unexpected(c, expecting: "',' or '}' in an object") }
            offset += 1
            guard peek() == UInt8(ascii: "\"") else {
                throw peek().map { unexpected($0, expecting: "an object key (a string)") }
                    ?? SyntaxError(message: "unterminated object", offset: offset)
            }
        } else if c != UInt8(ascii: "\"") {
            throw unexpected(c, expecting: "an object key (a string) or '}'")
        }
        first = false
        try readString()
        try expect(UInt8(ascii: ":"), "':' after an object key")
        return true
    }

    /// Skips one value of any kind, checking it.
    mutating func skipValue(depth: Int = 0) throws(SyntaxError) {
        guard depth < Self.maxDepth else { throw SyntaxError(message: "nesting deeper than \(Self.maxDepth)", offset: offset) }
        guard let c = peek() else { throw SyntaxError(message: "expected a value, found the end of the input", offset: offset) }
        switch c {
        case UInt8(ascii: "{"):
            offset += 1
            var first = true
            while try nextMember(&first) { try skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            offset += 1
            if peek() == UInt8(ascii: "]") { offset += 1; return }
            while true {
                try skipValue(depth: depth + 1)
                guard let d = peek() else { throw SyntaxError(message: "unterminated array", offset: offset) }
                offset += 1
                if d == UInt8(ascii: "]") { return }
                guard d == UInt8(ascii: ",") else { offset -= 1; throw unexpected(d, expecting: "',' or ']' in an array") }
            }
        case UInt8(ascii: "\""):
            try readString()
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"):
            _ = try readNumber()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default:
            throw unexpected(c, expecting: "a value")
        }
    }

    /// Checks that only whitespace is left.
    mutating func expectEnd() throws(SyntaxError) {
        if let c = peek() { throw unexpected(c, expecting: "the end of the document") }
    }

    // MARK: Scalars

    /// Reads a string (the cursor is at its `"`); its text is then available through `withString`.
    mutating func readString() throws(SyntaxError) {
        let quote = offset
        offset += 1
        let start = offset
        // Fast path: plain ASCII without escapes is used in place.
        while offset < end {
            let c = base[offset]
            if c == UInt8(ascii: "\"") {
                lastString = start ..< offset
                lastStringEscaped = false
                offset += 1
                return
            }
            if c == UInt8(ascii: "\\") || c < 0x20 || c >= 0x80 { break }
            offset += 1
        }
        decoded.removeAll(keepingCapacity: true)
        decoded.append(contentsOf: UnsafeBufferPointer(start: base + start, count: offset - start))
        while true {
            guard offset < end else { throw SyntaxError(message: "unterminated string", offset: quote) }
            let c = base[offset]
            switch c {
            case UInt8(ascii: "\""):
                offset += 1
                lastStringEscaped = true
                return
            case UInt8(ascii: "\\"):
                try readEscape()
            case 0 ..< 0x20:
                throw SyntaxError(message: "control character 0x\(String(c, radix: 16)) in a string (must be escaped)", offset: offset)
            case 0x80...:
                try readUTF8Sequence()
            default:
                decoded.append(c)
                offset += 1
            }
        }
    }

    /// Calls `body` with the UTF-8 bytes of the last string read.
    func withString<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if lastStringEscaped { return try decoded.withUnsafeBytes(body) }
        return try body(UnsafeRawBufferPointer(start: base + lastString.lowerBound, count: lastString.count))
    }

    /// The last string read, as a `String` (for messages).
    var stringText: String { withString { String(decoding: $0, as: UTF8.self) } }

    /// The raw text of the last string read if it had no escapes (it then stays readable with
    /// `text(at:)` after later reads), else nil.
    var stringRange: Range<Int>? { lastStringEscaped ? nil : lastString }

    /// The input bytes `range` as a `String` (for messages).
    func text(at range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(start: base + range.lowerBound, count: range.count), as: UTF8.self)
    }

    /// Reads a number (the cursor is at its first byte), checking the JSON grammar; returns its
    /// text and whether it is an integer (no fraction, no exponent) without a minus sign.
    mutating func readNumber() throws(SyntaxError) -> (text: UnsafeRawBufferPointer, isNaturalInteger: Bool) {
        let start = offset
        var natural = true
        if base[offset] == UInt8(ascii: "-") { offset += 1; natural = false }
        guard offset < end, isDigit(base[offset]) else { throw SyntaxError(message: "malformed number", offset: start) }
        if base[offset] == UInt8(ascii: "0") {
            offset += 1
        } else {
            while offset < end && isDigit(base[offset]) { offset += 1 }
        }
        if offset < end && base[offset] == UInt8(ascii: ".") {
            natural = false
            offset += 1
            guard offset < end, isDigit(base[offset]) else { throw SyntaxError(message: "malformed number (digits must follow '.')", offset: start) }
            while offset < end && isDigit(base[offset]) { offset += 1 }
        }
        if offset < end && (base[offset] == UInt8(ascii: "e") || base[offset] == UInt8(ascii: "E")) {
            natural = false
            offset += 1
            if offset < end && (base[offset] == UInt8(ascii: "+") || base[offset] == UInt8(ascii: "-")) { offset += 1 }
            guard offset < end, isDigit(base[offset]) else { throw SyntaxError(message: "malformed number (digits must follow the exponent)", offset: start) }
            while offset < end && isDigit(base[offset]) { offset += 1 }
        }
        return (UnsafeRawBufferPointer(start: base + start, count: offset - start), natural)
    }

    // MARK: Helpers

    private func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    private mutating func literal(_ word: StaticString) throws(SyntaxError) {
        let n = word.utf8CodeUnitCount
        guard end - offset >= n, (0 ..< n).allSatisfy({ base[offset + $0] == word.utf8Start[$0] }) else {
            throw SyntaxError(message: "invalid literal (expected \(word))", offset: offset)
        }
        offset += n
    }

    /// Decodes the escape at the cursor (a backslash) into `decoded`.
    private mutating func readEscape() throws(SyntaxError) {
        let at = offset
        guard offset + 1 < end else { throw SyntaxError(message: "unterminated string", offset: at) }
        let e = base[offset + 1]
        offset += 2
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(e)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4(at: at)
            if (0xD800 ..< 0xDC00).contains(scalar) {
                // A high surrogate must be followed by an escaped low surrogate.
                guard offset + 1 < end, base[offset] == UInt8(ascii: "\\"), base[offset + 1] == UInt8(ascii: "u") else {
                    throw SyntaxError(message: "unpaired surrogate in a \\u escape", offset: at)
                }
                offset += 2
                let low = try hex4(at: at)
                guard (0xDC00 ..< 0xE000).contains(low) else { throw SyntaxError(message: "unpaired surrogate in a \\u escape", offset: at) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00 ..< 0xE000).contains(scalar) {
                throw SyntaxError(message: "unpaired surrogate in a \\u escape", offset: at)
            }
            decoded.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
        default:
            throw SyntaxError(message: "invalid escape '\\\(Character(Unicode.Scalar(e)))' in a string", offset: at)
        }
    }

    /// Four hex digits at the cursor.
    private mutating func hex4(at escape: Int) throws(SyntaxError) -> UInt32 {
        guard end - offset >= 4 else { throw SyntaxError(message: "\\u escape needs four hex digits", offset: escape) }
        var v: UInt32 = 0
        for _ in 0 ..< 4 {
            let c = base[offset]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x37)
            case 0x61...0x66: d = UInt32(c - 0x57)
            default: throw SyntaxError(message: "\\u escape needs four hex digits", offset: escape)
            }
            v = v << 4 | d
            offset += 1
        }
        return v
    }

    /// Copies one well-formed multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates,
    /// nothing above U+10FFFF) from the cursor into `decoded`.
    private mutating func readUTF8Sequence() throws(SyntaxError) {
        let c = base[offset]
        let length: Int
        var lowest: UInt8 = 0x80, highest: UInt8 = 0xBF // bounds of the second byte
        switch c {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lowest = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; highest = 0x9F
        case 0xF0: length = 4; lowest = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; highest = 0x8F
        default: throw SyntaxError(message: "invalid UTF-8", offset: offset)
        }
        guard end - offset >= length, (lowest ... highest).contains(base[offset + 1]) else {
            throw SyntaxError(message: "invalid UTF-8", offset: offset)
        }
        for k in 2 ..< length where !(0x80 ... 0xBF).contains(base[offset + k]) {
            throw SyntaxError(message: "invalid UTF-8", offset: offset)
        }
        decoded.append(contentsOf: UnsafeBufferPointer(start: base + offset, count: length))
        offset += length
    }

    private func unexpected(_ c: UInt8, expecting what: String) -> SyntaxError {
        let shown = c >= 0x20 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(String(c, radix: 16))"
        return SyntaxError(message: "expected \(what), found \(shown)", offset: offset)
    }

    /// 1-based line and column (in bytes) of `offset`, for messages.
    func position(of offset: Int) -> (line: Int, column: Int) {
        var line = 1, lineStart = 0
        for i in 0 ..< min(offset, end) where base[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return (line, offset - lineStart + 1)
    }
}
