/// A 256-bit unsigned integer: four little-endian 64-bit limbs stored inline (no heap).
///
/// The plain-integer companion of the Montgomery field types: moduli, exponents, scalars and the
/// canonical value of a field element are `UInt256`s.
@frozen
public struct UInt256: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64

    @inlinable
    public init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3
    }

    @inlinable
    public init(_ value: UInt64) { self.init(value, 0, 0, 0) }

    public static let zero = UInt256(0)
    public static let one = UInt256(1)

    @inlinable
    public var isZero: Bool { (l0 | l1 | l2 | l3) == 0 }

    /// Limb `i` (0 is the least significant).
    @inlinable
    public func limb(_ i: Int) -> UInt64 {
        switch i {
        case 0: return l0
        case 1: return l1
        case 2: return l2
        default: return l3
        }
    }

    /// Bit `i` (0 is the least significant).
    @inlinable
    public func bit(_ i: Int) -> Bool { (limb(i >> 6) >> UInt64(i & 63)) & 1 == 1 }

    /// The number of bits up to and including the highest set bit (0 for zero).
    @inlinable
    public var bitWidth: Int {
        if l3 != 0 { return 256 - l3.leadingZeroBitCount }
        if l2 != 0 { return 192 - l2.leadingZeroBitCount }
        if l1 != 0 { return 128 - l1.leadingZeroBitCount }
        return 64 - l0.leadingZeroBitCount
    }

    @inlinable @inline(__always)
    public func addingReportingOverflow(_ b: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        let (s0, c0) = l0.addingReportingOverflow(b.l0)
        let (s1, c1) = addWithCarry(l1, b.l1, c0)
        let (s2, c2) = addWithCarry(l2, b.l2, c1)
        let (s3, c3) = addWithCarry(l3, b.l3, c2)
        return (UInt256(s0, s1, s2, s3), c3)
    }

    @inlinable @inline(__always)
    public func subtractingReportingOverflow(_ b: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        let (d0, b0) = l0.subtractingReportingOverflow(b.l0)
        let (d1, b1) = subWithBorrow(l1, b.l1, b0)
        let (d2, b2) = subWithBorrow(l2, b.l2, b1)
        let (d3, b3) = subWithBorrow(l3, b.l3, b2)
        return (UInt256(d0, d1, d2, d3), b3)
    }

    @inlinable @inline(__always)
    public static func < (a: UInt256, b: UInt256) -> Bool {
        a.subtractingReportingOverflow(b).overflow
    }

    /// `self >> 1`.
    @inlinable
    public var halved: UInt256 {
        UInt256((l0 >> 1) | (l1 << 63), (l1 >> 1) | (l2 << 63), (l2 >> 1) | (l3 << 63), l3 >> 1)
    }

    /// `self * factor + addend`, and what overflowed past 256 bits.
    @inlinable
    public func multipliedAdding(_ factor: UInt64, _ addend: UInt64) -> (partialValue: UInt256, overflow: UInt64) {
        var carry = addend
        var out = UInt256.zero
        (carry, out.l0) = multiplyAdd(l0, factor, carry)
        (carry, out.l1) = multiplyAdd(l1, factor, carry)
        (carry, out.l2) = multiplyAdd(l2, factor, carry)
        (carry, out.l3) = multiplyAdd(l3, factor, carry)
        return (out, carry)
    }

    /// Quotient and remainder of the division by a small nonzero divisor.
    @inlinable
    public func quotientAndRemainder(dividingBy divisor: UInt64) -> (quotient: UInt256, remainder: UInt64) {
        var rem: UInt64 = 0
        var q = UInt256.zero
        (q.l3, rem) = divisor.dividingFullWidth((rem, l3))
        (q.l2, rem) = divisor.dividingFullWidth((rem, l2))
        (q.l1, rem) = divisor.dividingFullWidth((rem, l1))
        (q.l0, rem) = divisor.dividingFullWidth((rem, l0))
        return (q, rem)
    }

    /// Reads 32 big-endian bytes; nil for any other length.
    public init?<C: Collection>(bigEndian bytes: C) where C.Element == UInt8 {
        guard bytes.count == 32 else { return nil }
        var limbs: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for (i, byte) in bytes.enumerated() {
            switch i >> 3 {
            case 0: limbs.3 = limbs.3 << 8 | UInt64(byte)
            case 1: limbs.2 = limbs.2 << 8 | UInt64(byte)
            case 2: limbs.1 = limbs.1 << 8 | UInt64(byte)
            default: limbs.0 = limbs.0 << 8 | UInt64(byte)
            }
        }
        self.init(limbs.0, limbs.1, limbs.2, limbs.3)
    }

    /// The 32 big-endian bytes.
    public var bigEndianBytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 {
            out[31 - i] = UInt8(truncatingIfNeeded: limb(i >> 3) >> UInt64((i & 7) * 8))
        }
        return out
    }

    /// Parses a decimal string of digits only; nil when empty, not decimal or ≥ 2^256.
    public init?(decimal: String) {
        guard !decimal.isEmpty else { return nil }
        var value = UInt256.zero
        for ch in decimal.utf8 {
            guard ch >= 48, ch <= 57 else { return nil }
            let (next, overflow) = value.multipliedAdding(10, UInt64(ch - 48))
            guard overflow == 0 else { return nil }
            value = next
        }
        self = value
    }

    /// Parses a hexadecimal string, with or without `0x`, of at most 64 digits.
    public init?(hex: String) {
        var digits = Substring(hex)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        guard !digits.isEmpty, digits.count <= 64 else { return nil }
        var value = UInt256.zero
        for ch in digits {
            guard let d = ch.hexDigitValue else { return nil }
            value = value.multipliedAdding(16, UInt64(d)).partialValue
        }
        self = value
    }

    /// The decimal representation (no leading zeros).
    public var decimalString: String {
        if isZero { return "0" }
        var chunks: [UInt64] = []
        var value = self
        while !value.isZero {
            let (q, r) = value.quotientAndRemainder(dividingBy: 10_000_000_000_000_000_000)
            chunks.append(r)
            value = q
        }
        var out = String(chunks.removeLast())
        for chunk in chunks.reversed() {
            let s = String(chunk)
            out += String(repeating: "0", count: 19 - s.count) + s
        }
        return out
    }

    /// `0x` and 64 hexadecimal digits.
    public var hexString: String {
        "0x" + bigEndianBytes.map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }

    public var description: String { decimalString }
}

