/// The last step of a challenge game: one transaction with its place in the commitment's data
/// (`inclusion`, checked by the arbiter against the data root), the agreed root before it, the
/// root its prover claims after it, and the witnesses of the accounts it touches — enough for
/// `OneStepVerifier` to re-execute it with no state but the proof, and for the arbiter to know it
/// is the disputed transaction without the rest of the data.
///
/// Witnesses are *sequential*: witness 0 is the sender against `preRoot`, witness 1 the recipient
/// against the root after the sender's write, witness 2 the fee account against the root after
/// the recipient's write; a rejected transaction carries only the witnesses read up to the failing
/// check (see `OneStepVerifier`). `make` produces exactly that.
///
/// Encoding: `serialized` / `init(serialized:)` (see `OneStepProof+Encoding`).
public struct OneStepProof: Sendable, Hashable {
    /// The disputed transaction, as signed (its signature is checked again by the verifier).
    public let transaction: SignedTransfer
    /// The transaction's position and Merkle path in the commitment's data tree (`BatchDataTree`).
    /// The verifier does not read it; the arbiter checks it against the committed data root.
    public let inclusion: DataInclusionProof
    /// The root before the transaction (the game's agreed root).
    public let preRoot: Digest32
    /// The root after the transaction according to the prover.
    public let claimedPostRoot: Digest32
    /// Sequential witnesses: sender, recipient, fee account (a prefix when rejected early).
    public let witnesses: [AccountWitness]

    /// Assembles a proof (nothing is checked here; `OneStepVerifier` checks).
    public init(transaction: SignedTransfer, inclusion: DataInclusionProof = .onlyTransaction, preRoot: Digest32,
                claimedPostRoot: Digest32, witnesses: [AccountWitness]) {
        self.transaction = transaction
        self.inclusion = inclusion
        self.preRoot = preRoot
        self.claimedPostRoot = claimedPostRoot
        self.witnesses = witnesses
    }

    /// The honest proof for `transaction` executed on `tree` (the state just before it), claiming
    /// the post-root the rules give (or `claimedPostRoot` when given, to build a false claim in
    /// tests). `tree` is not modified: the witnesses after the first are read from a private copy,
    /// which costs one copy of the tree's storage (once per challenge game). `inclusion` places
    /// the transaction in the commitment's data (`BatchDataTree.inclusionProof`).
    public static func make(_ transaction: SignedTransfer, on tree: SparseMerkleTree, rules: TransitionRules,
                            deposits: DepositLedger = .none, inclusion: DataInclusionProof = .onlyTransaction,
                            claimedPostRoot: Digest32? = nil) -> OneStepProof {
        var working = tree
        var witnesses: [AccountWitness] = []
        let outcome: WitnessedTransition.Outcome
        do {
            outcome = try WitnessedTransition.run(transaction, preRoot: tree.root, rules: rules, deposits: deposits) {
                (_: Int, address: Address, root: Digest32) throws(FraudProofError) -> AccountWitness in
                precondition(working.root == root, "one-step prover: witness root differs from the tree's")
                let witness = AccountWitness(address, in: working)
                witnesses.append(witness)
                return witness
            } wrote: { address, account in
                working.update([(address: address, account: account)])
            }
        } catch {
            // Witnesses read from the tree always verify and transfers never empty an account.
            preconditionFailure("one-step prover: \(error)")
        }
        return OneStepProof(transaction: transaction, inclusion: inclusion, preRoot: tree.root,
                            claimedPostRoot: claimedPostRoot ?? outcome.postRoot, witnesses: witnesses)
    }

    /// `make(_:on:rules:)` at `state`'s current root.
    public static func make(_ transaction: SignedTransfer, on state: StateManager, rules: TransitionRules,
                            deposits: DepositLedger = .none) -> OneStepProof {
        make(transaction, on: state.tree, rules: rules, deposits: deposits)
    }
}
