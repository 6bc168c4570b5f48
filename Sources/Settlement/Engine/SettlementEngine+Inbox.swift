/// The forced-inclusion path into the engine: inbox items, read by the leader's `InboxWatcher`,
/// enter the pool here as their markers (`L1InboxItem.marker`), skipping `ValidationPipeline`
/// (which refuses every transfer from `Address.inbox`). The marker carries the forced transfer
/// when that passes the stateless checks, so `BatchExecutor` applies it; else the marker only
/// advances the inbox nonce. From the pool on they go the normal way, as deposits do.
extension SettlementEngine {
    /// Inbox items consumed in this engine's state: the inbox account's nonce (on the leader,
    /// including batches executed but not yet durable).
    public var consumedInboxItems: UInt64 { state.withLock { $0.account(.inbox).nonce } }

    /// Hands the markers of `items` (in id order) to the pool while this engine leads. Returns how
    /// many were taken, from the first; the caller offers the rest again later. `onReceipt` is
    /// called once for each item taken, as for deposits (`enqueueDeposits`).
    public func enqueueInboxItems(_ items: [L1InboxItem],
                                  onReceipt: @escaping @Sendable (L1InboxItem, Receipt) -> Void) -> Int {
        guard isRunning else { return 0 }
        let rules = config.transitionRules(domain)
        var taken = 0
        for item in items {
            let tx = ValidatedTransfer(inboxItem: item, domain: domain, forced: rules.forcedTransfer(item.transfer))
            do {
                guard try enqueueIfLeading(tx, onReceipt: { onReceipt(item, $0) }) else { break }
            } catch {
                break  // the pool is full: offered again on a later pass
            }
            taken += 1
        }
        return taken
    }
}
