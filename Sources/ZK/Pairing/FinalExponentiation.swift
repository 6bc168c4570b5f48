extension Pairing {
    /// f^((p¹² − 1)/r), split as (p⁶ − 1)(p² + 1) · (p⁴ − p² + 1)/r.
    ///
    /// The easy part is a conjugation, an inversion and a Frobenius. For the hard part, write
    /// (p⁴ − p² + 1)/r = λ0 + λ1·p + λ2·p² + λ3·p³ with (polynomials in u, checked in ZKTests)
    ///   λ3 = 1, λ2 = 6u² + 1, λ1 = −36u³ − 18u² − 12u + 1, λ0 = −36u³ − 30u² − 18u − 2.
    /// With a = f^u, b = f^(u²), c = f^(u³) (three exponentiations by u) the factors
    ///   y0 = f^(p+p²+p³), y1 = 1/f, y2 = b^(p²), y3 = 1/a^p, y4 = 1/(a·b^p), y5 = 1/b, y6 = 1/(c·c^p)
    /// give the result as y0 · y1² · y2⁶ · y3¹² · y4¹⁸ · y5³⁰ · y6³⁶ (compare exponents: the
    /// coefficients of 1, p, p², p³ are λ0..λ3), computed by a short chain of squarings and
    /// multiplications. After the easy part f has norm 1, so inverses are conjugates.
    public static func finalExponentiation(_ f: Fq12) -> Fq12 {
        guard let fInv = f.inverse() else { return .zero }
        var t = f.conjugate * fInv
        t = t.frobenius(2) * t
        let a = expByU(t)
        let b = expByU(a)
        let c = expByU(b)
        let y0 = t.frobenius() * t.frobenius(2) * t.frobenius(3)
        let y1 = t.conjugate
        let y2 = b.frobenius(2)
        let y3 = a.frobenius().conjugate
        let y4 = (a * b.frobenius()).conjugate
        let y5 = b.conjugate
        let y6 = (c * c.frobenius()).conjugate
        var t0 = y6.cyclotomicSquared() * y4 * y5          // 2y6 + y4 + y5
        var t1 = y3 * y5 * t0                    // y3 + 2y5 + 2y6 + y4
        t0 = t0 * y2                             // 2y6 + y4 + y5 + y2
        t1 = (t1.cyclotomicSquared() * t0).cyclotomicSquared()       // 4y3 + 10y5 + 12y6 + 6y4 + 2y2
        t0 = t1 * y1
        t1 = t1 * y0
        t0 = t0.cyclotomicSquared()              // 8y3 + 20y5 + 24y6 + 12y4 + 4y2 + 2y1
        return t1 * t0                           // y0 + 2y1 + 6y2 + 12y3 + 18y4 + 30y5 + 36y6
    }

    /// f^u by square-and-multiply with cyclotomic squarings (f is unitary after the easy part).
    static func expByU(_ f: Fq12) -> Fq12 {
        f.cyclotomicPow(UInt256(bnParameterU))
    }
}
