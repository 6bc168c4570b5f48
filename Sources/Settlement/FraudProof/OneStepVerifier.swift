/// What re-executing a one-step proof established.
public struct OneStepResult: Sendable, Hashable {
    /// The root the transaction started from (the proof's pre-root, which every witness chain
    /// starts at).
    public let preRoot: Digest32
    /// The root after the transaction by the rollup's rules: the arbiter compares it with the
    /// parties' claims. Equal to `preRoot` when the transaction was rejected.
    public let postRoot: Digest32
    /// nil when the transaction was applied; else why the engine's rules reject it.
    public let rejection: String?
    /// What the prover claimed the post-root is.
    public let claimedPostRoot: Digest32

    /// True when the transaction was applied.
    public var accepted: Bool { rejection == nil }
    /// True when the prover's claim is the computed post-root.
    public var matchesClaim: Bool { postRoot == claimedPostRoot }
}

/// Checks a `OneStepProof` with nothing but the proof and the rollup's `TransitionRules`: this is
/// what the L1 arbiter runs at the end of a challenge game.
///
/// It re-executes the transaction by the engine's rules (see `TransitionRules` and
/// `WitnessedTransition`): the stateless checks first (a failing transaction is rejected and
/// needs no witness), then the sender, recipient and fee account, each read through the next
/// witness, which must verify against the root after the previous write. The proof must carry
/// exactly the witnesses execution reads (0 for a stateless rejection, 1 up to the balance check,
/// 2 up to the recipient credit, 3 otherwise), so each fact has one proof.
///
/// It does not know where the transaction sits: the arbiter must check that
/// `proof.transaction` is the disputed transaction of the committed data (its inclusion proof
/// against the data root, `L1Arbiter.disputedTransaction(of:batch:index:in:chainId:)`), and that
/// `proof.preRoot` is the game's agreed root (`ChallengeGame.resolve(with:...)` does both).
public struct OneStepVerifier: Sendable {
    /// The chain's transition constants the proof is judged by.
    public let rules: TransitionRules
    /// The deposits the L1 holds: a deposit transaction is valid only if it credits one of them.
    public let deposits: DepositLedger

    /// A verifier for the chain with `rules`, knowing `deposits` (none by default: every deposit
    /// transaction is then rejected).
    public init(rules: TransitionRules, deposits: DepositLedger = .none) {
        self.rules = rules
        self.deposits = deposits
    }

    /// Verifies `proof` and returns the computed post-root; throws when a witness is missing,
    /// extra or invalid (the proof proves nothing then; the game is unchanged).
    public func verify(_ proof: OneStepProof) throws(FraudProofError) -> OneStepResult {
        let witnesses = proof.witnesses
        // With a non-empty pool the witnesses chain from the account root the pool's roots hash
        // to the pre-root with; the transfer leaves the pool as it is.
        var accountPreRoot = proof.preRoot
        if let pool = proof.pool {
            guard !pool.roots.isEmpty else { throw .malformed("one-step proof: pool roots of the empty pool") }
            guard pool.stateRoot(accountRoot: pool.accountRoot) == proof.preRoot else {
                throw .malformed("one-step proof: the pool's roots and the account root do not hash to the pre-root")
            }
            accountPreRoot = pool.accountRoot
        }
        let outcome = try WitnessedTransition.run(proof.transaction, preRoot: accountPreRoot, rules: rules,
                                                  deposits: deposits) {
            (index: Int, address: Address, root: Digest32) throws(FraudProofError) -> AccountWitness in
            guard index < witnesses.count else { throw .witnessCount(expected: index + 1, actual: witnesses.count) }
            let witness = witnesses[index]
            guard witness.verify(root: root, address: address) else { throw .invalidWitness(index: index, address: address) }
            return witness
        }
        guard outcome.witnessesRead == witnesses.count else {
            throw .witnessCount(expected: outcome.witnessesRead, actual: witnesses.count)
        }
        let postRoot = proof.pool?.stateRoot(accountRoot: outcome.postRoot) ?? outcome.postRoot
        return OneStepResult(preRoot: proof.preRoot, postRoot: postRoot, rejection: outcome.rejection,
                             claimedPostRoot: proof.claimedPostRoot)
    }

    /// `OneStepVerifier(rules:).verify(proof)` with the rules spelled out.
    public static func verify(_ proof: OneStepProof, domain: SigningDomain, feeAccount: Address,
                              maxFee: UInt256 = UInt256(UInt64.max)) throws(FraudProofError) -> OneStepResult {
        try OneStepVerifier(rules: TransitionRules(domain: domain, feeAccount: feeAccount, maxFee: maxFee)).verify(proof)
    }
}