extension UInt256 {
    /// The product of two values below 2^128 (the high halves are ignored).
    public init(multiplying a: UInt256, by b: UInt256) {
        let (h00, l00) = a.l0.multipliedFullWidth(by: b.l0)
        let (h01, l01) = a.l0.multipliedFullWidth(by: b.l1)
        let (h10, l10) = a.l1.multipliedFullWidth(by: b.l0)
        let (h11, l11) = a.l1.multipliedFullWidth(by: b.l1)
        var r = UInt256(l00, h00, 0, 0)
        r = r.addingReportingOverflow(UInt256(0, l01, h01, 0)).partialValue
        r = r.addingReportingOverflow(UInt256(0, l10, h10, 0)).partialValue
        r = r.addingReportingOverflow(UInt256(0, 0, l11, h11)).partialValue
        self = r
    }
}

/// `a + b + carry` and the carry out.
@inlinable @inline(__always)
func addWithCarry(_ a: UInt64, _ b: UInt64, _ carry: Bool) -> (UInt64, Bool) {
    let (s, c1) = a.addingReportingOverflow(b)
    let (t, c2) = s.addingReportingOverflow(carry ? 1 : 0)
    return (t, c1 || c2)
}

/// `a - b - borrow` and the borrow out.
@inlinable @inline(__always)
func subWithBorrow(_ a: UInt64, _ b: UInt64, _ borrow: Bool) -> (UInt64, Bool) {
    let (d, b1) = a.subtractingReportingOverflow(b)
    let (e, b2) = d.subtractingReportingOverflow(borrow ? 1 : 0)
    return (e, b1 || b2)
}

/// `a * b + c` as (high, low); cannot overflow 128 bits.
@inlinable @inline(__always)
func multiplyAdd(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> (UInt64, UInt64) {
    let (hi, lo) = a.multipliedFullWidth(by: b)
    let (s, carry) = lo.addingReportingOverflow(c)
    return (hi &+ (carry ? 1 : 0), s)
}

/// `acc + a * b + c` as (high, low); cannot overflow 128 bits.
@inlinable @inline(__always)
func multiplyAccumulate(_ acc: UInt64, _ a: UInt64, _ b: UInt64, _ c: UInt64) -> (UInt64, UInt64) {
    let (hi, lo) = a.multipliedFullWidth(by: b)
    let (s1, c1) = lo.addingReportingOverflow(acc)
    let (s2, c2) = s1.addingReportingOverflow(c)
    return (hi &+ (c1 ? 1 : 0) &+ (c2 ? 1 : 0), s2)
}
