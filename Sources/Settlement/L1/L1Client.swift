/// The L1 as the engine, the finality engine and validators see it. The embedded default is
/// `L1Simulator` (Persistence): a simulated chain shared by the replicas through PostgreSQL; a
/// JSON-RPC client for a real Ethereum node would implement the same protocol.
///
/// Everything is read from the *canonical* chain as of the call; after a reorg, blocks, receipts
/// and events of the dropped branch are gone (a caller notices through parent hashes).
public protocol L1Client: Sendable {
    /// The newest canonical block.
    func head() async throws -> L1BlockHeader
    /// The canonical block at `number`, nil above the head.
    func block(number: UInt64) async throws -> L1BlockHeader?
    /// Sends a transaction; it is included in a later block (or dropped by a reorg: then
    /// `receipt` returns nil again and the sender must re-send). Returns its hash.
    func submit(_ transaction: L1Transaction) async throws -> Digest32
    /// The receipt of an included transaction on the canonical chain, nil while pending or dropped.
    func receipt(_ transactionHash: Digest32) async throws -> L1Receipt?
    /// Every receipt of the canonical blocks `from...to`, in order.
    func receipts(fromBlock: UInt64, toBlock: UInt64) async throws -> [L1Receipt]
    /// The arbiter's view at the head: commitments not reverted, with the block that included each.
    func commitments(fromIndex: UInt64) async throws -> [(commitment: L1Commitment, block: L1BlockHeader)]
    /// Challenge games against commitment `index` not yet resolved (a commitment with an open game
    /// is not final, whatever its age).
    func openGames(against index: UInt64) async throws -> Int
    /// True when commitment `index` is final at the head (`L1ArbiterState.isFinal`): not
    /// reverted, and for it and every earlier commitment not reverted, the challenge period over
    /// and no game open (prefix-closed). What the engine's FINALIZED follows.
    func isFinal(_ index: UInt64) async throws -> Bool
    /// The data posted with commitment `index` (reverted ones included; nil when there is no such
    /// commitment): what a validator re-executes from the previous root to check `newRoot`, and
    /// where both parties of a game find the transaction to prove. On a real chain: the calldata of
    /// the posting transaction, found through its `commitmentPosted` event.
    func commitmentData(index: UInt64) async throws -> [UInt8]?
    /// Challenge game `id` as the arbiter holds it at the head (parties, disputed commitment,
    /// bisection state: whose turn, midpoint, deadline, result), nil if never opened. The parties
    /// read it to answer moves; game ids come from `challengeOpened` events.
    func game(id: UInt64) async throws -> L1Game?
    /// The deposits the arbiter holds at the head with ids `fromID ..< fromID + limit`, in id
    /// order (fewer when fewer exist). Each names its L1 block; after a reorg the ids are those of
    /// the new canonical order. The engine's `DepositWatcher` credits them once their block is
    /// confirmed; validators check bridge transfers against them (`DepositLedger`).
    func deposits(fromID: UInt64, limit: Int) async throws -> [L1Deposit]
    /// The forced transfers the arbiter's inbox holds at the head with ids
    /// `fromID ..< fromID + limit`, in id order (fewer when fewer exist). The engine's
    /// `InboxWatcher` sequences their markers; validators apply them (`DepositLedger`).
    func inboxItems(fromID: UInt64, limit: Int) async throws -> [L1InboxItem]
}

extension L1Client {
    /// A client of an L1 without a forced-inclusion inbox holds no item.
    public func inboxItems(fromID: UInt64, limit: Int) async throws -> [L1InboxItem] { [] }
}
