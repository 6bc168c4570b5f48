import CBN254

/// Fq6 = Fq2[v]/(v³ − ξ) with ξ = 9 + u: elements c0 + c1·v + c2·v².
@frozen
public struct Fq6: FieldArithmetic {
    public var c0: Fq2
    public var c1: Fq2
    public var c2: Fq2

    @inlinable
    public init(_ c0: Fq2, _ c1: Fq2, _ c2: Fq2) { self.c0 = c0; self.c1 = c1; self.c2 = c2 }

    @inlinable public static var zero: Fq6 { Fq6(.zero, .zero, .zero) }
    @inlinable public static var one: Fq6 { Fq6(.one, .zero, .zero) }
    @inlinable public var isZero: Bool { c0.isZero && c1.isZero && c2.isZero }

    @inlinable
    public static func + (a: Fq6, b: Fq6) -> Fq6 { Fq6(a.c0 + b.c0, a.c1 + b.c1, a.c2 + b.c2) }
    @inlinable
    public static func - (a: Fq6, b: Fq6) -> Fq6 { Fq6(a.c0 - b.c0, a.c1 - b.c1, a.c2 - b.c2) }
    @inlinable
    public static prefix func - (a: Fq6) -> Fq6 { Fq6(-a.c0, -a.c1, -a.c2) }
    @inlinable
    public func doubled() -> Fq6 { Fq6(c0.doubled(), c1.doubled(), c2.doubled()) }

    /// Karatsuba-style: six Fq2 multiplications, using v³ = ξ (in the C core).
    public static func * (a: Fq6, b: Fq6) -> Fq6 {
        TowerCore.apply(a, b, as: bn254_fq6.self, bn254_fq6_mul)
    }

    @inlinable
    public func squared() -> Fq6 { self * self }

    /// Multiplication by v: (c0, c1, c2)·v = (ξc2, c0, c1).
    @inlinable
    public func mulByV() -> Fq6 { Fq6(c2.mulByXi(), c0, c1) }

    /// Multiplication by an element of Fq2.
    @inlinable
    public func scaled(by k: Fq2) -> Fq6 { Fq6(c0 * k, c1 * k, c2 * k) }

    /// The inverse through the adjugate: with A = c0² − ξc1c2, B = ξc2² − c0c1, C = c1² − c0c2,
    /// 1/a = (A, B, C)/(c0A + ξ(c2B + c1C)).
    @inlinable
    public func inverse() -> Fq6? {
        let a = c0.squared() - (c1 * c2).mulByXi()
        let b = c2.squared().mulByXi() - c0 * c1
        let c = c1.squared() - c0 * c2
        guard let f = (c0 * a + (c2 * b + c1 * c).mulByXi()).inverse() else { return nil }
        return Fq6(a * f, b * f, c * f)
    }

    /// The Frobenius map a ↦ a^p: conjugate each coefficient, then v^p = v·ξ^((p−1)/3) and
    /// (v²)^p = v²·ξ^(2(p−1)/3).
    @inlinable
    public func frobenius() -> Fq6 {
        Fq6(c0.conjugate, c1.conjugate * FrobeniusCoefficients.v1, c2.conjugate * FrobeniusCoefficients.v2)
    }
}
