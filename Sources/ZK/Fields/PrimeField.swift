/// A prime field of a modulus below 2^254 in Montgomery form: an element `a` is stored as
/// `a·R mod m` with R = 2^256, four 64-bit limbs inline.
///
/// Conforming types give the modulus and its Montgomery constants as literals; `ZKTests` recomputes
/// the constants from the modulus. Multiplication is CIOS (coarsely integrated operand scanning).
public protocol PrimeField: FieldArithmetic, CustomStringConvertible {
    /// The modulus m.
    static var modulus: UInt256 { get }
    /// R mod m: the Montgomery form of 1.
    static var montgomeryR: UInt256 { get }
    /// R² mod m: converts into Montgomery form.
    static var montgomeryR2: UInt256 { get }
    /// −m⁻¹ mod 2^64.
    static var montgomeryInverse: UInt64 { get }
    /// The stored Montgomery form.
    var montgomery: UInt256 { get }
    /// Wraps a Montgomery form (must be below the modulus).
    init(montgomery: UInt256)
}

extension PrimeField {
    @inlinable
    public static var zero: Self { Self(montgomery: .zero) }

    @inlinable
    public static var one: Self { Self(montgomery: montgomeryR) }

    @inlinable
    public var isZero: Bool { montgomery.isZero }

    /// The element congruent to a small integer.
    @inlinable
    public init(_ value: UInt64) {
        self.init(montgomery: Self.montgomeryMultiply(UInt256(value), Self.montgomeryR2))
    }

    /// The element of a canonical value; nil when `value ≥ modulus` (outside input is never
    /// reduced silently).
    @inlinable
    public init?(canonical value: UInt256) {
        guard value < Self.modulus else { return nil }
        self.init(montgomery: Self.montgomeryMultiply(value, Self.montgomeryR2))
    }

    /// The element `value mod modulus` (for values that may exceed the modulus, e.g. hashes).
    @inlinable
    public init(reducing value: UInt256) {
        var v = value
        while !(v < Self.modulus) { v = v.subtractingReportingOverflow(Self.modulus).partialValue }
        self.init(montgomery: Self.montgomeryMultiply(v, Self.montgomeryR2))
    }

    /// The canonical value in [0, modulus).
    @inlinable
    public var canonical: UInt256 { Self.montgomeryMultiply(montgomery, .one) }

    /// Decodes 32 big-endian bytes; nil for another length or a value ≥ modulus.
    public init?<C: Collection>(bigEndian bytes: C) where C.Element == UInt8 {
        guard let value = UInt256(bigEndian: bytes) else { return nil }
        self.init(canonical: value)
    }

    /// The canonical 32 big-endian bytes.
    public var bigEndianBytes: [UInt8] { canonical.bigEndianBytes }

    /// Parses a decimal string (as in snarkjs JSON); nil when not decimal or ≥ modulus.
    public init?(decimal: String) {
        guard let value = UInt256(decimal: decimal) else { return nil }
        self.init(canonical: value)
    }

    /// The canonical value in decimal.
    public var decimalString: String { canonical.decimalString }

    public var description: String { decimalString }

    /// The sum cannot overflow 256 bits (both operands are below m < 2^254); one trial subtraction.
    @inlinable @inline(__always)
    public static func + (a: Self, b: Self) -> Self {
        let s = a.montgomery.addingReportingOverflow(b.montgomery).partialValue
        let (d, borrow) = s.subtractingReportingOverflow(modulus)
        return Self(montgomery: borrow ? s : d)
    }

    @inlinable @inline(__always)
    public static func - (a: Self, b: Self) -> Self {
        let (d, borrow) = a.montgomery.subtractingReportingOverflow(b.montgomery)
        if borrow { return Self(montgomery: d.addingReportingOverflow(modulus).partialValue) }
        return Self(montgomery: d)
    }

    @inlinable @inline(__always)
    public static prefix func - (a: Self) -> Self {
        if a.isZero { return a }
        return Self(montgomery: modulus.subtractingReportingOverflow(a.montgomery).partialValue)
    }

    @inlinable @inline(__always)
    public static func * (a: Self, b: Self) -> Self {
        Self(montgomery: montgomeryMultiply(a.montgomery, b.montgomery))
    }

    @inlinable @inline(__always)
    public func squared() -> Self { self * self }

    @inlinable @inline(__always)
    public func doubled() -> Self { self + self }

