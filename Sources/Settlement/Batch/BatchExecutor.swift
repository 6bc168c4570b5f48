/// Executes the transfers of one batch deterministically against the current accounts.
///
/// Rules, in order, each failure rejecting the transfer with its reason and changing nothing:
/// the nonce must equal the sender's account nonce; value + fee must fit in 256 bits; the sender's
/// balance must cover value + fee; the sender's nonce must be below 2^64 − 1; the recipient's and the fee account's balances must not
/// overflow. An accepted transfer debits value + fee, bumps the sender's nonce, credits the
/// recipient with the value and the fee account with the fee.
///
/// A deposit — a transfer from `Address.bridge` — follows its own rule: its nonce must equal the
/// bridge account's nonce; it credits the recipient with the value, debits nobody, pays no fee and
/// bumps the bridge's nonce. A deposit whose recipient's balance would overflow is still consumed
/// (the bridge nonce moves on, so it cannot block later deposits) and refunded: credited to the
/// recipient's exit address, which its owner claims on L1 like any withdrawal. So the bridge's nonce
/// is the number of deposits credited, and a deposit can never be credited twice. That a deposit
/// exists on L1 is not checked here: the engine sequences only what its `DepositWatcher` read from
/// the L1 (the fraud proof checks it against the arbiter's `DepositLedger`).
///
/// An inbox marker — a transfer from `Address.inbox` — applies a forced transfer from the L1 inbox
/// (`BatchExecutor+Inbox`, `L1InboxItem`).
public struct BatchExecutor: Sendable {
    public let feeAccount: Address

    public init(feeAccount: Address) { self.feeAccount = feeAccount }

    public struct Result: Sendable {
        public let transactions: [ExecutedTransaction]
        /// Touched accounts with their final values, sorted by address.
        public let diff: StateDiff
        /// For each transaction of the shielded lane: nil when accepted, else why it is refused.
        public let shieldedVerdicts: [String?]
        public var acceptedCount: Int { transactions.reduce(0) { $0 + ($1.accepted ? 1 : 0) } }
    }

    /// Executes `txs` in order; `lookup` gives an account's value before the batch (nil: absent).
    public func execute(_ txs: [ValidatedTransfer], lookup: (Address) -> Account?) -> Result {
        execute(txs, shielded: [], pool: NoShieldedPool(), lookup: lookup)
    }

