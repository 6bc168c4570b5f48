/// The rules of inbox markers (see `L1InboxItem`): the stateless checks of a marker against the
/// ledger, and which forced transfer it applies.
extension TransitionRules {
    /// Why `marker` is not a well-formed marker of an inbox item `ledger` holds; nil when it is:
    /// this chain's id, value and fee 0, no signature, the item `marker.nonce` known, and the
    /// marker's recipient is the item's sender (so the marker names what it applies).
    func inboxMarkerRejection(_ marker: SignedTransfer, ledger: DepositLedger) -> String? {
        guard marker.chainId == chainId else { return "chain id \(marker.chainId) is not this chain's (\(chainId))" }
        let t = marker.transfer
        guard t.value.isZero, t.fee.isZero else { return "an inbox marker carries no value and no fee" }
        guard marker.signature.isEmpty else { return "an inbox marker carries no signature" }
        guard let item = ledger.inboxItem(t.nonce) else { return "no inbox item \(t.nonce) on L1" }
        guard item.transfer.transfer.from == t.to else {
            return "inbox item \(item.id) on L1 is from \(item.transfer.transfer.from), not \(t.to)"
        }
        return nil
    }

    /// The forced transfer `marker` applies: its inbox item's signed transfer when that passes
    /// the stateless checks of an ordinary transfer (signature by `from`, chain id, fee bound;
    /// never a deposit or another marker); nil when it does not (the marker then only advances
    /// the inbox nonce), when `marker` is no marker, or when the ledger lacks the item.
    public func forcedTransfer(of marker: SignedTransfer, ledger: DepositLedger) -> SignedTransfer? {
        guard marker.isInboxMarker, let item = ledger.inboxItem(marker.transfer.nonce) else { return nil }
        return forcedTransfer(item.transfer)
    }

    /// `transfer` if an inbox item carrying it is applied (it passes the stateless checks of an
    /// ordinary transfer), else nil.
    public func forcedTransfer(_ transfer: SignedTransfer) -> SignedTransfer? {
        guard !transfer.isL1Originated else { return nil }
        return statelessRejection(transfer) == nil ? transfer : nil
    }
}
