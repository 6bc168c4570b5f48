extension AggregationSRS {
    /// Why two phase-1 transcripts cannot make an aggregation SRS.
    public enum CeremonySourceError: Error, Equatable, CustomStringConvertible {
        /// The two transcripts cover different domain sizes.
        case differentPowers(Int, Int)
        /// τ is still 1 in one of them (no contribution was made).
        case noContribution
        /// Both transcripts have the same τ: a and b must be independent secrets.
        case sameSecret

        public var description: String {
            switch self {
            case .differentPowers(let a, let b): "the transcripts cover 2^\(a) and 2^\(b): use two of the same power"
            case .noContribution: "a transcript has no contribution (its τ is 1)"
            case .sameSecret: "both transcripts have the same τ: the SRS needs two independent ceremonies"
            }
        }
    }

    /// The SRS of two powers-of-tau ceremonies: a is the first one's τ, b the second one's
    /// (gAlpha = τₐⁱ·G1 for i < 2N, hAlpha = τₐⁱ·G2 for i < N, and the same for b), which serves
    /// up to N proofs for transcripts of domain N. The transcripts must have been verified (their
    /// vectors are powers of one τ) and must come from independent ceremonies: that cannot be
    /// checked, only that their τ differ and neither is the starting 1.
    public init(ceremonyA a: PowersOfTau, ceremonyB b: PowersOfTau) throws(CeremonySourceError) {
        guard a.power == b.power else { throw .differentPowers(a.power, b.power) }
        guard a.tauG1[1] != BN254G1.generator, b.tauG1[1] != BN254G1.generator else { throw .noContribution }
        guard a.tauG1[1] != b.tauG1[1] else { throw .sameSecret }
        // Both start at the generators and have 2N G1 and N ≥ 2 G2 powers: the shape init accepts.
        self.init(gAlpha: a.tauG1, hAlpha: a.tauG2, gBeta: b.tauG1, hBeta: b.tauG2)!
    }
}
