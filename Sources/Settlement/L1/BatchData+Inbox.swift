extension BatchData {
    /// The deposits and inbox markers of `bytes`, in execution order: what the arbiter reads at
    /// posting to know which L1 inbox entries a commitment consumes (`L1Arbiter+Inbox`). Throws
    /// what `decode` throws.
    public static func l1Originated(_ bytes: [UInt8]) throws(DecodingError) -> [Transfer] {
        // The one parser (`decode`), so that what counts as consumed can never disagree with what
        // posting and the games read.
        try decode(bytes).batches.flatMap { $0.transfers.lazy.filter(\.isL1Originated).map(\.transfer) }
    }
}
