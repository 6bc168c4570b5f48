/// The ceremony's one pairing relation: whether the pairs (a, b) in G1 and (c, d) in G2 have the
/// same ratio, b = x·a and d = x·c for one x, checked as e(a, d) = e(b, c), i.e.
/// e(a, d)·e(−b, c) = 1 in one multi-pairing. All four points must be finite: an identity point
/// would make the relation hold for no meaningful x (a zero secret) and is refused here.
public enum SameRatio {
    public static func holds(_ a: G1Affine, _ b: G1Affine, _ c: G2Affine, _ d: G2Affine) -> Bool {
        guard !a.isInfinity, !b.isInfinity, !c.isInfinity, !d.isInfinity else { return false }
        return Pairing.pairingCheck([(a, d), (b.negated, c)])
    }
}
