/// A 256-bit unsigned integer: balances, values and fees, exactly as Ethereum's `uint256`.
///
/// Four 64-bit limbs stored inline (no allocation), least significant first. Arithmetic is
/// *checked*: the settlement rules say amounts never wrap, so addition and subtraction report
/// overflow (`nil` / a thrown `UInt256.ArithmeticError`) instead of trapping or wrapping.
/// The wire and EIP-712 encoding is 32 bytes big-endian.
public struct UInt256: Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// Bits 0..<64.
    public var l0: UInt64
    /// Bits 64..<128.
    public var l1: UInt64
    /// Bits 128..<192.
    public var l2: UInt64
    /// Bits 192..<256.
    public var l3: UInt64

    /// Builds a value from its limbs, least significant first.
    @inlinable
    public init(l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64) {
        self.l0 = l0
        self.l1 = l1
        self.l2 = l2
        self.l3 = l3
    }

    /// Widens a 64-bit value.
    @inlinable
    public init(_ v: UInt64) { self.init(l0: v, l1: 0, l2: 0, l3: 0) }

    @inlinable
    public init(integerLiteral value: UInt64) { self.init(value) }

    public static let zero = UInt256(0)
    public static let one = UInt256(1)
    /// 2^256 - 1.
    public static let max = UInt256(l0: .max, l1: .max, l2: .max, l3: .max)

    @inlinable
    public var isZero: Bool { (l0 | l1 | l2 | l3) == 0 }

    /// The value as a UInt64, or nil when it does not fit.
    @inlinable
    public var uint64: UInt64? { (l1 | l2 | l3) == 0 ? l0 : nil }

    // MARK: Arithmetic

    /// Why a checked operation failed.
    public enum ArithmeticError: Error, Equatable, CustomStringConvertible {
        case overflow
        case underflow

        public var description: String {
            switch self {
            case .overflow: "uint256 overflow (result above 2^256-1)"
            case .underflow: "uint256 underflow (result below zero)"
            }
        }
    }

    /// `self + other` modulo 2^256 and whether it wrapped.
    @inlinable
    public func addingReportingOverflow(_ o: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        // Each limb adds the incoming carry; at most one of the two additions can carry out.
        let (r0, c0) = l0.addingReportingOverflow(o.l0)
        let (t1, c1a) = l1.addingReportingOverflow(o.l1)
        let (r1, c1b) = t1.addingReportingOverflow(c0 ? 1 : 0)
        let (t2, c2a) = l2.addingReportingOverflow(o.l2)
        let (r2, c2b) = t2.addingReportingOverflow(c1a || c1b ? 1 : 0)
        let (t3, c3a) = l3.addingReportingOverflow(o.l3)
        let (r3, c3b) = t3.addingReportingOverflow(c2a || c2b ? 1 : 0)
        let c3 = c3a || c3b
        return (UInt256(l0: r0, l1: r1, l2: r2, l3: r3), c3)
    }

    /// `self - other` modulo 2^256 and whether it borrowed (other > self).
    @inlinable
    public func subtractingReportingOverflow(_ o: UInt256) -> (partialValue: UInt256, overflow: Bool) {
        let (r0, b0) = l0.subtractingReportingOverflow(o.l0)
        let (t1, b1a) = l1.subtractingReportingOverflow(o.l1)
        let (r1, b1b) = t1.subtractingReportingOverflow(b0 ? 1 : 0)
        let (t2, b2a) = l2.subtractingReportingOverflow(o.l2)
        let (r2, b2b) = t2.subtractingReportingOverflow(b1a || b1b ? 1 : 0)
        let (t3, b3a) = l3.subtractingReportingOverflow(o.l3)
        let (r3, b3b) = t3.subtractingReportingOverflow(b2a || b2b ? 1 : 0)
        let b3 = b3a || b3b
        return (UInt256(l0: r0, l1: r1, l2: r2, l3: r3), b3)
    }

    /// `self + other`, or nil on overflow.
    @inlinable
    public func checkedAdd(_ o: UInt256) -> UInt256? {
        let (r, o) = addingReportingOverflow(o)
        return o ? nil : r
    }

    /// `self - other`, or nil when `other > self`.
    @inlinable
    public func checkedSub(_ o: UInt256) -> UInt256? {
        let (r, o) = subtractingReportingOverflow(o)
        return o ? nil : r
    }

    /// `self + other`; throws `.overflow` instead of wrapping.
    @inlinable
    public func adding(_ o: UInt256) throws(ArithmeticError) -> UInt256 {
        guard let r = checkedAdd(o) else { throw .overflow }
        return r
    }

    /// `self - other`; throws `.underflow` instead of wrapping.
    @inlinable
    public func subtracting(_ o: UInt256) throws(ArithmeticError) -> UInt256 {
        guard let r = checkedSub(o) else { throw .underflow }
        return r
    }

    /// `a + b`, trapping on overflow like `Int`: for constants and already-bounded values. Amounts
    /// that come from users must use `checkedAdd` / `adding(_:)`, which report overflow instead.
    /// (`fatalError`, unlike `precondition`, still traps when compiled with -Ounchecked.)
    @inlinable
    public static func + (a: UInt256, b: UInt256) -> UInt256 {
        let (r, o) = a.addingReportingOverflow(b)
        if o { fatalError("UInt256 overflow in +") }
        return r
    }

    /// `a - b`, trapping when `b > a`; see `+` for when to use `checkedSub` / `subtracting(_:)`.
    @inlinable
    public static func - (a: UInt256, b: UInt256) -> UInt256 {
        let (r, o) = a.subtractingReportingOverflow(b)
        if o { fatalError("UInt256 underflow in -") }
        return r
    }

    /// `self * m` for a 64-bit multiplier, or nil on overflow.
    public func checkedMul(_ m: UInt64) -> UInt256? {
        var out = UInt256.zero
        var carry: UInt64 = 0
        for i in 0..<4 {
            let (hi, lo) = m.multipliedFullWidth(by: limb(i))
            let (sum, c) = lo.addingReportingOverflow(carry)
            out.setLimb(i, sum)
            carry = hi &+ (c ? 1 : 0) // cannot wrap: a 64x64 product has hi <= 2^64 - 2
        }
        return carry == 0 ? out : nil
    }

    /// Quotient and remainder of division by a non-zero 64-bit divisor.
    public func quotientAndRemainder(dividingBy d: UInt64) -> (quotient: UInt256, remainder: UInt64) {
        precondition(d != 0, "UInt256 division by zero")
        var q = UInt256.zero
        var r: UInt64 = 0
        for i in stride(from: 3, through: 0, by: -1) {
            // r < d, so (r, limb) / d fits in 64 bits.
            let (qi, ri) = d.dividingFullWidth((high: r, low: limb(i)))
            q.setLimb(i, qi)
            r = ri
        }
        return (q, r)
    }

    @inlinable
    func limb(_ i: Int) -> UInt64 {
        switch i {
        case 0: l0
        case 1: l1
        case 2: l2
        default: l3
        }
    }

    @inlinable
    mutating func setLimb(_ i: Int, _ v: UInt64) {
        switch i {
        case 0: l0 = v
        case 1: l1 = v
        case 2: l2 = v
        default: l3 = v
        }
    }

    @inlinable
    public static func < (a: UInt256, b: UInt256) -> Bool {
        if a.l3 != b.l3 { return a.l3 < b.l3 }
        if a.l2 != b.l2 { return a.l2 < b.l2 }
        if a.l1 != b.l1 { return a.l1 < b.l1 }
        return a.l0 < b.l0
    }

    // MARK: Big-endian bytes

    /// Reads 32 big-endian bytes at `pointer` (no alignment required).
    @inlinable
    public init(bigEndian pointer: UnsafeRawPointer) {
        l3 = UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        l2 = UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        l1 = UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        l0 = UInt64(bigEndian: pointer.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// Decodes exactly 32 big-endian bytes; nil for any other length.
    public init?<C: Collection>(bigEndianBytes bytes: C) where C.Element == UInt8 {
        guard bytes.count == 32 else { return nil }
        let a = Array(bytes)
        self = a.withUnsafeBytes { UInt256(bigEndian: $0.baseAddress!) }
    }

    /// Writes the 32-byte big-endian encoding to `pointer` (no alignment required).
    @inlinable
    public func storeBigEndian(to pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: l3.bigEndian, toByteOffset: 0, as: UInt64.self)
        pointer.storeBytes(of: l2.bigEndian, toByteOffset: 8, as: UInt64.self)
        pointer.storeBytes(of: l1.bigEndian, toByteOffset: 16, as: UInt64.self)
        pointer.storeBytes(of: l0.bigEndian, toByteOffset: 24, as: UInt64.self)
    }

    /// The 32-byte big-endian encoding (the EVM / EIP-712 `uint256` word).
    public var bigEndianBytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { buf, n in
            storeBigEndian(to: UnsafeMutableRawPointer(buf.baseAddress!))
            n = 32
        }
    }

    // MARK: Strings

    /// Parses a decimal string or a `0x`/`0X`-prefixed hex string. Rejects empty strings, signs,
    /// whitespace, separators, any other character, and values above 2^256 - 1.
    public init?(parsing text: String) {
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            self.init(hex: text)
        } else {
            self.init(decimal: text)
        }
    }

    /// Parses decimal digits only (leading zeros allowed); nil on junk or overflow.
    public init?(decimal text: String) {
        var v = UInt256.zero
        var any = false
        for c in text.utf8 {
            guard c >= 48 && c <= 57 else { return nil }
            guard let m = v.checkedMul(10), let s = m.checkedAdd(UInt256(UInt64(c - 48))) else { return nil }
            v = s
            any = true
        }
        guard any else { return nil }
        self = v
    }

    /// Parses hex digits, with or without `0x`, any case, 1 to 64 significant digits (leading
    /// zeros allowed beyond that); nil on junk or overflow.
    public init?(hex text: String) {
        var s = Substring(text)
        if s.hasPrefix("0x") || s.hasPrefix("0X") { s = s.dropFirst(2) }
        var v = UInt256.zero
        var any = false
        for c in s.utf8 {
            let d: UInt64
            switch c {
            case 48...57: d = UInt64(c - 48)
            case 65...70: d = UInt64(c - 55)
            case 97...102: d = UInt64(c - 87)
            default: return nil
            }
            guard v.l3 >> 60 == 0 else { return nil } // shifting left by 4 would drop bits
            v = UInt256(l0: v.l0 << 4 | d, l1: v.l1 << 4 | v.l0 >> 60,
                        l2: v.l2 << 4 | v.l1 >> 60, l3: v.l3 << 4 | v.l2 >> 60)
            any = true
        }
        guard any else { return nil }
        self = v
    }

    /// Decimal digits, no leading zeros ("0" for zero).
    public var description: String {
        if let small = uint64 { return String(small) }
        var digits: [UInt8] = []
        digits.reserveCapacity(78)
        var v = self
        while !v.isZero {
            // 10^19 is the largest power of ten below 2^64: peel 19 digits per division.
            let (q, r) = v.quotientAndRemainder(dividingBy: 10_000_000_000_000_000_000)
            var chunk = r
            for _ in 0..<19 {
                digits.append(UInt8(48 + chunk % 10))
                chunk /= 10
            }
            v = q
        }
        while digits.count > 1 && digits.last == 48 { digits.removeLast() }
        return String(decoding: digits.reversed(), as: UTF8.self)
    }

    /// `0x` followed by lower-case hex without leading zeros ("0x0" for zero).
    public var hexDescription: String {
        let s = Hex.encode(bigEndianBytes)
        let trimmed = s.drop(while: { $0 == "0" })
        return "0x" + (trimmed.isEmpty ? "0" : String(trimmed))
    }
}
