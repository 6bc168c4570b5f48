import ZK

/// What the verifier needs to know of the pool's state: which note-tree roots are recent and which
/// nullifiers are spent.
public protocol ShieldedPoolView {
    /// Whether `root` is among the note-tree roots of the recent-root window.
    func isRecentRoot(_ root: Fr) -> Bool
    /// Whether `nullifier` is in the nullifier set.
    func isSpent(_ nullifier: Fr) -> Bool
}

/// The checks of shielded transactions, in two stages (docs/shielded.md, "Verification in the
/// engine"):
///
/// 1. `verifyProofs`: stateless rules, shield signatures, and every proof at once by the random
///    linear combination (`Groth16.BatchVerifier`, on all cores); a failing batch is bisected so
///    only the bad proofs are refused.
/// 2. `checkAgainstPool`: in order, a recent root and nullifiers neither spent nor seen earlier in
///    the batch.
///
/// The order matters. The adversary is a client who copies a victim's pending nullifier into a
/// transaction of its own with a garbage proof, to have the victim's spend refused as a double
/// spend. Nullifiers are counted only for transactions whose proofs verify, and a valid proof for
/// someone else's nullifier needs their spending key.
public enum ShieldedVerifier {
    /// Stage 1 for `transactions`: nil for each that passes, else why it is refused.
    public static func verifyProofs(_ transactions: [ShieldedTransaction], domain: SigningDomain,
                                    key: Groth16.PreparedVerifyingKey) -> [ShieldedRefusal?] {
        var verdicts = [ShieldedRefusal?](repeating: nil, count: transactions.count)
        var candidates: [Int] = []
        for (i, tx) in transactions.enumerated() {
            do {
                try tx.checkShape(domain: domain)
                try tx.checkShieldSignature(domain: domain)
                candidates.append(i)
            } catch {
                verdicts[i] = error
            }
        }
        let items = candidates.map {
            Groth16.BatchVerifier.Item(proof: transactions[$0].proof, publicInputs: transactions[$0].statement.publicInputs)
        }
        for bad in Groth16.BatchVerifier.findInvalid(key, items) { verdicts[candidates[bad]] = .invalidProof }
        return verdicts
    }

    /// Stage 2 for transactions that passed stage 1, in batch order: nil for each accepted, else
    /// why it is refused. A refused transaction's nullifiers do not count as seen.
    public static func checkAgainstPool(_ transactions: [ShieldedTransaction], pool: some ShieldedPoolView)
        -> [ShieldedRefusal?] {
        var seen = Set<Fr>()
        return transactions.map { tx -> ShieldedRefusal? in
            let nullifiers = tx.statement.nullifiers
            guard pool.isRecentRoot(tx.statement.root) else { return .staleRoot }
            if nullifiers.contains(where: pool.isSpent) { return .nullifierSpent }
            if nullifiers.contains(where: seen.contains) { return .duplicateNullifier(within: false) }
            seen.formUnion(nullifiers)
            return nil
        }
    }
}
