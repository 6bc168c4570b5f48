/// A polynomial over Fr by its coefficients, lowest degree first (trailing zeros allowed).
public struct Polynomial: Sendable, Equatable {
    public var coefficients: [Fr]

    public init(coefficients: [Fr]) { self.coefficients = coefficients }

    /// The degree, ignoring trailing zero coefficients; nil for the zero polynomial.
    public var degree: Int? { coefficients.lastIndex { !$0.isZero } }

    /// p(x) by Horner's rule.
    public func evaluate(at x: Fr) -> Fr {
        var acc = Fr.zero
        for c in coefficients.reversed() { acc = acc * x + c }
        return acc
    }

    /// The polynomial of degree < N taking `values[i]` at ωⁱ of `domain` (an inverse NTT).
    public static func interpolate(_ values: [Fr], on domain: EvaluationDomain) -> Polynomial {
        var v = values
        domain.inverseNTT(&v)
        return Polynomial(coefficients: v)
    }

    /// The evaluations at ω⁰ … ω^(N−1) of `domain` (degree < N).
    public func evaluations(on domain: EvaluationDomain) -> [Fr] {
        var v = coefficients
        domain.ntt(&v)
        return v
    }

    /// The product by NTT: both operands evaluated on a domain larger than the product's degree,
    /// multiplied pointwise, interpolated back. Trailing zeros are dropped from the result.
    public static func * (a: Polynomial, b: Polynomial) -> Polynomial {
        guard let da = a.degree, let db = b.degree else { return Polynomial(coefficients: []) }
        let domain = EvaluationDomain(minimumSize: da + db + 1)!
        var x = Array(a.coefficients[...da]), y = Array(b.coefficients[...db])
        domain.ntt(&x)
        domain.ntt(&y)
        for i in x.indices { x[i] *= y[i] }
        domain.inverseNTT(&x)
        x.removeLast(x.count - (da + db + 1))
        return Polynomial(coefficients: x)
    }

    /// The quotient (A·B − C)/Z for Z = x^N − 1 of `domain`, given A, B, C by their evaluations on
    /// H (each of degree < N), as the Groth16 prover needs it: the division is exact when
    /// A·B − C vanishes on H, which is what a satisfied constraint system guarantees. Computed on
    /// the coset g·H, where Z is a non-zero constant; the quotient has degree ≤ N − 2.
    public static func quotientByVanishing(
        a: [Fr], b: [Fr], c: [Fr], on domain: EvaluationDomain
    ) -> Polynomial {
        var a = a, b = b, c = c
        func toCoset(_ v: inout [Fr]) {
            domain.inverseNTT(&v)
            domain.cosetNTT(&v)
        }
        toCoset(&a)
        toCoset(&b)
        toCoset(&c)
        for i in a.indices { a[i] = a[i] * b[i] - c[i] }
        domain.divideByVanishingOnCoset(&a)
        domain.inverseCosetNTT(&a)
        return Polynomial(coefficients: a)
    }
}
