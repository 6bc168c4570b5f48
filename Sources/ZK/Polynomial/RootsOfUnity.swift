/// The 2-power roots of unity of Fr, computed rather than pasted.
///
/// r − 1 = 2^28 · t with t odd, so Fr has multiplicative subgroups of every order 2^k, k ≤ 28.
/// With g = 5, a quadratic non-residue (ZKTests checks 5^((r−1)/2) = −1), ω = g^t has order exactly
/// 2^28: ω^(2^28) = g^(r−1) = 1 and ω^(2^27) = g^((r−1)/2) = −1.
public enum FrRootsOfUnity {
    /// The 2-adicity of r − 1.
    public static let twoAdicity = 28

    /// The multiplicative generator used for the root and as the coset shift: 5.
    public static let generator = Fr(5)

    /// t = (r − 1) / 2^28, the odd part of r − 1.
    public static let oddPart: UInt256 = {
        var t = Fr.modulus.subtractingReportingOverflow(.one).partialValue
        for _ in 0..<twoAdicity { t = t.halved }
        return t
    }()

    /// A primitive 2^28-th root of unity: 5^t.
    public static let maximalRoot: Fr = generator.pow(oddPart)

    /// A primitive 2^k-th root of unity (k ≤ 28): ω^(2^(28−k)).
    public static func root(logOrder k: Int) -> Fr {
        precondition((0...twoAdicity).contains(k), "Fr has 2-power roots of unity up to 2^28")
        var w = maximalRoot
        for _ in k..<twoAdicity { w = w.squared() }
        return w
    }
}
