import CBN254

/// Fq12 = Fq6[w]/(w² − v): elements c0 + c1·w (so w⁶ = ξ). The pairing's target group lives here.
@frozen
public struct Fq12: FieldArithmetic {
    public var c0: Fq6
    public var c1: Fq6

    @inlinable
    public init(_ c0: Fq6, _ c1: Fq6) { self.c0 = c0; self.c1 = c1 }

    @inlinable public static var zero: Fq12 { Fq12(.zero, .zero) }
    @inlinable public static var one: Fq12 { Fq12(.one, .zero) }
    @inlinable public var isZero: Bool { c0.isZero && c1.isZero }

    @inlinable
    public static func + (a: Fq12, b: Fq12) -> Fq12 { Fq12(a.c0 + b.c0, a.c1 + b.c1) }
    @inlinable
    public static func - (a: Fq12, b: Fq12) -> Fq12 { Fq12(a.c0 - b.c0, a.c1 - b.c1) }
    @inlinable
    public static prefix func - (a: Fq12) -> Fq12 { Fq12(-a.c0, -a.c1) }
    @inlinable
    public func doubled() -> Fq12 { Fq12(c0.doubled(), c1.doubled()) }

    /// Karatsuba: three Fq6 multiplications, using w² = v (in the C core).
    public static func * (a: Fq12, b: Fq12) -> Fq12 {
        TowerCore.apply(a, b, as: bn254_fq12.self, bn254_fq12_mul)
    }

    /// (a0 + a1w)² = (a0 + a1)(a0 + va1) − t − vt + 2t·w with t = a0a1 (in the C core).
    public func squared() -> Fq12 {
        TowerCore.apply(self, as: bn254_fq12.self, bn254_fq12_square)
    }

    /// The conjugate a0 − a1w = a^(p⁶); the inverse of an element of norm 1 (the cyclotomic
    /// subgroup, where pairing values live).
    @inlinable
    public var conjugate: Fq12 { Fq12(c0, -c1) }

    /// 1/(a0 + a1w) = (a0 − a1w)/(a0² − va1²).
    @inlinable
    public func inverse() -> Fq12? {
        guard let n = (c0.squared() - c1.squared().mulByV()).inverse() else { return nil }
        return Fq12(c0 * n, -(c1 * n))
    }

    /// The Frobenius map a ↦ a^p: Fq6's map on both halves, and w^p = w·ξ^((p−1)/6).
    @inlinable
    public func frobenius() -> Fq12 {
        Fq12(c0.frobenius(), c1.frobenius().scaled(by: FrobeniusCoefficients.w1))
    }

    /// a ↦ a^(p^k).
    @inlinable
    public func frobenius(_ k: Int) -> Fq12 {
        var r = self
        for _ in 0..<k { r = r.frobenius() }
        return r
    }

    /// Multiplication by the line 1 + (b0 + b1·v)·w of the Miller loop (b0, b1 in Fq2):
    /// (f0 + f1w)(1 + Lw) = (f0 + v·f1L) + (f1 + f0L)w, with the sparse products by b0 + b1·v
    /// (in the C core).
    public func mulByLine(_ b0: Fq2, _ b1: Fq2) -> Fq12 {
        var f = self
        TowerCore.multiplyByLine(&f, b0, b1)
        return f
    }

    /// Multiplication by a + (b + c·v)·w (a, b, c in Fq2), the shape of a projective Miller-loop
    /// line: 13 Fq2 products (in the C core).
    public func mulBySparse(_ a: Fq2, _ b: Fq2, _ c: Fq2) -> Fq12 {
        var f = self
        TowerCore.multiplyBySparse(&f, a, b, c)
        return f
    }
}