    /// The inverse by the binary extended Euclidean algorithm (variable time: for public values).
    /// On the Montgomery form aR it yields a⁻¹R⁻¹; one multiplication by R³ gives a⁻¹R.
    @inlinable
    public func inverse() -> Self? {
        if isZero { return nil }
        let inv = Self.binaryInverse(montgomery)
        let r3 = Self.montgomeryMultiply(Self.montgomeryR2, Self.montgomeryR2)
        return Self(montgomery: Self.montgomeryMultiply(inv, r3))
    }

    /// The inverse by Fermat's little theorem, a^(m−2) (the slow reference for tests).
    public func inverseByFermat() -> Self? {
        if isZero { return nil }
        return pow(Self.modulus.subtractingReportingOverflow(UInt256(2)).partialValue)
    }

    /// x⁻¹ mod m for 0 < x < m (Guide to Elliptic Curve Cryptography, algorithm 2.22): keeps
    /// x1·x ≡ u and x2·x ≡ v (mod m) while halving and subtracting u and v down to 1.
    @inlinable
    static func binaryInverse(_ x: UInt256) -> UInt256 {
        let m = modulus
        var u = x, v = m
        var x1 = UInt256.one, x2 = UInt256.zero
        @inline(__always) func halveModM(_ a: UInt256) -> UInt256 {
            // (a + m)/2 when a is odd; a + m < 2^255 does not overflow.
            a.l0 & 1 == 0 ? a.halved : a.addingReportingOverflow(m).partialValue.halved
        }
        @inline(__always) func subModM(_ a: UInt256, _ b: UInt256) -> UInt256 {
            let (d, borrow) = a.subtractingReportingOverflow(b)
            return borrow ? d.addingReportingOverflow(m).partialValue : d
        }
        while u != .one && v != .one {
            while u.l0 & 1 == 0 { u = u.halved; x1 = halveModM(x1) }
            while v.l0 & 1 == 0 { v = v.halved; x2 = halveModM(x2) }
            let (d, borrow) = u.subtractingReportingOverflow(v)
            if !borrow {
                u = d; x1 = subModM(x1, x2)
            } else {
                v = v.subtractingReportingOverflow(u).partialValue; x2 = subModM(x2, x1)
            }
        }
        return u == .one ? x1 : x2
    }

    /// Whether the canonical value is odd (the "sign" used by point compression conventions).
    @inlinable
    public var isOdd: Bool { canonical.l0 & 1 == 1 }

    /// a·b·R⁻¹ mod m by CIOS; inputs below m, output below m. Both moduli leave the top bit of
    /// their high limb clear (m < 2^254), so no carry can pass the fourth limb and the row needs
    /// no fifth word (the "no-carry" form of CIOS).
    @inlinable @inline(__always)
    public static func montgomeryMultiply(_ a: UInt256, _ b: UInt256) -> UInt256 {
        var t = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        montgomeryRow(&t, a, b.l0)
        montgomeryRow(&t, a, b.l1)
        montgomeryRow(&t, a, b.l2)
        montgomeryRow(&t, a, b.l3)
        let r = UInt256(t.0, t.1, t.2, t.3)
        let (d, borrow) = r.subtractingReportingOverflow(modulus)
        return borrow ? r : d
    }

    /// One outer iteration: t = (t + a·bi + k·m) / 2^64 with k chosen to clear the low limb,
    /// the products by bi and by k interleaved limb by limb.
    @inlinable @inline(__always)
    static func montgomeryRow(_ t: inout (UInt64, UInt64, UInt64, UInt64), _ a: UInt256, _ bi: UInt64) {
        let m = modulus
        var carryA: UInt64, carryK: UInt64
        (carryA, t.0) = multiplyAccumulate(t.0, a.l0, bi, 0)
        let k = t.0 &* montgomeryInverse
        (carryK, _) = multiplyAccumulate(t.0, k, m.l0, 0)
        (carryA, t.1) = multiplyAccumulate(t.1, a.l1, bi, carryA)
        (carryK, t.0) = multiplyAccumulate(t.1, k, m.l1, carryK)
        (carryA, t.2) = multiplyAccumulate(t.2, a.l2, bi, carryA)
        (carryK, t.1) = multiplyAccumulate(t.2, k, m.l2, carryK)
        (carryA, t.3) = multiplyAccumulate(t.3, a.l3, bi, carryA)
        (carryK, t.2) = multiplyAccumulate(t.3, k, m.l3, carryK)
        t.3 = carryK &+ carryA
    }
}
