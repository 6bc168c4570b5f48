import XCTest
@testable import Settlement

final class UInt256Tests: XCTestCase {
    let maxDecimal = "115792089237316195423570985008687907853269984665640564039457584007913129639935"
    let maxHex = "0x" + String(repeating: "f", count: 64)

    func testParsingDecimal() {
        XCTAssertEqual(UInt256(decimal: "0"), .zero)
        XCTAssertEqual(UInt256(decimal: "000042"), 42)
        XCTAssertEqual(UInt256(decimal: "18446744073709551615"), UInt256(UInt64.max))
        XCTAssertEqual(UInt256(decimal: "18446744073709551616"), UInt256(l0: 0, l1: 1, l2: 0, l3: 0))
        XCTAssertEqual(UInt256(decimal: maxDecimal), .max)
        // 2^256 and beyond overflow.
        XCTAssertNil(UInt256(decimal: "115792089237316195423570985008687907853269984665640564039457584007913129639936"))
        XCTAssertNil(UInt256(decimal: maxDecimal + "0"))
        XCTAssertNil(UInt256(decimal: String(repeating: "9", count: 100)))
        for junk in ["", "-1", "+1", " 1", "1 ", "1_000", "1e3", "0x10", "١", "12a"] {
            XCTAssertNil(UInt256(decimal: junk), junk)
        }
    }

    func testParsingHex() {
        XCTAssertEqual(UInt256(hex: "0x0"), .zero)
        XCTAssertEqual(UInt256(hex: "ff"), 255)
        XCTAssertEqual(UInt256(hex: "0XFF"), 255)
        XCTAssertEqual(UInt256(hex: maxHex), .max)
        XCTAssertEqual(UInt256(hex: "0x" + String(repeating: "0", count: 70) + "1"), .one)
        XCTAssertEqual(UInt256(hex: "0x1" + String(repeating: "0", count: 63)), UInt256(l0: 0, l1: 0, l2: 0, l3: 1 << 60))
        XCTAssertNil(UInt256(hex: "0x1" + String(repeating: "0", count: 64)))  // 2^256
        for junk in ["", "0x", "0xg", "0x-1", "0x 1", "x10", "0x1_0"] {
            XCTAssertNil(UInt256(hex: junk), junk)
        }
    }

    func testGeneralParser() {
        XCTAssertEqual(UInt256(parsing: "255"), 255)
        XCTAssertEqual(UInt256(parsing: "0xff"), 255)
        XCTAssertEqual(UInt256(parsing: maxDecimal), .max)
        XCTAssertEqual(UInt256(parsing: maxHex), .max)
        XCTAssertNil(UInt256(parsing: "ff"))
        XCTAssertNil(UInt256(parsing: "0x"))
        XCTAssertNil(UInt256(parsing: ""))
    }

    func testDescriptions() {
        XCTAssertEqual(UInt256.zero.description, "0")
        XCTAssertEqual(UInt256.max.description, maxDecimal)
        XCTAssertEqual(UInt256(decimal: "10000000000000000000")!.description, "10000000000000000000")
        XCTAssertEqual(UInt256(decimal: "100000000000000000000000000000000000000")!.description,
                       "100000000000000000000000000000000000000")
        XCTAssertEqual(UInt256.max.hexDescription, maxHex)
        XCTAssertEqual(UInt256.zero.hexDescription, "0x0")
        XCTAssertEqual(UInt256(4096).hexDescription, "0x1000")
        // Round trips over assorted values.
        var x = UInt256.one
        for _ in 0..<300 {
            XCTAssertEqual(UInt256(decimal: x.description), x)
            XCTAssertEqual(UInt256(hex: x.hexDescription), x)
            XCTAssertEqual(UInt256(bigEndianBytes: x.bigEndianBytes), x)
            x = x.checkedMul(3) ?? x.quotientAndRemainder(dividingBy: 7).quotient
        }
    }

