/// Reads a genesis document (see `Genesis`) with `JSONCursor`, keeping only what it needs: the
/// chain id and one 56-byte `Genesis.Allocation` per account. Nothing else of the document is
/// kept: ignored fields (a real Ethereum genesis has many, with nested objects and arrays) are
/// skipped after being checked as JSON.
///
/// Accepted, as with the `JSONSerialization`-based parser this replaces:
/// - `config.chainId`: a positive integer, as a JSON number or a string of decimal digits;
/// - `alloc`: an object whose keys are 20-byte hex addresses (`0x` optional, any case) and whose
///   values are objects with a `balance`: a string (decimal, or `0x` hex) or a non-negative
///   integer number, at most 2^256 - 1.
///
/// Differences, all stricter or clearer: an address listed twice is refused even when spelled
/// identically (a JSON object with a repeated key used to keep the last one silently); `alloc`
/// twice is refused; a balance number with a fraction or exponent is refused (it used to go
/// through a double); syntax errors name a line and column.
enum GenesisParser {
    static func parse(_ bytes: UnsafeRawBufferPointer) throws(Genesis.LoadError) -> Genesis {
        var cursor = JSONCursor(bytes)
        do {
            return try document(&cursor)
        } catch let e as JSONCursor.SyntaxError {
            let (line, column) = cursor.position(of: e.offset)
            throw Genesis.LoadError(description: "genesis is not valid JSON: \(e.message) at line \(line), column \(column)")
        } catch let e as Genesis.LoadError {
            throw e
        } catch {
            throw Genesis.LoadError(description: "genesis: \(error)")
        }
    }

    private static func document(_ c: inout JSONCursor) throws -> Genesis {
        guard let first = c.peek() else { throw JSONCursor.SyntaxError(message: "empty document", offset: c.offset) }
        guard first == UInt8(ascii: "{") else {
            try c.skipValue()
            try c.expectEnd()
            throw Genesis.LoadError(description: "genesis must be a JSON object")
        }
        try c.expect(UInt8(ascii: "{"), "'{'")
        var chainId: UInt64?
        var entries: [Genesis.Allocation] = []
        var sawAlloc = false
        var firstMember = true
        while try c.nextMember(&firstMember) {
            if c.withString({ equals($0, "config") }) {
                chainId = try config(&c)
            } else if c.withString({ equals($0, "alloc") }) {
                guard !sawAlloc else { throw Genesis.LoadError(description: "genesis has two alloc objects") }
                sawAlloc = true
                guard c.peek() == UInt8(ascii: "{") else { throw Genesis.LoadError(description: "genesis has no alloc object") }
                try alloc(&c, into: &entries)
            } else {
                try c.skipValue()
            }
        }
        try c.expectEnd()
        guard let chainId else { throw Genesis.LoadError(description: "genesis has no config.chainId") }
        guard sawAlloc else { throw Genesis.LoadError(description: "genesis has no alloc object") }
        entries.sort { $0.address < $1.address }
        for i in entries.indices.dropFirst() where entries[i].address == entries[i - 1].address {
            throw Genesis.LoadError(description: "alloc lists address \(entries[i].address.address) twice (keys compare case-insensitively)")
        }
        return Genesis(chainId: chainId, sortedUniqueEntries: entries)
    }

    /// The `config` value: its `chainId` (nil when absent or when config is not an object).
    private static func config(_ c: inout JSONCursor) throws -> UInt64? {
        guard c.peek() == UInt8(ascii: "{") else {
            try c.skipValue()
            return nil
        }
        try c.expect(UInt8(ascii: "{"), "'{'")
        var chainId: UInt64?
        var first = true
        while try c.nextMember(&first) {
            guard c.withString({ equals($0, "chainId") }) else {
                try c.skipValue()
                continue
            }
            let bad = Genesis.LoadError(description: "config.chainId must be a positive integer")
            let value: UInt64?
            switch c.peek() {
            case UInt8(ascii: "\"")?:
                try c.readString()
                value = c.withString { decimalUInt64($0) }
            case let d? where d == UInt8(ascii: "-") || (d >= 0x30 && d <= 0x39):
                let n = try c.readNumber()
                value = n.isNaturalInteger ? decimalUInt64(n.text) : nil
            default:
                try c.skipValue()
                throw bad
            }
            guard let value, value > 0 else { throw bad }
            chainId = value
        }
        return chainId
    }

