/// The Miller-loop lines of a G2 point, computed once (Jacobian arithmetic on the twist and one batch
/// inversion) and reusable
/// against any G1 point, e.g. for a verification key's fixed G2 elements.
///
/// The line through T and T' (or tangent at T) with twist slope λ, untwisted by (x, y) ↦ (xw², yw³)
/// and evaluated at P = (xP, yP), is yP − λxP·w + (λxT − yT)·w³. Divided by yP (a factor in Fq,
/// which the final exponentiation removes) it is 1 + (λ·(−xP/yP) + (λxT − yT)(1/yP)·v)·w, so a
/// line is stored as (λ, λxT − yT). Vertical lines lie in Fq6 and are removed by the final
/// exponentiation too: they are stored as nil.
public struct G2Prepared: Sendable {
    /// One entry per Miller-loop step; `doubling[i]` tells whether step i squares the accumulator first.
    let lines: [(lambda: Fq2, mu: Fq2)?]
    let doubling: [Bool]
    /// True for the point at infinity (its pairing is 1).
    public let isInfinity: Bool

    /// 6u + 2, the optimal ate loop count.
    static let loopCount = UInt256(bnParameterU).multipliedAdding(6, 2).partialValue

    public init(_ q: G2Affine) {
        isInfinity = q.isInfinity
        guard !q.isInfinity else { self.lines = []; self.doubling = []; return }
        // T runs in Jacobian coordinates and each line is kept as fractions over one denominator,
        // so the whole loop takes one field inversion (a batch inversion at the end) instead of one
        // per step.
        var fractions: [LineFraction?] = []
        var doubling: [Bool] = []
        var t = G2Point(x: q.x, y: q.y, z: .one)
        let count = G2Prepared.loopCount
        var i = count.bitWidth - 2
        while i >= 0 {
            fractions.append(G2Prepared.tangent(&t))
            doubling.append(true)
            if count.bit(i) {
                fractions.append(G2Prepared.chord(&t, q))
                doubling.append(false)
            }
            i -= 1
        }
        // The two extra steps: T + ψ(Q), then T − ψ²(Q).
        let q1 = q.psi
        let q2 = q1.psi.negated
        fractions.append(G2Prepared.chord(&t, q1))
        doubling.append(false)
        fractions.append(G2Prepared.chord(&t, q2))
        doubling.append(false)
        let inverses = Fq2.batchInverse(fractions.map { $0?.denominator ?? .zero })
        self.lines = zip(fractions, inverses).map { fraction, inverse in
            fraction.map { (lambda: $0.lambda * inverse, mu: $0.mu * inverse) }
        }
        self.doubling = doubling
    }

    /// A line's slope λ and λxT − yT as numerators over a common denominator.
    struct LineFraction {
        var lambda: Fq2
        var mu: Fq2
        var denominator: Fq2
    }

    /// The tangent at T, then T ← 2T; T = (X, Y, Z) stands for (X/Z², Y/Z³), and
    /// λ = 3x²/(2y) = 3X²Z²/D, λx − y = (3X³ − 2Y²)/D with D = 2YZ³.
    static func tangent(_ t: inout G2Point) -> LineFraction? {
        if t.isInfinity { return nil }
        let z2 = t.z.squared()
        let x2 = t.x.squared()
        let x2x3 = x2.doubled() + x2
        let d = (t.y * z2 * t.z).doubled()
        // Points of order r have y ≠ 0; a zero denominator would be a vertical tangent.
        guard !d.isZero else { t = .infinity; return nil }
        let line = LineFraction(lambda: x2x3 * z2, mu: x2x3 * t.x - t.y.squared().doubled(), denominator: d)
        t = t.doubled()
        return line
    }

    /// The chord through T and an affine S, then T ← T + S; nil for a vertical line (T = −S).
    /// λ = (yS·Z³ − Y)/D with D = Z(xS·Z² − X), and, the line passing through S,
    /// λxT − yT = λxS − yS = (λ-numerator·xS − yS·D)/D.
    static func chord(_ t: inout G2Point, _ s: G2Affine) -> LineFraction? {
        if t.isInfinity { t = s.jacobian; return nil }
        if s.isInfinity { return nil }
        let z2 = t.z.squared()
        let h = s.x * z2 - t.x
        let lambda = s.y * z2 * t.z - t.y
        if h.isZero {
            // Same x: the tangent when also the same y, else a vertical line.
            guard lambda.isZero else { t = .infinity; return nil }
            return tangent(&t)
        }
        let d = t.z * h
        let line = LineFraction(lambda: lambda, mu: lambda * s.x - s.y * d, denominator: d)
        t = t.adding(s)
        return line
    }
}
