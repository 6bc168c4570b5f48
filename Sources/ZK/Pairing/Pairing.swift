/// The optimal ate pairing on BN254, e: G1 × G2 → GT ⊂ Fq12*: a Miller loop over 6u + 2 with the
/// two Frobenius steps, then the final exponentiation to the power (p¹² − 1)/r.
public enum Pairing {
    /// e(P, Q).
    public static func pairing(_ p: G1Affine, _ q: G2Affine) -> Fq12 {
        multiPairing([(p, q)])
    }

    /// ∏ e(Pᵢ, Qᵢ) with one shared Miller accumulator and one final exponentiation.
    public static func multiPairing(_ pairs: [(G1Affine, G2Affine)]) -> Fq12 {
        multiPairing(pairs.map { ($0.0, G2Prepared($0.1)) })
    }

    /// ∏ e(Pᵢ, Qᵢ) against prepared G2 points.
    public static func multiPairing(_ pairs: [(G1Affine, G2Prepared)]) -> Fq12 {
        finalExponentiation(millerLoop(pairs))
    }

    /// The EIP-197 check: whether ∏ e(Pᵢ, Qᵢ) = 1 (true for no pairs).
    public static func pairingCheck(_ pairs: [(G1Affine, G2Affine)]) -> Bool {
        multiPairing(pairs) == .one
    }

    /// The product of the Miller functions f_{6u+2,Qᵢ}(Pᵢ) (times the Frobenius lines), before the
    /// final exponentiation. Pairs with a point at infinity contribute 1.
    public static func millerLoop(_ pairs: [(G1Affine, G2Prepared)]) -> Fq12 {
        let finite = pairs.filter { !$0.0.isInfinity && !$0.1.isInfinity && !$0.0.y.isZero }
        guard let steps = finite.first?.1.doubling.count else { return .one }
        // A normalized line is evaluated divided by yP: 1 + (b·xP/yP + c·(1/yP)·v)·w. All 1/yP come
        // from one batch inversion (G1 points of order r have yP ≠ 0).
        let normalizedYs = finite.filter(\.1.isNormalized).map(\.0.y)
        var yInverses = Fq.batchInverse(normalizedYs).makeIterator()
        let scalars = finite.map { p, q -> (x: Fq, y: Fq) in
            guard q.isNormalized, let yInv = yInverses.next() else { return (p.x, p.y) }
            return (p.x * yInv, yInv)
        }
        var f = Fq12.one
        for i in 0..<steps {
            if finite[0].1.doubling[i] { f = f.squared() }
            for (pair, scalar) in zip(finite, scalars) {
                TowerCore.multiply(&f, byLine: pair.1.lines[i], normalized: pair.1.isNormalized, x: scalar.x, y: scalar.y)
            }
        }
        return f
    }
}
