/// Censorship resistance (docs/protocol-security.md, "Censorship resistance"): the forced-inclusion
/// inbox, the inclusion deadline a commitment must meet, and permissionless proposing after the
/// proposer's silence.
extension L1Arbiter {
    /// Records `transfer`, a user's own signed L2 transfer, as inbox item `id` (the next). Only its
    /// format is checked (this chain's id, a 65-byte signature, not from the bridge or the
    /// inbox): whether it applies is decided on L2 by the transition rules, where a bad one is
    /// skipped with no effect.
    mutating func submitToInbox(_ transfer: SignedTransfer, by sender: L1Address,
                                in block: L1BlockHeader) -> Result<[L1Event], Revert> {
        guard transfer.chainId == config.rules.chainId else {
            return .failure(Revert("the transfer is for chain \(transfer.chainId), not \(config.rules.chainId)"))
        }
        guard transfer.signature.count == 65 else { return .failure(Revert("a forced transfer carries a 65-byte signature")) }
        guard !transfer.isL1Originated else {
            return .failure(Revert("a forced transfer cannot be from the bridge or the inbox address"))
        }
        let id = state.nextInboxID
        state.inbox.append(L1InboxItem(id: id, submitter: sender, transfer: transfer, l1BlockNumber: block.number,
                                       l1BlockHash: block.hash, l1TimestampMs: block.timestampMs))
        return .success([.inboxItemSubmitted(id: id, l2Sender: transfer.transfer.from)])
    }

    /// Why `sender` may not post a commitment at L1 time `now`; nil when it may. The configured
    /// proposer always may (nil: anyone). Anyone else may only once no commitment has been posted
    /// and left standing for `permissionlessAfterMs` (counted from the newest commitment not
    /// reverted, else from the arbiter's first transaction), and only with free stake of at least
    /// `minimumStake` (registered and not locked by open games); it posts the same bond.
    func proposerProblem(_ sender: L1Address, at now: UInt64) -> String? {
        guard let proposer = config.proposer, proposer != sender else { return nil }
        let since = state.latestValidCommitment?.block.timestampMs ?? state.firstActivityMs ?? now
        let (opensAt, overflow) = since.addingReportingOverflow(config.permissionlessAfterMs)
        guard !overflow, now >= opensAt else {
            return "only the proposer \(proposer) may post commitments until \(overflow ? "never" : "\(opensAt)") (L1 time; now \(now))"
        }
        let free = state.validators[sender].flatMap { $0.stake.checkedSub(lockedStake(of: sender)) } ?? .zero
        guard free >= config.minimumStake else {
            return "after the proposer's silence only a staked validator may post: \(sender) has \(free) free stake, needs \(config.minimumStake)"
        }
        return nil
    }

    /// How many deposits and inbox items a commitment with `data` consumes by its end, of the
    /// `deposits` and `items` available to it (included in earlier blocks): walking its deposits
    /// and markers in order from the previous standing commitment's counts, each one that is the
    /// next expected and matches the L1 record counts; any other is refused by the transition rules
    /// too (wrong nonce, or not in the ledger) and changes nothing. So the counts are exactly the
    /// bridge and inbox nonces of the honest post-state: a root that does not apply what is
    /// counted here loses the one-step game on the marker or deposit it skipped.
    func consumption(of data: [UInt8], deposits: UInt64, items: UInt64) -> Result<(deposits: UInt64, inbox: UInt64), Revert> {
        let previous = state.latestValidCommitment
        var nextDeposit = previous?.depositsConsumed ?? 0
        var nextItem = previous?.inboxConsumed ?? 0
        let originated: [Transfer]
        do { originated = try BatchData.l1Originated(data) } catch { return .failure(Revert("the data does not decode: \(error)")) }
        for t in originated {
            guard t.fee.isZero else { continue }
            if t.from == .bridge {
                guard t.nonce == nextDeposit, nextDeposit < deposits else { continue }
                let d = state.deposits[Int(nextDeposit)]
                if d.recipient == t.to && d.amount == t.value { nextDeposit += 1 }
            } else {
                guard t.nonce == nextItem, nextItem < items, t.value.isZero else { continue }
                if state.inbox[Int(nextItem)].transfer.transfer.from == t.to { nextItem += 1 }
            }
        }
        return .success((nextDeposit, nextItem))
    }

    /// Why a commitment at L1 time `now` consuming `consumed` is late; nil when it is not: the
    /// oldest deposit and the oldest inbox item it leaves unconsumed must be younger than
    /// `inclusionDelayMs`. Checked by the arbiter itself at posting, so a censoring sequencer
    /// cannot post at all past the deadline (rather than being caught later by a game).
    func overdue(_ consumed: (deposits: UInt64, inbox: UInt64), at now: UInt64) -> String? {
        func late(_ since: UInt64) -> Bool {
            let (due, overflow) = since.addingReportingOverflow(config.inclusionDelayMs)
            return !overflow && now >= due
        }
        if consumed.deposits < UInt64(state.depositTimesMs.count), late(state.depositTimesMs[Int(consumed.deposits)]) {
            return "deposit \(consumed.deposits) (L1 time \(state.depositTimesMs[Int(consumed.deposits)])) is overdue: "
                + "a commitment must consume every deposit older than \(config.inclusionDelayMs) ms"
        }
        if consumed.inbox < state.nextInboxID, late(state.inbox[Int(consumed.inbox)].l1TimestampMs) {
            return "inbox item \(consumed.inbox) (L1 time \(state.inbox[Int(consumed.inbox)].l1TimestampMs)) is overdue: "
                + "a commitment must consume every forced transfer older than \(config.inclusionDelayMs) ms"
        }
        return nil
    }
}
