/// The GLV endomorphism of G1: φ(x, y) = (βx, y), with β a primitive cube root of unity in Fq,
/// maps the curve y² = x³ + 3 to itself and acts on G1 as multiplication by λ, a primitive cube
/// root of unity in Fr. So k1·P + k2·φ(P) = (k1 + k2·λ)·P costs one joint double-and-add over the
/// width of k1 and k2 instead of one over the width of k1 + k2·λ.
///
/// Both roots are computed at first use (g^((m−1)/3) for the smallest g giving a root other than
/// 1), and λ is chosen between the two primitive roots as the one matching β on the generator;
/// `CurveTests` checks φ(P) = λ·P.
public enum G1Endomorphism {
    public static let beta: Fq = primitiveCubeRoot(Fq.self)

    public static let lambda: Fr = {
        let root = primitiveCubeRoot(Fr.self)
        let g = BN254G1.generator
        let image = G1Point(x: g.x * beta, y: g.y, z: .one)
        return G1Point.generator * root == image ? root : root.squared()
    }()

    /// φ(P).
    @inlinable
    public static func apply(_ p: G1Affine) -> G1Affine {
        p.isInfinity ? p : G1Affine(uncheckedX: p.x * beta, y: p.y)
    }

    /// k1·P + k2·φ(P) by Shamir's joint double-and-add (64 doublings for 64-bit k1, k2; P and
    /// φ(P) added in mixed coordinates).
    public static func multiply(_ p: G1Affine, _ k1: UInt64, _ k2: UInt64) -> G1Point {
        if p.isInfinity { return .infinity }
        let q = apply(p)
        let both = p.jacobian.adding(q)
        var acc = G1Point.infinity
        var i = 63 - min((k1 | k2).leadingZeroBitCount, 63)
        while i >= 0 {
            acc = acc.doubled()
            switch ((k1 >> UInt64(i)) & 1, (k2 >> UInt64(i)) & 1) {
            case (1, 1): acc = acc + both
            case (1, 0): acc = acc.adding(p)
            case (0, 1): acc = acc.adding(q)
            default: break
            }
            i -= 1
        }
        return acc
    }

    /// A root of x³ = 1 other than 1, as g^((m − 1)/3) for g = 2, 3, … (m ≡ 1 mod 3 for both
    /// BN254 moduli).
    static func primitiveCubeRoot<F: PrimeField>(_ field: F.Type) -> F {
        let exponent = F.modulus.subtractingReportingOverflow(.one).partialValue
            .quotientAndRemainder(dividingBy: 3).quotient
        var g: UInt64 = 2
        while true {
            let root = F(g).pow(exponent)
            if root != .one { return root }
            g += 1
        }
    }
}