    /// Executes `txs` in order, then the shielded lane `shielded` against `pool` (see
    /// `executeShieldedLane`); `lookup` gives an account's value before the batch.
    public func execute(_ txs: [ValidatedTransfer], shielded: [ShieldedTransaction], pool: some ShieldedPoolView,
                        lookup: (Address) -> Account?) -> Result {
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
            if t.from == .bridge || t.from == .inbox {
                let (executed, writes) = t.from == .bridge ? credit(tx, load: load) : forcedInclusion(tx, load: load)
                for (a, v) in writes { working[a] = v }
                out.append(executed)
                continue
            }
            switch transferWrites(t, read: load) {
            case .success(let after):
                for (a, v) in after { working[a] = v }
                out.append(ExecutedTransaction(tx: tx, accepted: true, reason: ""))
            case .failure(let why):
                out.append(ExecutedTransaction(tx: tx, accepted: false, reason: why.reason))
            }
        }
        let verdicts = shielded.isEmpty ? [] : executeShieldedLane(shielded, pool: pool, load: load,
                                                                    store: { working[$0] = $1 })
        return Result(transactions: out, diff: StateDiff(working.map { (address: $0.key, account: $0.value) }),
                      shieldedVerdicts: verdicts)
    }

    /// The note on an accepted deposit whose recipient's balance would overflow: it was paid to the
    /// recipient's exit address instead (`Withdrawals.exitAddress(for:)`), to be claimed on L1.
    public static let depositRefunded = "recipient balance would overflow: refunded to its exit address on L1"
    /// The note on an accepted deposit that neither the recipient nor its exit address can hold
    /// (both balances within the amount of 2^256): consumed, the amount stays locked on L1.
    public static let depositUnpayable = "recipient and exit balances would overflow: the amount stays locked on L1"
    struct Refusal: Error { let reason: String }

    /// The transfer rules for `t` over accounts read through `read` (the values before `t`):
    /// the writes, in order, when every check passes, else the first failing check's reason.
    func transferWrites(_ t: Transfer, read: (Address) -> Account) -> Swift.Result<[(Address, Account)], Refusal> {
        let sender = read(t.from)
        guard t.nonce == sender.nonce else {
            return .failure(Refusal(reason: "nonce \(t.nonce) does not match the account nonce \(sender.nonce)"))
        }
        guard let total = t.value.checkedAdd(t.fee) else { return .failure(Refusal(reason: "value plus fee overflows 256 bits")) }
        guard let debited = sender.balance.checkedSub(total) else {
            return .failure(Refusal(reason: "insufficient balance: has \(sender.balance), needs \(total)"))
        }
        // Unreachable from any real state (2^64 transfers) but possible in a genesis: refused
        // rather than trapping, with the verifier's reason at the verifier's point
        // (`WitnessedTransition`), so both agree on the outcome.
        guard sender.nonce < UInt64.max else { return .failure(Refusal(reason: "sender nonce exhausted")) }
        // The credit reads `after` first, so a self-transfer (or the fee account paying) sees its debit.
        var after: [(Address, Account)] = [(t.from, Account(balance: debited, nonce: sender.nonce + 1))]
        func current(_ a: Address) -> Account { after.last(where: { $0.0 == a })?.1 ?? read(a) }
        let recipient = current(t.to)
        guard let credited = recipient.balance.checkedAdd(t.value) else {
            return .failure(Refusal(reason: "recipient balance would overflow"))
        }
        after.append((t.to, Account(balance: credited, nonce: recipient.nonce)))
        let feeHolder = current(feeAccount)
        guard let withFee = feeHolder.balance.checkedAdd(t.fee) else {
            return .failure(Refusal(reason: "fee account balance would overflow"))
        }
        after.append((feeAccount, Account(balance: withFee, nonce: feeHolder.nonce)))
        return .success(after)
    }

    /// The deposit rule (see the type's comment): bridge nonce, then the recipient's credit; the
    /// recipient is read after the bridge's write (a deposit to the bridge itself, which the
    /// arbiter refuses, would still be computed consistently with the one-step proof).
    /// Returns the verdict and the writes (in order) to apply when accepted.
    private func credit(_ tx: ValidatedTransfer,
                        load: (Address) -> Account) -> (ExecutedTransaction, [(Address, Account)]) {
        let t = tx.transfer
        func reject(_ why: String) -> (ExecutedTransaction, [(Address, Account)]) {
            (ExecutedTransaction(tx: tx, accepted: false, reason: why), [])
        }
        let bridge = load(.bridge)
        guard t.nonce == bridge.nonce else {
            return reject("deposit nonce \(t.nonce) does not match the bridge nonce \(bridge.nonce)")
        }
        guard bridge.nonce < UInt64.max else { return reject("bridge nonce exhausted") }
        let bridgeAfter = Account(balance: bridge.balance, nonce: bridge.nonce + 1)
        let recipient = t.to == .bridge ? bridgeAfter : load(t.to)
        if let credited = recipient.balance.checkedAdd(t.value) {
            return (ExecutedTransaction(tx: tx, accepted: true, reason: ""),
                    [(.bridge, bridgeAfter), (t.to, Account(balance: credited, nonce: recipient.nonce))])
        }
        // The refund path: the deposit is consumed all the same (a stuck bridge nonce would block
        // every later deposit) and paid to the recipient's exit address, claimable on L1.
        let exit = Withdrawals.exitAddress(for: t.to, in: tx.signed.domain)
        let exitAccount = exit == .bridge ? bridgeAfter : load(exit)
        guard let refunded = exitAccount.balance.checkedAdd(t.value) else {
            return (ExecutedTransaction(tx: tx, accepted: true, reason: Self.depositUnpayable), [(.bridge, bridgeAfter)])
        }
        return (ExecutedTransaction(tx: tx, accepted: true, reason: Self.depositRefunded),
                [(.bridge, bridgeAfter), (exit, Account(balance: refunded, nonce: exitAccount.nonce))])
    }
}
