import CBN254

/// Fq2 = Fq[u]/(u² + 1): elements c0 + c1·u. The field of the G2 (twist) coordinates.
@frozen
public struct Fq2: FieldArithmetic, CustomStringConvertible {
    public var c0: Fq
    public var c1: Fq

    @inlinable
    public init(_ c0: Fq, _ c1: Fq) { self.c0 = c0; self.c1 = c1 }

    @inlinable public static var zero: Fq2 { Fq2(.zero, .zero) }
    @inlinable public static var one: Fq2 { Fq2(.one, .zero) }
    /// ξ = 9 + u, the non-residue defining Fq6 and the twist.
    @inlinable public static var xi: Fq2 { Fq2(Fq(9), .one) }

    @inlinable public var isZero: Bool { c0.isZero && c1.isZero }

    @inlinable
    public static func + (a: Fq2, b: Fq2) -> Fq2 { Fq2(a.c0 + b.c0, a.c1 + b.c1) }
    @inlinable
    public static func - (a: Fq2, b: Fq2) -> Fq2 { Fq2(a.c0 - b.c0, a.c1 - b.c1) }
    @inlinable
    public static prefix func - (a: Fq2) -> Fq2 { Fq2(-a.c0, -a.c1) }

    /// Karatsuba: three Fq multiplications (in the C core, `CBN254`).
    public static func * (a: Fq2, b: Fq2) -> Fq2 {
        TowerCore.apply(a, b, as: bn254_fq2.self, bn254_fq2_mul)
    }

    /// Multiplication by an element of the base field.
    @inlinable
    public func scaled(by k: Fq) -> Fq2 { Fq2(c0 * k, c1 * k) }

    /// (a0 + a1u)² = (a0 + a1)(a0 − a1) + 2a0a1·u (in the C core).
    public func squared() -> Fq2 {
        TowerCore.apply(self, as: bn254_fq2.self, bn254_fq2_square)
    }

    @inlinable
    public func doubled() -> Fq2 { Fq2(c0.doubled(), c1.doubled()) }

    /// Multiplication by ξ = 9 + u: (9a0 − a1) + (a0 + 9a1)u.
    @inlinable
    public func mulByXi() -> Fq2 {
        let a0x8 = c0.doubled().doubled().doubled()
        let a1x8 = c1.doubled().doubled().doubled()
        return Fq2(a0x8 + c0 - c1, a1x8 + c1 + c0)
    }

    /// The conjugate a0 − a1u, which is also the Frobenius map a ↦ a^p.
    @inlinable
    public var conjugate: Fq2 { Fq2(c0, -c1) }

    /// 1/(a0 + a1u) = (a0 − a1u)/(a0² + a1²).
    @inlinable
    public func inverse() -> Fq2? {
        guard let n = (c0.squared() + c1.squared()).inverse() else { return nil }
        return Fq2(c0 * n, -(c1 * n))
    }

    /// A square root when one exists, through the norm: if x² = a then N(x)² = N(a) and
    /// x0² = (a0 ± √N(a))/2; the result is checked by squaring.
    public func squareRoot() -> Fq2? {
        if c1.isZero {
            if let r = c0.squareRoot() { return Fq2(r, .zero) }
            // a0 is a non-residue in Fq, so −a0 is a residue (−1 is not): √a0 = √(−a0)·u.
            if let r = (-c0).squareRoot() { return Fq2(.zero, r) }
            return nil
        }
        guard let normRoot = (c0.squared() + c1.squared()).squareRoot() else { return nil }
        let half = Fq(2).inverse()!
        var x0 = ((c0 + normRoot) * half).squareRoot()
        if x0 == nil { x0 = ((c0 - normRoot) * half).squareRoot() }
        guard let x0, let inv = x0.doubled().inverse() else { return nil }
        let root = Fq2(x0, c1 * inv)
        return root.squared() == self ? root : nil
    }

    public var description: String { "(\(c0), \(c1))" }
}
