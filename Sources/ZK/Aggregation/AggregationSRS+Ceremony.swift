extension AggregationSRS {
    /// Why two phase-1 transcripts cannot make an aggregation SRS.
    public enum CeremonySourceError: Error, Equatable, CustomStringConvertible {
        /// The two transcripts cover different domain sizes.
        case differentPowers(Int, Int)
        /// A transcript has no contribution whose secrets were private (none, or beacons only).
        case noSecretContribution
        /// Both transcripts have the same τ: a and b must be independent secrets.
        case sameSecret
        /// The transcripts share a contribution record: one was built on a copy of the other's
        /// records, so τ_b = x·τ_a for the x of the records after the copy (known to their author,
        /// and to everyone for a beacon).
        case sharedContribution

        public var description: String {
            switch self {
            case .differentPowers(let a, let b): "the transcripts cover 2^\(a) and 2^\(b): use two of the same power"
            case .noSecretContribution: "a transcript has no contribution with private secrets (none, or beacons only)"
            case .sameSecret: "both transcripts have the same τ: the SRS needs two independent ceremonies"
            case .sharedContribution:
                "the transcripts share a contribution record: one continues a copy of the other, so a relation between their secrets is known"
            }
        }
    }

    /// The SRS of two powers-of-tau ceremonies: a is the first one's τ, b the second one's
    /// (gAlpha = τₐⁱ·G1 for i < 2N, hAlpha = τₐⁱ·G2 for i < N, and the same for b), which serves
    /// up to N proofs for transcripts of domain N.
    ///
    /// The transcripts must have been verified (their vectors are powers of one τ). Whoever knows a
    /// relation between a and b forges aggregates, so beyond the sizes this refuses: a transcript
    /// without a private contribution; equal τ; and transcripts that share a record. Every phase-1
    /// transcript of one power starts from the same digest, so a copy of one ceremony's records is
    /// a valid start of another: its author multiplies on a secret x of their own and gets
    /// τ_b = x·τ_a. Knowledge proofs bind each record to the digest before it, so a transcript that
    /// verifies and shares no record with the other cannot reuse its τ this way. That two
    /// ceremonies had independent contributors cannot be checked here.
    public init(ceremonyA a: Phase1Transcript, ceremonyB b: Phase1Transcript) throws(CeremonySourceError) {
        let (pa, pb) = (a.parameters, b.parameters)
        guard pa.power == pb.power else { throw .differentPowers(pa.power, pb.power) }
        guard a.contributions.contains(where: { $0.beacon == nil }), b.contributions.contains(where: { $0.beacon == nil }),
              pa.tauG1[1] != BN254G1.generator, pb.tauG1[1] != BN254G1.generator
        else { throw .noSecretContribution }
        guard pa.tauG1[1] != pb.tauG1[1] else { throw .sameSecret }
        guard !b.contributions.contains(where: { a.contributions.contains($0) }) else { throw .sharedContribution }
        // Both start at the generators and have 2N G1 and N ≥ 2 G2 powers: the shape init accepts.
        self.init(gAlpha: pa.tauG1, hAlpha: pa.tauG2, gBeta: pb.tauG1, hBeta: pb.tauG2)!
    }
}
