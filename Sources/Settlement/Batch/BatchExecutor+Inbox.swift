extension BatchExecutor {
    /// The inbox marker rule (see `L1InboxItem`): the marker's nonce must equal the inbox account's
    /// nonce, which it advances; then the forced transfer the marker carries (`tx.forced`, present
    /// only when it passed the stateless checks) is applied by the normal transfer rules, reading
    /// accounts after the inbox's write. A forced transfer that fails them is skipped: the marker
    /// is still accepted, with the inbox's write only, so a bad forced transfer never blocks the
    /// inbox. That the item exists on L1 is not checked here (the engine sequences only what its
    /// `InboxWatcher` read; the fraud proof checks it against the arbiter's ledger).
    func forcedInclusion(_ tx: ValidatedTransfer,
                         load: (Address) -> Account) -> (ExecutedTransaction, [(Address, Account)]) {
        let t = tx.transfer
        let inbox = load(.inbox)
        guard t.nonce == inbox.nonce else {
            return (ExecutedTransaction(tx: tx, accepted: false,
                                        reason: "inbox marker nonce \(t.nonce) does not match the inbox nonce \(inbox.nonce)"), [])
        }
        guard inbox.nonce < UInt64.max else {
            return (ExecutedTransaction(tx: tx, accepted: false, reason: "inbox nonce exhausted"), [])
        }
        let inboxAfter = Account(balance: inbox.balance, nonce: inbox.nonce + 1)
        var writes: [(Address, Account)] = [(.inbox, inboxAfter)]
        if let forced = tx.forced,
           case .success(let after) = transferWrites(forced.transfer, read: { $0 == .inbox ? inboxAfter : load($0) }) {
            writes += after
        }
        return (ExecutedTransaction(tx: tx, accepted: true, reason: ""), writes)
    }
}
