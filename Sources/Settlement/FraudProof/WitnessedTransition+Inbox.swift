extension WitnessedTransition {
    /// An inbox marker (see `L1InboxItem`), already checked against the ledger: witness 0 is the
    /// inbox account (nonce must equal the marker's; nonce + 1), then, when the item's transfer
    /// passes the stateless checks (`TransitionRules.forcedTransfer`), that transfer by the
    /// normal rules from the root after the inbox's write, reading witnesses 1, 2, 3. A forced
    /// transfer that is refused (statelessly or by the rules) leaves the root after the inbox's
    /// write: the marker is applied, the transfer skipped, so a bad forced transfer cannot block
    /// the inbox. As `BatchExecutor.forcedInclusion`.
    static func forcedInclusion(
        _ marker: SignedTransfer, preRoot: Digest32, rules: TransitionRules, deposits: DepositLedger,
        witness: (_ index: Int, _ address: Address, _ root: Digest32) throws(FraudProofError) -> AccountWitness,
        wrote: (_ address: Address, _ account: Account) -> Void
    ) throws(FraudProofError) -> Outcome {
        let k = marker.transfer.nonce
        let inboxWitness = try witness(0, .inbox, preRoot)
        let inbox = inboxWitness.account
        guard k == inbox.nonce else {
            return Outcome(postRoot: preRoot, rejection: "inbox marker nonce \(k) does not match the inbox nonce \(inbox.nonce)",
                           witnessesRead: 1)
        }
        guard inbox.nonce < UInt64.max else { return Outcome(postRoot: preRoot, rejection: "inbox nonce exhausted", witnessesRead: 1) }
        let inboxAfter = Account(balance: inbox.balance, nonce: inbox.nonce + 1)
        let root1 = try inboxWitness.rootAfterSetting(.inbox, to: inboxAfter)
        wrote(.inbox, inboxAfter)
        guard let forced = rules.forcedTransfer(of: marker, ledger: deposits) else {
            return Outcome(postRoot: root1, rejection: nil, witnessesRead: 1)
        }
        let inner = try transfer(forced.transfer, preRoot: root1, rules: rules, firstWitness: 1, witness: witness, wrote: wrote)
        return Outcome(postRoot: inner.postRoot, rejection: nil, witnessesRead: 1 + inner.witnessesRead)
    }
}
