/// The Miller-loop lines of a G2 point, computed once (affine arithmetic on the twist) and reusable
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
        var lines: [(lambda: Fq2, mu: Fq2)?] = []
        var doubling: [Bool] = []
        guard !q.isInfinity else { self.lines = []; self.doubling = []; return }
        var t = q
        let count = G2Prepared.loopCount
        var i = count.bitWidth - 2
        while i >= 0 {
            let current = t
            lines.append(G2Prepared.step(&t, current))
            doubling.append(true)
            if count.bit(i) {
                lines.append(G2Prepared.step(&t, q))
                doubling.append(false)
            }
            i -= 1
        }
        // The two extra steps: T + ψ(Q), then T − ψ²(Q).
        let q1 = q.psi
        let q2 = q1.psi.negated
        lines.append(G2Prepared.step(&t, q1))
        doubling.append(false)
        lines.append(G2Prepared.step(&t, q2))
        doubling.append(false)
        self.lines = lines
        self.doubling = doubling
    }

    /// Replaces t by t + s (doubling when equal) and returns the line through them, nil if vertical.
    static func step(_ t: inout G2Affine, _ s: G2Affine) -> (lambda: Fq2, mu: Fq2)? {
        if t.isInfinity { t = s; return nil }
        if s.isInfinity { return nil }
        let lambda: Fq2
        if t.x == s.x {
            guard t.y == s.y, let inv = t.y.doubled().inverse() else { t = .infinity; return nil }
            let x2 = t.x.squared()
            lambda = (x2.doubled() + x2) * inv
        } else {
            lambda = (s.y - t.y) * (s.x - t.x).inverse()!
        }
        let x3 = lambda.squared() - t.x - s.x
        let y3 = lambda * (t.x - x3) - t.y
        let mu = lambda * t.x - t.y
        t = G2Affine(uncheckedX: x3, y: y3)
        return (lambda, mu)
    }
}
