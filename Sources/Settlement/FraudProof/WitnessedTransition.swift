/// The state-transition function of one transaction over sequential witnesses: the engine's rules
/// (`TransitionRules.statelessRejection`, then `BatchExecutor`'s checks in its order), reading each
/// account through a witness against the root after the previous write, and computing every new
/// root from the witness alone. The verifier and the prover both run this one function, with
/// different witness sources.
///
/// Accounts are read and written in `BatchExecutor`'s order — sender (debit, nonce + 1), then
/// recipient (credit), then fee account (fee) — each witness against the root after the previous
/// write. So aliasing needs no special case: when the recipient is the sender, or the fee account
/// is either, its witness already shows the earlier write, exactly as `BatchExecutor` reads its
/// pending values. A rejection stops at the check that fails; the writes computed so far are
/// dropped and the root stays the pre-root.
///
/// A deposit (from `Address.bridge`, checked against `deposits` first) reads two witnesses:
/// the bridge (nonce check, nonce + 1, balance unchanged), then the recipient (credit); no fee.
/// An inbox marker (from `Address.inbox`, its item looked up in `deposits`) reads the inbox
/// account (nonce check, nonce + 1), then the forced transfer's three (`WitnessedTransition+Inbox`).
enum WitnessedTransition {
    struct Outcome {
        let postRoot: Digest32
        /// nil when the transaction was applied; else why it was rejected.
        let rejection: String?
        /// How many witnesses execution read (0 ... 3; a deposit reads 3 only when it is refunded).
        let witnessesRead: Int
    }

    /// Runs `transaction` from `preRoot`. `witness(i, address, root)` supplies witness `i` for
    /// `address`, which must be valid against `root` (the source checks it). `wrote` reports each
    /// write as it is computed (the prover mirrors it in its tree).
    static func run(
        _ transaction: SignedTransfer, preRoot: Digest32, rules: TransitionRules, deposits: DepositLedger,
        witness: (_ index: Int, _ address: Address, _ root: Digest32) throws(FraudProofError) -> AccountWitness,
        wrote: (_ address: Address, _ account: Account) -> Void = { _, _ in }
    ) throws(FraudProofError) -> Outcome {
        if let why = rules.statelessRejection(transaction, deposits: deposits) {
            return Outcome(postRoot: preRoot, rejection: why, witnessesRead: 0)
        }
        let t = transaction.transfer
        func reject(_ why: String, _ read: Int) -> Outcome { Outcome(postRoot: preRoot, rejection: why, witnessesRead: read) }

        if transaction.isDeposit {
            let bridgeWitness = try witness(0, .bridge, preRoot)
            let bridge = bridgeWitness.account
            guard t.nonce == bridge.nonce else {
                return reject("deposit nonce \(t.nonce) does not match the bridge nonce \(bridge.nonce)", 1)
            }
            guard bridge.nonce < UInt64.max else { return reject("bridge nonce exhausted", 1) }
            let bridgeAfter = Account(balance: bridge.balance, nonce: bridge.nonce + 1)
            let root1 = try bridgeWitness.rootAfterSetting(.bridge, to: bridgeAfter)
            wrote(.bridge, bridgeAfter)
            let recipientWitness = try witness(1, t.to, root1)
            let recipient = recipientWitness.account
            if let credited = recipient.balance.checkedAdd(t.value) {
                let recipientAfter = Account(balance: credited, nonce: recipient.nonce)
                let root2 = try recipientWitness.rootAfterSetting(t.to, to: recipientAfter)
                wrote(t.to, recipientAfter)
                return Outcome(postRoot: root2, rejection: nil, witnessesRead: 2)
            }
            // Refund (`BatchExecutor`'s rule): consumed, paid to the recipient's exit address.
            let exit = Withdrawals.exitAddress(for: t.to, in: transaction.domain)
            let exitWitness = try witness(2, exit, root1)
            guard let refunded = exitWitness.account.balance.checkedAdd(t.value) else {
                return Outcome(postRoot: root1, rejection: nil, witnessesRead: 3)
            }
            let exitAfter = Account(balance: refunded, nonce: exitWitness.account.nonce)
            let root2 = try exitWitness.rootAfterSetting(exit, to: exitAfter)
            wrote(exit, exitAfter)
            return Outcome(postRoot: root2, rejection: nil, witnessesRead: 3)
        }

        if transaction.isInboxMarker {
            return try forcedInclusion(transaction, preRoot: preRoot, rules: rules, deposits: deposits,
                                       witness: witness, wrote: wrote)
        }
        return try transfer(t, preRoot: preRoot, rules: rules, firstWitness: 0, witness: witness, wrote: wrote)
    }

    /// The transfer rules for `t` from `preRoot`, reading witnesses `firstWitness`,
    /// `firstWitness + 1`, ...: sender, recipient, fee account. A rejection leaves `preRoot`;
    /// `witnessesRead` counts from `firstWitness`.
    static func transfer(
        _ t: Transfer, preRoot: Digest32, rules: TransitionRules, firstWitness w: Int,
        witness: (_ index: Int, _ address: Address, _ root: Digest32) throws(FraudProofError) -> AccountWitness,
        wrote: (_ address: Address, _ account: Account) -> Void
    ) throws(FraudProofError) -> Outcome {
        func reject(_ why: String, _ read: Int) -> Outcome { Outcome(postRoot: preRoot, rejection: why, witnessesRead: read) }
        let senderWitness = try witness(w, t.from, preRoot)
        let sender = senderWitness.account
        guard t.nonce == sender.nonce else {
            return reject("nonce \(t.nonce) does not match the account nonce \(sender.nonce)", 1)
        }
        guard let total = t.value.checkedAdd(t.fee) else { return reject("value plus fee overflows 256 bits", 1) }
        guard let debited = sender.balance.checkedSub(total) else {
            return reject("insufficient balance: has \(sender.balance), needs \(total)", 1)
        }
        // Unreachable from any real state (2^64 transfers); refused rather than trapping.
        guard sender.nonce < UInt64.max else { return reject("sender nonce exhausted", 1) }
        let senderAfter = Account(balance: debited, nonce: sender.nonce + 1)
        let root1 = try senderWitness.rootAfterSetting(t.from, to: senderAfter)
        wrote(t.from, senderAfter)

        let recipientWitness = try witness(w + 1, t.to, root1)
        let recipient = recipientWitness.account
        guard let credited = recipient.balance.checkedAdd(t.value) else { return reject("recipient balance would overflow", 2) }
        let recipientAfter = Account(balance: credited, nonce: recipient.nonce)
        let root2 = try recipientWitness.rootAfterSetting(t.to, to: recipientAfter)
        wrote(t.to, recipientAfter)

        let feeWitness = try witness(w + 2, rules.feeAccount, root2)
        let feeHolder = feeWitness.account
        guard let withFee = feeHolder.balance.checkedAdd(t.fee) else { return reject("fee account balance would overflow", 3) }
        let feeAfter = Account(balance: withFee, nonce: feeHolder.nonce)
        let root3 = try feeWitness.rootAfterSetting(rules.feeAccount, to: feeAfter)
        wrote(rules.feeAccount, feeAfter)
        return Outcome(postRoot: root3, rejection: nil, witnessesRead: 3)
    }
}
