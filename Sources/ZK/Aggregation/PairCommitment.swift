/// The two-tier pair commitment of SnarkPack, a value (T, U) ∈ GT²:
///
///     CM(A, B) = (∏ e(Aᵢ, v1ᵢ)·e(w1ᵢ, Bᵢ),  ∏ e(Aᵢ, v2ᵢ)·e(w2ᵢ, Bᵢ))      (A ∈ G1ⁿ, B ∈ G2ⁿ)
///     CM(C)    = (∏ e(Cᵢ, v1ᵢ),              ∏ e(Cᵢ, v2ᵢ))                  (C ∈ G1ⁿ)
///
/// with v = (aⁱ·H, bⁱ·H) and w = (aᴺ⁺ⁱ·G, bᴺ⁺ⁱ·G). It is binding when nobody knows a or b: the
/// two secrets' keys must both open to the same vectors.
public struct PairCommitment: Sendable, Equatable {
    public let t: Fq12
    public let u: Fq12

    public init(t: Fq12, u: Fq12) { self.t = t; self.u = u }

    /// CM(A, B) under keys (v1, v2) for A and (w1, w2) for B (G2 sides prepared).
    static func commit(a: [G1Affine], v1: ArraySlice<G2Prepared>, v2: ArraySlice<G2Prepared>,
                       w1: ArraySlice<G1Affine>, w2: ArraySlice<G1Affine>, b: ArraySlice<G2Prepared>) -> PairCommitment {
        let bs = Array(b)
        let t = Pairing.parallelMultiPairing(prepared: Array(zip(a, v1)) + Array(zip(w1, bs)))
        let u = Pairing.parallelMultiPairing(prepared: Array(zip(a, v2)) + Array(zip(w2, bs)))
        return PairCommitment(t: t, u: u)
    }

    /// CM(C) under (v1, v2).
    static func commit(c: [G1Affine], v1: ArraySlice<G2Prepared>, v2: ArraySlice<G2Prepared>) -> PairCommitment {
        PairCommitment(t: Pairing.parallelMultiPairing(prepared: Array(zip(c, v1))),
                       u: Pairing.parallelMultiPairing(prepared: Array(zip(c, v2))))
    }

    /// self · plus^x · minus^(1/x): the commitment to the folded vectors under the folded keys
    /// (GT elements only: cyclotomic exponentiation).
    func folded(plus: PairCommitment, minus: PairCommitment, x: Fr, xInverse: Fr) -> PairCommitment {
        PairCommitment(t: t * plus.t.cyclotomicPow(x.canonical) * minus.t.cyclotomicPow(xInverse.canonical),
                       u: u * plus.u.cyclotomicPow(x.canonical) * minus.u.cyclotomicPow(xInverse.canonical))
    }

    var bytes: [UInt8] { t.bigEndianBytes + u.bigEndianBytes }
    var isInTargetGroup: Bool { t.isInTargetGroup && u.isInTargetGroup }
}
