/// The deposit path into the engine: L1 deposits, read by the leader's `DepositWatcher`, enter
/// the pool here as transfers from `Address.bridge`, skipping `ValidationPipeline` (which refuses
/// every bridge transfer: nobody can mint through the API). From the pool on they go the normal
/// way: sequenced in bridge-nonce order, executed by `BatchExecutor`'s deposit rule, committed,
/// answered, published and posted to L1 like any transaction.
extension SettlementEngine {
    /// Deposits credited in this engine's state: the bridge account's nonce. On the leader this
    /// includes batches executed but not yet durable (they become durable, or the state rolls back
    /// with them when the term ends).
    public var creditedDeposits: UInt64 { state.withLock { $0.account(.bridge).nonce } }

    /// Hands `deposits` (in id order) to the pool while this engine leads. Returns how many were
    /// taken, from the first: it stops at one the engine cannot take now (not the leader, pool
    /// full), which the caller offers again later.
    ///
    /// `onReceipt` is called once for each deposit taken: SEQUENCED after its batch is durable;
    /// REJECTED by execution (a wrong bridge nonce: already credited, or an earlier deposit is
    /// missing), by the pool (already waiting there: "transaction already
    /// submitted"), or when the term ends before it was sequenced (the next leader's watcher
    /// credits it). A deposit already durable answers SEQUENCED with its stored receipt.
    public func enqueueDeposits(_ deposits: [L1Deposit],
                                onReceipt: @escaping @Sendable (L1Deposit, Receipt) -> Void) -> Int {
        guard isRunning else { return 0 }
        var taken = 0
        for deposit in deposits {
            let tx = ValidatedTransfer(deposit: deposit, domain: domain)
            do {
                guard try enqueueIfLeading(tx, onReceipt: { onReceipt(deposit, $0) }) else { break }
            } catch {
                break  // the pool is full: offered again on a later pass
            }
            taken += 1
        }
        return taken
    }
}
