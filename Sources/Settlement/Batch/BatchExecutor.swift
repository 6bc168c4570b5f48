/// Executes the transfers of one batch deterministically against the current accounts.
///
/// Rules, in order, each failure rejecting the transfer with its reason and changing nothing:
/// the nonce must equal the sender's account nonce; value + fee must fit in 256 bits; the sender's
/// balance must cover value + fee; the recipient's and the fee account's balances must not
/// overflow. An accepted transfer debits value + fee, bumps the sender's nonce, credits the
/// recipient with the value and the fee account with the fee.
public struct BatchExecutor: Sendable {
    public let feeAccount: Address

    public init(feeAccount: Address) { self.feeAccount = feeAccount }

    public struct Result: Sendable {
        public let transactions: [ExecutedTransaction]
        /// Touched accounts with their final values, sorted by address.
        public let diff: StateDiff
        public var acceptedCount: Int { transactions.reduce(0) { $0 + ($1.accepted ? 1 : 0) } }
    }

    /// Executes `txs` in order; `lookup` gives an account's value before the batch (nil: absent).
    public func execute(_ txs: [ValidatedTransfer], lookup: (Address) -> Account?) -> Result {
        var working: [Address: Account] = [:]
        working.reserveCapacity(txs.count * 2 + 1)
        func load(_ a: Address) -> Account {
            if let w = working[a] { return w }
            let v = lookup(a) ?? .empty
            working[a] = v
            return v
        }
        var out: [ExecutedTransaction] = []
        out.reserveCapacity(txs.count)
        for tx in txs {
            let t = tx.transfer
            let sender = load(t.from)
            guard t.nonce == sender.nonce else {
                out.append(ExecutedTransaction(tx: tx, accepted: false,
                                               reason: "nonce \(t.nonce) does not match the account nonce \(sender.nonce)"))
                continue
            }
            guard let total = t.value.checkedAdd(t.fee) else {
                out.append(ExecutedTransaction(tx: tx, accepted: false, reason: "value plus fee overflows 256 bits"))
                continue
            }
            guard let debited = sender.balance.checkedSub(total) else {
                out.append(ExecutedTransaction(tx: tx, accepted: false,
                                               reason: "insufficient balance: has \(sender.balance), needs \(total)"))
                continue
            }
            // New values go to `after` first and reach `working` only if every check passes. The
            // credit reads `after`, so a self-transfer (or the fee account paying) sees its debit.
            var after: [(Address, Account)] = [(t.from, Account(balance: debited, nonce: sender.nonce + 1))]
            func current(_ a: Address) -> Account { after.last(where: { $0.0 == a })?.1 ?? load(a) }
            let recipient = current(t.to)
            guard let credited = recipient.balance.checkedAdd(t.value) else {
                out.append(ExecutedTransaction(tx: tx, accepted: false, reason: "recipient balance would overflow"))
                continue
            }
            after.append((t.to, Account(balance: credited, nonce: recipient.nonce)))
            let feeHolder = current(feeAccount)
            guard let withFee = feeHolder.balance.checkedAdd(t.fee) else {
                out.append(ExecutedTransaction(tx: tx, accepted: false, reason: "fee account balance would overflow"))
                continue
            }
            after.append((feeAccount, Account(balance: withFee, nonce: feeHolder.nonce)))
            for (a, v) in after { working[a] = v }
            out.append(ExecutedTransaction(tx: tx, accepted: true, reason: ""))
        }
        return Result(transactions: out, diff: StateDiff(working.map { (address: $0.key, account: $0.value) }))
    }
}
