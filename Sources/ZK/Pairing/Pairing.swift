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
    /// final exponentiation.
    public static func millerLoop(_ pairs: [(G1Affine, G2Prepared)]) -> Fq12 {
        // Per pair: −xP/yP and 1/yP (G1 points of order r have yP ≠ 0). Pairs with a point at
        // infinity contribute 1.
        var active: [(xs: Fq, ys: Fq, lines: G2Prepared)] = []
        for (p, q) in pairs where !p.isInfinity && !q.isInfinity {
            guard let yInv = p.y.inverse() else { continue }
            active.append((-(p.x * yInv), yInv, q))
        }
        var f = Fq12.one
        guard let steps = active.first?.lines.doubling.count else { return f }
        for i in 0..<steps {
            if active[0].lines.doubling[i] { f = f.squared() }
            for pair in active {
                guard let line = pair.lines.lines[i] else { continue }
                f = f.mulByLine(line.lambda.scaled(by: pair.xs), line.mu.scaled(by: pair.ys))
            }
        }
        return f
    }
}
