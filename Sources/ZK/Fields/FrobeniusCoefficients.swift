/// The constants of the Frobenius maps and of the twist, computed once from the modulus and ξ
/// (nothing pasted): with ξ = 9 + u,
/// - `w1` = ξ^((p−1)/6), so that w^p = w·w1 in Fq12;
/// - `v1` = w1² = ξ^((p−1)/3) and `v2` = v1² = ξ^(2(p−1)/3) for Fq6;
/// - `psiX` = v1 and `psiY` = w1³ = ξ^((p−1)/2) for the endomorphism ψ of the twist.
public enum FrobeniusCoefficients {
    public static let w1: Fq2 = Fq2.xi.pow(Fq.modulus.quotientAndRemainder(dividingBy: 6).quotient)
    public static let v1: Fq2 = w1.squared()
    public static let v2: Fq2 = v1.squared()
    public static let psiX: Fq2 = v1
    public static let psiY: Fq2 = w1.squared() * w1
}
