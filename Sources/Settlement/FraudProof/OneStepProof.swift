import ZK

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
/// Once the shielded pool is used, the state root is not the account root but
/// `keccak256(0x02 ‖ accountRoot ‖ noteRoot ‖ nullifierRoot)` (`ShieldedRoots.stateRoot`): the
/// proof then carries those three roots (`pool`), the witnesses verify against the account root
/// and the post-root is the same hash over the account root after the transfer (a transfer does
/// not touch the pool).
///
/// Encoding: `serialized` / `init(serialized:)` (see `OneStepProof+Encoding`).
public struct OneStepProof: Sendable, Hashable {
    /// The pool's roots beside the accounts before the transaction, when the pool is not empty.
    public struct PoolContext: Sendable, Hashable {
        /// The account tree's root before the transaction (what witness 0 verifies against).
        public let accountRoot: Digest32
        /// The note tree's root.
        public let noteRoot: Fr
        /// The nullifier set's root.
        public let nullifierRoot: Digest32

        public init(accountRoot: Digest32, noteRoot: Fr, nullifierRoot: Digest32) {
            self.accountRoot = accountRoot
            self.noteRoot = noteRoot
            self.nullifierRoot = nullifierRoot
        }

        /// The pool's roots (the note count is not part of the state root and not carried).
        var roots: ShieldedRoots { ShieldedRoots(noteRoot: noteRoot, noteCount: 0, nullifierRoot: nullifierRoot) }

        /// The state root with the account tree at `accountRoot`.
        func stateRoot(accountRoot: Digest32) -> Digest32 { roots.stateRoot(accountRoot: accountRoot) }
    }

    /// The disputed transaction, as signed (its signature is checked again by the verifier).
    public let transaction: SignedTransfer
    /// The transaction's position and Merkle path in the commitment's data tree (`BatchDataTree`).
    /// The verifier does not read it; the arbiter checks it against the committed data root.
    public let inclusion: DataInclusionProof
    /// The root before the transaction (the game's agreed root).
    public let preRoot: Digest32
    /// The root after the transaction according to the prover.
    public let claimedPostRoot: Digest32
    /// The pool's roots when the pool is not empty (nil: `preRoot` is the account root).
    public let pool: PoolContext?
    /// Sequential witnesses: sender, recipient, fee account (a prefix when rejected early).
    public let witnesses: [AccountWitness]

    /// Assembles a proof (nothing is checked here; `OneStepVerifier` checks).
    public init(transaction: SignedTransfer, inclusion: DataInclusionProof = .onlyTransaction, preRoot: Digest32,
                claimedPostRoot: Digest32, pool: PoolContext? = nil, witnesses: [AccountWitness]) {
        self.transaction = transaction
        self.inclusion = inclusion
        self.preRoot = preRoot
        self.claimedPostRoot = claimedPostRoot
        self.pool = pool
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
        make(transaction, on: RollupState(accounts: tree), rules: rules, deposits: deposits, inclusion: inclusion,
             claimedPostRoot: claimedPostRoot)
    }

    /// `make` on the whole state: with a non-empty pool the proof carries its roots and the roots
    /// it states are state roots.
    public static func make(_ transaction: SignedTransfer, on state: RollupState, rules: TransitionRules,
                            deposits: DepositLedger = .none, inclusion: DataInclusionProof = .onlyTransaction,
                            claimedPostRoot: Digest32? = nil) -> OneStepProof {
        let tree = state.accounts
        let roots = state.shieldedRoots
        let pool = roots.isEmpty ? nil : PoolContext(accountRoot: tree.root, noteRoot: roots.noteRoot,
                                                     nullifierRoot: roots.nullifierRoot)
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
        let postRoot = roots.stateRoot(accountRoot: outcome.postRoot)
        return OneStepProof(transaction: transaction, inclusion: inclusion, preRoot: state.root,
                            claimedPostRoot: claimedPostRoot ?? postRoot, pool: pool, witnesses: witnesses)
    }

    /// `make(_:on:rules:)` at `state`'s current root.
    public static func make(_ transaction: SignedTransfer, on state: StateManager, rules: TransitionRules,
                            deposits: DepositLedger = .none) -> OneStepProof {
        make(transaction, on: RollupState(state), rules: rules, deposits: deposits)
    }
}
