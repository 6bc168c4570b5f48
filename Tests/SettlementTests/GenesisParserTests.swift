import Foundation
import XCTest
@testable import Settlement

/// The byte-level genesis parser: accepted forms, every kind of malformed input with its message,
/// and the genesis hash, which databases store and must not change.
final class GenesisParserTests: XCTestCase {
    private let a = "0x00000000000000000000000000000000000000aa"
    private let b = "0x00000000000000000000000000000000000000BB"

    private func parse(_ json: String) throws -> Genesis {
        try Genesis.parse(Data(json.utf8))
    }

    /// The error message for `json`, or a failure if it parses.
    private func message(_ json: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try parse(json)
            XCTFail("parsed: \(json)", file: file, line: line)
            return ""
        } catch {
            return "\(error)"
        }
    }

    private func assertError(_ json: String, contains part: String, file: StaticString = #filePath, line: UInt = #line) {
        let m = message(json, file: file, line: line)
        XCTAssertTrue(m.contains(part), "\"\(m)\" lacks \"\(part)\" for \(json)", file: file, line: line)
    }

    // MARK: Valid forms

    func testBalancesInEveryForm() throws {
        let c = "0x00000000000000000000000000000000000000cc", d = "00000000000000000000000000000000000000dd"
        let g = try parse("""
            {"config": {"chainId": 1337}, "alloc": {"\(b)": {"balance": "0x10"}, "\(a)": {"balance": "1000"},
             "\(c)": {"balance": 77}, "\(d)": {"balance": "0X0f"}}}
            """)
        XCTAssertEqual(g.chainId, 1337)
        XCTAssertEqual(g.allocations.map(\.address.description),
                       [a, b.lowercased(), c, "0x" + d])
        XCTAssertEqual(g.allocations.map(\.balance), [1000, 16, 77, 15])
        XCTAssertEqual(g.allocationCount, 4)
    }

    func testChainIdAsString() throws {
        XCTAssertEqual(try parse(#"{"alloc": {}, "config": {"chainId": "42"}}"#).chainId, 42)
    }

    func testBigNumbers() throws {
        let max = "115792089237316195423570985008687907853269984665640564039457584007913129639935"
        let g = try parse("""
            {"config": {"chainId": 18446744073709551615}, "alloc": {
              "\(a)": {"balance": "\(max)"},
              "\(b)": {"balance": "0x\(String(repeating: "f", count: 64))"},
              "0x00000000000000000000000000000000000000cc": {"balance": \(max)},
              "0x00000000000000000000000000000000000000dd": {"balance": "000000000000000000000000000000000000000000000000000000000000000000000000000000000000012"}}}
            """)
        XCTAssertEqual(g.chainId, .max)
        XCTAssertEqual(g.allocations.map(\.balance), [.max, .max, .max, 12])
        assertError(#"{"config": {"chainId": 1}, "alloc": {"\#(a)": {"balance": "\#(max.dropLast())6"}}}"#,
                    contains: "is not a 256-bit unsigned decimal or 0x hex number")
        assertError(#"{"config": {"chainId": 1}, "alloc": {"\#(a)": {"balance": "0x1\#(String(repeating: "0", count: 64))"}}}"#,
                    contains: "is not a 256-bit unsigned")
        assertError(#"{"config": {"chainId": 18446744073709551616}, "alloc": {}}"#, contains: "config.chainId must be a positive integer")
    }

    func testWhitespaceAndByteOrderMark() throws {
        let json = "\u{FEFF}\r\n\t {\n\t\"config\"\r\n:\t{ \"chainId\" : 5 } ,\n \"alloc\" :{ \"\(a)\" :{\"balance\":\"1\"}\t}\n}\n\n"
        let g = try parse(json)
        XCTAssertEqual(g.chainId, 5)
        XCTAssertEqual(g.allocations.map(\.balance), [1])
    }

    func testIgnoredFieldsOfAnyShape() throws {
        let g = try parse("""
            {"nonce": "0x0", "timestamp": 0, "extraData": "0x", "difficulty": 1.5e3, "coinbase": null,
             "config": {"homesteadBlock": 0, "clique": {"period": 5, "epoch": 30000}, "chainId": 9, "list": [1, [2, {"x": [true, false, null]}], -0.5E-2]},
             "alloc": {"\(a)": {"code": "0x6000", "storage": {"0x00": "0x01"}, "balance": "7", "nonce": "0x1", "tags": [[], {}]}},
             "number": "0x0", "gasUsed": [], "parentHash": {}}
            """)
        XCTAssertEqual(g.chainId, 9)
        XCTAssertEqual(g.allocations.map(\.balance), [7])
    }

    func testEscapesInKeysAndStrings() throws {
        // Keys with escapes match ("\u0062alance" is "balance"); escaped text in ignored strings,
        // including surrogate pairs and raw UTF-8, is accepted.
        let g = try parse(#"""
            {"config": {"ch\u0061inId": 3, "name": "tab\there \"quoted\" \\ \/ \b\f\n\r \u00e9 \ud83d\ude00 é 日本"},
             "alloc": {"0x\u00300000000000000000000000000000000000000aa": {"\u0062alance": "0x2a", "note": "\u0000"}}}
            """#)
        XCTAssertEqual(g.chainId, 3)
        XCTAssertEqual(g.allocations.map(\.address.description), [a])
        XCTAssertEqual(g.allocations.map(\.balance), [42])
    }

    func testRepeatedScalarKeysKeepTheLast() throws {
        let g = try parse(#"{"config": {"chainId": 1, "chainId": 2}, "alloc": {"\#(a)": {"balance": "1", "balance": "9"}}}"#)
        XCTAssertEqual(g.chainId, 2)
        XCTAssertEqual(g.allocations.map(\.balance), [9])
    }

    func testEmptyAllocAndZeroBalance() throws {
        XCTAssertEqual(try parse(#"{"config": {"chainId": 1}, "alloc": {}}"#).allocationCount, 0)
        let g = try parse(#"{"config": {"chainId": 1}, "alloc": {"\#(a)": {"balance": "0"}}}"#)
        XCTAssertEqual(g.allocations.map(\.balance), [0])
        XCTAssertTrue(g.stateDiff.entries[0].account.isEmpty)
    }

    // MARK: Refused

    func testDuplicateAddresses() {
        assertError(#"{"config": {"chainId": 1}, "alloc": {"\#(a)": {"balance": "1"}, "\#(a)": {"balance": "2"}}}"#,
                    contains: "alloc lists address \(a) twice")
        assertError(#"{"config": {"chainId": 1}, "alloc": {"\#(a)": {"balance": "1"}, "\#(a.uppercased().replacingOccurrences(of: "0X", with: "0x"))": {"balance": "2"}}}"#,
                    contains: "twice")
        assertError(#"{"config": {"chainId": 1}, "alloc": {}, "alloc": {}}"#, contains: "genesis has two alloc objects")
    }

    func testSemanticErrors() {
        assertError(#"[1, 2]"#, contains: "genesis must be a JSON object")
        assertError(#""text""#, contains: "genesis must be a JSON object")
        assertError(#"{"alloc": {}}"#, contains: "genesis has no config.chainId")
        assertError(#"{"config": [], "alloc": {}}"#, contains: "genesis has no config.chainId")
        assertError(#"{"config": {}, "alloc": {}}"#, contains: "genesis has no config.chainId")
        for bad in ["0", "-1", "1.5", "1e3", "\"abc\"", "\"\"", "\"-1\"", "\"+5\"", "true", "null", "{}", "[]"] {
            assertError(#"{"config": {"chainId": \#(bad)}, "alloc": {}}"#, contains: "config.chainId must be a positive integer")
        }
        assertError(#"{"config": {"chainId": 1}}"#, contains: "genesis has no alloc object")
        assertError(#"{"config": {"chainId": 1}, "alloc": []}"#, contains: "genesis has no alloc object")
        assertError(#"{"config": {"chainId": 1}, "alloc": {"0x12": {"balance": "1"}}}"#,
                    contains: #"alloc key "0x12" is not a 20-byte hex address"#)
        assertError(#"{"config": {"chainId": 1}, "alloc": {"0x\#(String(repeating: "g", count: 40))": {"balance": "1"}}}"#,
                    contains: "is not a 20-byte hex address")
        assertError(#"{"config": {"chainId": 1}, "alloc": {"\#(b)": {}}}"#, contains: "alloc[\(b)] has no balance")
        assertError(#"{"config": {"chainId": 1}, "alloc": {"\#(a)": "5"}}"#, contains: "alloc[\(a)] has no balance")
        assertError(#"{"config": {"chainId": 1}, "alloc": {"\#(a)": {"balance": -5}}}"#,
                    contains: "alloc[\(a)].balance must be a string or a non-negative number")
        assertError(#"{"config": {"chainId": 1}, "alloc": {"\#(a)": {"balance": true}}}"#,
                    contains: "must be a string or a non-negative number")
        assertError(#"{"config": {"chainId": 1}, "alloc": {"\#(a)": {"balance": 1.5}}}"#,
                    contains: #"alloc[\#(a)].balance "1.5" is not a 256-bit unsigned decimal or 0x hex number"#)
        for bad in ["", "0x", "1_000", " 1", "1 ", "+1", "-1", "0xg", "1e3", "١"] {
            assertError(#"{"config": {"chainId": 1}, "alloc": {"\#(a)": {"balance": "\#(bad)"}}}"#,
                        contains: "is not a 256-bit unsigned decimal or 0x hex number")
        }
    }

    func testSyntaxErrorsNameLineAndColumn() {
        let cases: [(String, String)] = [
            ("", "empty document"),
            ("   ", "empty document"),
            (#"{"config": {"chainId": 1}, "alloc": {},}"#, "expected an object key"),
            (#"{"config": {"chainId": 1} "alloc": {}}"#, "expected ',' or '}' in an object"),
            (#"{"config" {"chainId": 1}}"#, "expected ':' after an object key"),
            (#"{"config": {"chainId": 1}, "x": [1, 2,], "alloc": {}}"#, "expected a value"),
            (#"{"config": {"chainId": 1}, "x": [1 2], "alloc": {}}"#, "expected ',' or ']' in an array"),
            (#"{"config": {"chainId": 1}, "x": "abc"#, "unterminated string"),
            (#"{"config": {"chainId": 1}, "x": "a\qb", "alloc": {}}"#, "invalid escape"),
            (#"{"config": {"chainId": 1}, "x": "\u12G4", "alloc": {}}"#, "four hex digits"),
            (#"{"config": {"chainId": 1}, "x": "\ud800", "alloc": {}}"#, "unpaired surrogate"),
            ("{\"config\": {\"chainId\": 1}, \"x\": \"a\u{01}b\", \"alloc\": {}}", "control character"),
            ("{\"config\": {\"chainId\": 1}, \"x\": \"a\nb\", \"alloc\": {}}", "control character"),
            (#"{"config": {"chainId": 1}, "x": 01, "alloc": {}}"#, "expected ',' or '}' in an object"),
            (#"{"config": {"chainId": 1}, "x": -, "alloc": {}}"#, "malformed number"),
            (#"{"config": {"chainId": 1}, "x": 1., "alloc": {}}"#, "malformed number"),
            (#"{"config": {"chainId": 1}, "x": 1e, "alloc": {}}"#, "malformed number"),
            (#"{"config": {"chainId": 1}, "x": tru, "alloc": {}}"#, "invalid literal"),
            (#"{"config": {"chainId": 1}, "x": 'a', "alloc": {}}"#, "expected a value, found '''"),
            (#"{"config": {"chainId": 1}, "alloc": {}} {}"#, "expected the end of the document"),
            (#"{"config": {"chainId": 1}, "alloc": {"#, "unterminated object"),
            (#"{"config": {"chainId": 1}, "x": \#(String(repeating: "[", count: 600))"#, "nesting deeper than 512"),
        ]
        for (json, part) in cases {
            let m = message(json)
            XCTAssertTrue(m.hasPrefix("genesis is not valid JSON: ") && m.contains(part) && m.contains(" at line "),
                          "\"\(m)\" for \(json.debugDescription)")
        }
        // Invalid UTF-8 inside a string.
        var bytes = Array(#"{"config": {"chainId": 1}, "x": "ab"#.utf8)
        bytes += [0xC3, 0x28] + Array(#"", "alloc": {}}"#.utf8)
        XCTAssertThrowsError(try Genesis.parse(Data(bytes))) { XCTAssertTrue("\($0)".contains("invalid UTF-8"), "\($0)") }
        // Line and column point at the problem.
        XCTAssertTrue(message("{\n  \"config\": {\"chainId\": 1},\n  \"alloc\": {]\n}").contains("at line 3, column 13"),
                      message("{\n  \"config\": {\"chainId\": 1},\n  \"alloc\": {]\n}"))
    }

    func testSizeLimit() {
        let big = Data(count: Genesis.maximumSize + 1)
        XCTAssertThrowsError(try Genesis.parse(big)) { XCTAssertEqual("\($0)", "genesis file larger than 256 MiB") }
    }

    // MARK: Derived values

    /// The hash is the one databases already store: keccak(chainId BE ‖ (address ‖ balance BE)…).
    func testHashMatchesTheStoredDefinition() throws {
        var rng = SeededGenerator(seed: 7)
        let allocations = (0 ..< 300).map { _ in (rng.address(), UInt256(l0: rng.next(), l1: rng.next(), l2: 0, l3: rng.next())) }
        let g = Genesis(chainId: 1337, allocations: allocations)
        var preimage: [UInt8] = []
        withUnsafeBytes(of: UInt64(1337).bigEndian) { preimage.append(contentsOf: $0) }
        for (address, balance) in allocations.sorted(by: { $0.0 < $1.0 }) {
            preimage += address.bytes + balance.bigEndianBytes
        }
        XCTAssertEqual(g.hash, Keccak256.hash(preimage))
        XCTAssertEqual(Genesis(chainId: 1, allocations: []).hash, Keccak256.hash([0, 0, 0, 0, 0, 0, 0, 1]))
    }

    func testStateDiffAndRoundTripThroughJSON() throws {
        var rng = SeededGenerator(seed: 8)
        let allocations = (0 ..< 50).map { _ in (rng.address(), UInt256(rng.next())) }
        let g = Genesis(chainId: 10, allocations: allocations)
        let json = "{\"config\": {\"chainId\": 10}, \"alloc\": {"
            + allocations.map { "\"\($0.0)\": {\"balance\": \"\($0.1.hexDescription)\"}" }.joined(separator: ", ") + "}}"
        let parsed = try parse(json)
        XCTAssertEqual(parsed, g)
        XCTAssertEqual(parsed.hash, g.hash)
        XCTAssertEqual(parsed.stateDiff, StateDiff(allocations.map { ($0.0, Account(balance: $0.1)) }))
        // A genesis built with an address twice keeps the last, as before.
        let twice = Genesis(chainId: 1, allocations: [(allocations[0].0, 1), (allocations[0].0, 2)])
        XCTAssertEqual(twice.stateDiff.entries.map(\.account.balance), [2])
    }

    func testSpongeEqualsOneShot() {
        var rng = SeededGenerator(seed: 9)
        let data = (0 ..< 1000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for length in [0, 1, 52, 135, 136, 137, 271, 272, 273, 1000] {
            var sponge = Keccak256Sponge()
            var at = 0
            while at < length {
                let n = min(length - at, Int(rng.next() % 150))
                sponge.update(Array(data[at ..< at + n]))
                at += n
            }
            XCTAssertEqual(sponge.finalize(), Keccak256.hash(Array(data[0 ..< length])), "length \(length)")
        }
    }

    func testUTF8NumberParsingMatchesStringParsing() {
        var rng = SeededGenerator(seed: 10)
        var samples = ["0", "00", "1", "9999999999999999999", "10000000000000000000", "18446744073709551616",
                       "0x0", "0xFFFFFFFFFFFFFFFF", "0x" + String(repeating: "f", count: 64), "0x" + String(repeating: "0", count: 70) + "1"]
        for _ in 0 ..< 200 {
            let v = UInt256(l0: rng.next(), l1: rng.next() >> (rng.next() % 64), l2: rng.next() % 3, l3: rng.next() >> 1)
            samples += [v.description, v.hexDescription, "0" + v.description]
        }
        for s in samples {
            let ours = Array(s.utf8).withUnsafeBytes { UInt256(parsingUTF8: $0) }
            XCTAssertEqual(ours, UInt256(parsing: s), s)
        }
    }
}
