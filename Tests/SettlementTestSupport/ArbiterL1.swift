import Settlement

/// An `L1Client` test double: the pure `L1Arbiter` on a chain kept in memory, with blocks made
/// by hand (`produceBlock`) and reorgs on demand (`reorg`), as the PostgreSQL L1 simulator of
/// Persistence behaves. Submitted transactions wait in a mempool (once each: a transaction
/// pending or already included is not added again) and the next block includes them in order;
/// receipts, commitments, games, deposits and the inbox are read from the arbiter's state after
/// the canonical head. Each block keeps the arbiter's state after it, so a reorg goes back to
/// the fork point and replays nothing.
public actor ArbiterL1: L1Client {
    private struct Block {
        let header: L1BlockHeader
        let receipts: [L1Receipt]
        let transactions: [L1Transaction]
        let stateAfter: L1ArbiterState
    }

    public let config: L1ArbiterConfig
    public let blockTimeMs: UInt64
    /// The canonical chain; index == block number (block 0: genesis, no transactions).
    private var blocks: [Block]
    private var mempool: [L1Transaction] = []
    /// Grows with every reorg, so a new branch's block hashes differ from the dropped ones.
    private var branch: UInt64 = 0

    public init(config: L1ArbiterConfig, blockTimeMs: UInt64 = 12_000, genesisTimestampMs: UInt64 = 1_700_000_000_000) {
        self.config = config
        self.blockTimeMs = blockTimeMs
        let genesis = L1BlockHeader(number: 0, hash: Self.hash(branch: 0, number: 0, parent: .zero), parentHash: .zero,
                                    timestampMs: genesisTimestampMs)
        blocks = [Block(header: genesis, receipts: [], transactions: [], stateAfter: .initial)]
    }

    private static func hash(branch: UInt64, number: UInt64, parent: Digest32) -> Digest32 {
        Keccak256.hash(left: parent, right: Digest32(w0: number, w1: branch, w2: 0x4c31, w3: 0))
    }

    /// The arbiter's state at the head.
    public var arbiterState: L1ArbiterState { blocks[blocks.count - 1].stateAfter }

    /// Transactions waiting for a block.
    public var pendingTransactionCount: Int { mempool.count }

    /// Makes the next block, one block time after the head, with every pending transaction.
    @discardableResult
    public func produceBlock() -> L1BlockHeader {
        let parent = blocks[blocks.count - 1]
        let number = parent.header.number + 1
        let header = L1BlockHeader(number: number, hash: Self.hash(branch: branch, number: number, parent: parent.header.hash),
                                   parentHash: parent.header.hash, timestampMs: parent.header.timestampMs + blockTimeMs)
        var arbiter = L1Arbiter(config: config, state: parent.stateAfter)
        let included = mempool
        mempool = []
        let receipts = included.map { tx in
            L1Receipt(transactionHash: tx.hash, blockNumber: number, blockHash: header.hash, events: arbiter.execute(tx, in: header))
        }
        blocks.append(Block(header: header, receipts: receipts, transactions: included, stateAfter: arbiter.state))
        return header
    }

    /// Replaces the newest `depth` blocks by `depth + extraBlocks` empty blocks of a new branch.
    /// The dropped blocks' transactions go back to the mempool ahead of what waits there (the
    /// next block includes them again), or, with `dropTransactions`, disappear.
    public func reorg(depth: Int, dropTransactions: Bool, extraBlocks: Int = 0) throws {
        guard depth >= 1, depth < blocks.count else { throw TestStoreError("cannot reorg \(depth) blocks of \(blocks.count)") }
        let dropped = blocks.suffix(depth)
        blocks.removeLast(depth)
        if !dropTransactions { mempool = dropped.flatMap(\.transactions) + mempool }
        branch += 1
        for _ in 0 ..< depth + max(extraBlocks, 0) {
            let parent = blocks[blocks.count - 1]
            let number = parent.header.number + 1
            let header = L1BlockHeader(number: number, hash: Self.hash(branch: branch, number: number, parent: parent.header.hash),
                                       parentHash: parent.header.hash, timestampMs: parent.header.timestampMs + blockTimeMs)
            blocks.append(Block(header: header, receipts: [], transactions: [], stateAfter: parent.stateAfter))
        }
    }

    // MARK: L1Client

    public func head() async throws -> L1BlockHeader { blocks[blocks.count - 1].header }

    public func block(number: UInt64) async throws -> L1BlockHeader? {
        number < UInt64(blocks.count) ? blocks[Int(number)].header : nil
    }

    public func submit(_ transaction: L1Transaction) async throws -> Digest32 {
        let hash = transaction.hash
        let known = mempool.contains { $0.hash == hash } || blocks.contains { $0.receipts.contains { $0.transactionHash == hash } }
        if !known { mempool.append(transaction) }
        return hash
    }

    public func receipt(_ transactionHash: Digest32) async throws -> L1Receipt? {
        for b in blocks.reversed() { if let r = b.receipts.first(where: { $0.transactionHash == transactionHash }) { return r } }
        return nil
    }

    public func receipts(fromBlock: UInt64, toBlock: UInt64) async throws -> [L1Receipt] {
        guard fromBlock <= toBlock, fromBlock < UInt64(blocks.count) else { return [] }
        return blocks[Int(fromBlock) ... Int(min(toBlock, UInt64(blocks.count - 1)))].flatMap(\.receipts)
    }

    public func commitments(fromIndex: UInt64) async throws -> [(commitment: L1Commitment, block: L1BlockHeader)] {
        arbiterState.commitments.filter { !$0.reverted && $0.commitment.index >= fromIndex }.map { ($0.commitment, $0.block) }
    }

    public func openGames(against index: UInt64) async throws -> Int { arbiterState.openGames(against: index).count }

    public func isFinal(_ index: UInt64) async throws -> Bool {
        arbiterState.isFinal(index, atMs: blocks[blocks.count - 1].header.timestampMs, challengePeriodMs: config.challengePeriodMs)
    }

    public func commitmentData(index: UInt64) async throws -> [UInt8]? {
        let all = arbiterState.commitments
        return index < UInt64(all.count) ? all[Int(index)].data : nil
    }

    public func game(id: UInt64) async throws -> L1Game? { arbiterState.game(id) }

    public func deposits(fromID: UInt64, limit: Int) async throws -> [L1Deposit] {
        let all = arbiterState.deposits
        guard limit > 0, fromID < UInt64(all.count) else { return [] }
        return Array(all[Int(fromID) ..< Int(fromID) + min(limit, all.count - Int(fromID))])
    }

    public func inboxItems(fromID: UInt64, limit: Int) async throws -> [L1InboxItem] {
        let all = arbiterState.inbox
        guard limit > 0, fromID < UInt64(all.count) else { return [] }
        return Array(all[Int(fromID) ..< Int(fromID) + min(limit, all.count - Int(fromID))])
    }
}