    func testCheckedArithmetic() throws {
        XCTAssertEqual(UInt256.max.checkedAdd(.zero), .max)
        XCTAssertNil(UInt256.max.checkedAdd(.one))
        XCTAssertNil(UInt256.max.checkedAdd(.max))
        XCTAssertEqual(UInt256.zero.checkedSub(.zero), .zero)
        XCTAssertNil(UInt256.zero.checkedSub(.one))
        XCTAssertNil(UInt256(5).checkedSub(UInt256(6)))
        XCTAssertEqual(UInt256.max.checkedSub(.max), .zero)
        // Carries and borrows across every limb.
        XCTAssertEqual(UInt256(UInt64.max).checkedAdd(.one), UInt256(l0: 0, l1: 1, l2: 0, l3: 0))
        let low192 = UInt256(l0: .max, l1: .max, l2: .max, l3: 0)
        XCTAssertEqual(low192.checkedAdd(.one), UInt256(l0: 0, l1: 0, l2: 0, l3: 1))
        XCTAssertEqual(UInt256(l0: 0, l1: 0, l2: 0, l3: 1).checkedSub(.one), low192)
        XCTAssertEqual(UInt256(l0: 0, l1: 0, l2: 0, l3: 1 << 63).checkedAdd(UInt256(l0: 0, l1: 0, l2: 0, l3: 1 << 63)), nil)
        // Carry in plus limb overflow in the same limb.
        let a = UInt256(l0: .max, l1: .max, l2: 0, l3: 0)
        XCTAssertEqual(a.checkedAdd(UInt256(l0: 1, l1: .max, l2: 0, l3: 0)), UInt256(l0: 0, l1: .max, l2: 1, l3: 0))
        XCTAssertEqual(UInt256(l0: 0, l1: .max, l2: 1, l3: 0).checkedSub(UInt256(l0: 1, l1: .max, l2: 0, l3: 0)), a)
        XCTAssertThrowsError(try UInt256.max.adding(.one)) { XCTAssertEqual($0 as? UInt256.ArithmeticError, .overflow) }
        XCTAssertThrowsError(try UInt256.zero.subtracting(.one)) { XCTAssertEqual($0 as? UInt256.ArithmeticError, .underflow) }
        XCTAssertEqual(try UInt256(7).adding(8), 15)
        XCTAssertEqual(UInt256.max.checkedMul(1), .max)
        XCTAssertNil(UInt256.max.checkedMul(2))
        XCTAssertEqual(UInt256.max.quotientAndRemainder(dividingBy: 10).remainder, 5)
        XCTAssertEqual(UInt256(1_000_000) - 1007 + 7, UInt256(999_000))
        XCTAssertEqual(UInt256.max - .max + UInt256(l0: .max, l1: 0, l2: 0, l3: 0) + 1, UInt256(l0: 0, l1: 1, l2: 0, l3: 0))
        let r = UInt256.max.addingReportingOverflow(.one)
        XCTAssertTrue(r.overflow)
        XCTAssertEqual(r.partialValue, .zero)
    }

    func testComparisonAndEncoding() {
        XCTAssertLessThan(UInt256(l0: .max, l1: 0, l2: 0, l3: 0), UInt256(l0: 0, l1: 1, l2: 0, l3: 0))
        XCTAssertLessThan(UInt256(l0: .max, l1: .max, l2: .max, l3: 0), UInt256(l0: 0, l1: 0, l2: 0, l3: 1))
        XCTAssertGreaterThan(UInt256.max, UInt256(l0: .max - 1, l1: .max, l2: .max, l3: .max))
        XCTAssertEqual(UInt256.one.bigEndianBytes, [UInt8](repeating: 0, count: 31) + [1])
        XCTAssertEqual(UInt256(l0: 0, l1: 0, l2: 0, l3: 1 << 56).bigEndianBytes, [1] + [UInt8](repeating: 0, count: 31))
        XCTAssertNil(UInt256(bigEndianBytes: [1, 2, 3]))
        XCTAssertEqual(UInt256(1).uint64, 1)
        XCTAssertNil(UInt256(l0: 0, l1: 1, l2: 0, l3: 0).uint64)
    }
}
