import ZK

/// The shielded lane of a batch (docs/shielded.md, "How it enters the engine"): executed after
/// the batch's transparent transfers, against the accounts as they left and the pool as it was
/// before the batch.
///
/// Rules, in order, for each transaction whose proof, binding and shield signature were verified
/// at admission (`ShieldedVerifier.verifyProofs`), each failure refusing it with its reason and
/// changing nothing: its note root is in the recent-root window; no nullifier is spent; no
/// nullifier was spent by an earlier transaction of the lane; the transparent accounting
/// (`ShieldedAccounting`: a shield's nonce and balance, the pool account covering what leaves it,
/// no overflow). Only an accepted transaction's nullifiers count as seen.
extension BatchExecutor {
    /// Runs the lane with accounts read through `load` (the values after the transfers) and
    /// written with `store`; returns nil for each accepted transaction, else why it is refused.
    func executeShieldedLane(_ lane: [ShieldedTransaction], pool: some ShieldedPoolView,
                             load: (Address) -> Account, store: (Address, Account) -> Void) -> [String?] {
        var seen = Set<Fr>()
        return lane.map { tx -> String? in
            let nullifiers = tx.statement.nullifiers
            guard pool.isRecentRoot(tx.statement.root) else { return ShieldedRefusal.staleRoot.description }
            if nullifiers.contains(where: pool.isSpent) { return ShieldedRefusal.nullifierSpent.description }
            if nullifiers.contains(where: seen.contains) {
                return ShieldedRefusal.duplicateNullifier(within: false).description
            }
            switch ShieldedAccounting.writes(tx, feeAccount: feeAccount, read: load) {
            case .failure(let refusal):
                return refusal.reason
            case .success(let writes):
                for (a, v) in writes { store(a, v) }
                seen.formUnion(nullifiers)
                return nil
            }
        }
    }
}

/// The pool view of a batch without a shielded lane (never consulted).
struct NoShieldedPool: ShieldedPoolView {
    func isRecentRoot(_ root: Fr) -> Bool { false }
    func isSpent(_ nullifier: Fr) -> Bool { false }
}