    /// The `alloc` object: one allocation per member.
    private static func alloc(_ c: inout JSONCursor, into entries: inout [Genesis.Allocation]) throws {
        try c.expect(UInt8(ascii: "{"), "'{'")
        var first = true
        while try c.nextMember(&first) {
            guard let address = c.withString({ addressKey($0) }) else {
                throw Genesis.LoadError(description: "alloc key \"\(c.stringText)\" is not a 20-byte hex address")
            }
            // The key as written, for messages (recovered from the input, or canonical if escaped).
            let keyRange = c.stringRange
            let cursor = c
            func key() -> String { keyRange.map { cursor.text(at: $0) } ?? "\(address.address)" }
            guard c.peek() == UInt8(ascii: "{") else {
                try c.skipValue()
                throw Genesis.LoadError(description: "alloc[\(key())] has no balance")
            }
            try c.expect(UInt8(ascii: "{"), "'{'")
            var balance: UInt256?
            var firstField = true
            while try c.nextMember(&firstField) {
                guard c.withString({ equals($0, "balance") }) else {
                    try c.skipValue()
                    continue
                }
                balance = try self.balance(&c, key: key)
            }
            guard let balance else { throw Genesis.LoadError(description: "alloc[\(key())] has no balance") }
            entries.append(Genesis.Allocation(address: address, balance: balance))
        }
    }

    /// A `balance` value: a decimal or 0x-hex string, or a non-negative integer number.
    private static func balance(_ c: inout JSONCursor, key: () -> String) throws -> UInt256 {
        func notANumber(_ text: String) -> Genesis.LoadError {
            Genesis.LoadError(description: "alloc[\(key())].balance \"\(text)\" is not a 256-bit unsigned decimal or 0x hex number")
        }
        switch c.peek() {
        case UInt8(ascii: "\"")?:
            try c.readString()
            guard let v = c.withString({ UInt256(parsingUTF8: $0) }) else { throw notANumber(c.stringText) }
            return v
        case let d? where d == UInt8(ascii: "-") || (d >= 0x30 && d <= 0x39):
            let n = try c.readNumber()
            let text = String(decoding: n.text, as: UTF8.self)
            guard d != UInt8(ascii: "-") else {
                throw Genesis.LoadError(description: "alloc[\(key())].balance must be a string or a non-negative number (found \(text))")
            }
            guard n.isNaturalInteger, let v = UInt256(decimalUTF8: n.text) else { throw notANumber(text) }
            return v
        default:
            try c.skipValue()
            throw Genesis.LoadError(description: "alloc[\(key())].balance must be a string or a non-negative number")
        }
    }

    // MARK: Byte helpers

    private static func equals(_ bytes: UnsafeRawBufferPointer, _ word: StaticString) -> Bool {
        bytes.count == word.utf8CodeUnitCount && (0 ..< bytes.count).allSatisfy { bytes[$0] == word.utf8Start[$0] }
    }

    /// Decimal digits only (at least one) that fit in 64 bits.
    private static func decimalUInt64(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard !bytes.isEmpty else { return nil }
        var v: UInt64 = 0
        for c in bytes {
            guard c >= 0x30 && c <= 0x39 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(c - 0x30))
            guard !o1 && !o2 else { return nil }
            v = s
        }
        return v
    }

    /// 40 hex digits, optionally after `0x`/`0X`, as `Address(hex:)` accepts.
    private static func addressKey(_ bytes: UnsafeRawBufferPointer) -> AddressKey? {
        var text = bytes
        if text.count >= 2 && text[0] == 0x30 && (text[1] == 0x78 || text[1] == 0x58) {
            text = UnsafeRawBufferPointer(rebasing: text[2...])
        }
        guard text.count == 40 else { return nil }
        var raw: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let ok = withUnsafeMutableBytes(of: &raw) { out -> Bool in
            for i in 0 ..< 20 {
                guard let h = nibble(text[2 * i]), let l = nibble(text[2 * i + 1]) else { return false }
                out[i] = h << 4 | l
            }
            return true
        }
        guard ok else { return nil }
        return withUnsafeBytes(of: raw) { AddressKey(loading: $0.baseAddress!) }
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x37
        case 0x61...0x66: c - 0x57
        default: nil
        }
    }
}
