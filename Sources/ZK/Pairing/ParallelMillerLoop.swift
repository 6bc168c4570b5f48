extension Pairing {
    /// The product of the Miller functions of many (G1, G2) pairs, the G2 lines prepared on the fly,
    /// spread over the active processors in contiguous chunks (`ParallelFor`, one Miller loop per
    /// chunk). The product is the same as `millerLoop` over all pairs; the caller applies the final
    /// exponentiation. Used where one equation has many pairs: batch verification and aggregation.
    public static func parallelMillerLoop(_ pairs: [(G1Affine, G2Affine)], threads: Int? = nil) -> Fq12 {
        let parts = ParallelFor.mapChunks(count: pairs.count, threads: threads) { range in
            millerLoop(pairs[range].map { ($0.0, G2Prepared($0.1)) })
        }
        return product(parts)
    }

    /// ∏ e(Pᵢ, Qᵢ) by `parallelMillerLoop` and one final exponentiation.
    public static func parallelMultiPairing(_ pairs: [(G1Affine, G2Affine)], threads: Int? = nil) -> Fq12 {
        finalExponentiation(parallelMillerLoop(pairs, threads: threads))
    }

    /// ∏ e(Pᵢ, Qᵢ) over prepared G2 points, the Miller loops spread over the active processors
    /// (at least four pairs per chunk).
    static func parallelMultiPairing(prepared pairs: [(G1Affine, G2Prepared)]) -> Fq12 {
        let parts = ParallelFor.mapChunks(count: pairs.count, minimumChunk: 4) { range in
            millerLoop(Array(pairs[range]))
        }
        return finalExponentiation(product(parts))
    }

    /// The product of the chunks' Miller values (1 for none).
    private static func product(_ parts: [Fq12]) -> Fq12 {
        parts.dropFirst().reduce(parts.first ?? .one, *)
    }
}
