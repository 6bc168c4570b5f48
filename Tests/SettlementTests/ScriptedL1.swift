import XCTest
@testable import Settlement

/// An L1 over the pure arbiter for `ValidatorNode` and `ProposerDefense` tests: every submitted transaction is executed
/// at once in its own block (`ArbiterChain`), receipts are kept; the test drives the other parties
/// through `send`.
actor ScriptedL1: L1Client {
    private var chain: ArbiterChain
    private var receiptsByHash: [Digest32: L1Receipt] = [:]

    init(config: L1ArbiterConfig) { chain = ArbiterChain(config: config) }

    /// Another party's transaction, `advanceMs` after the previous block.
    @discardableResult
    func send(_ call: L1Transaction.Call, by sender: L1Address, advanceMs: UInt64 = 1_000) -> [L1Event] {
        chain.send(call, by: sender, advanceMs: advanceMs)
    }

    /// Every transaction so far with its sender and events.
    var log: [(call: L1Transaction.Call, sender: L1Address, events: [L1Event])] {
        chain.log.map { ($0.transaction.call, $0.transaction.sender, $0.events) }
    }

    func head() async throws -> L1BlockHeader {
        chain.log.last?.block ?? L1BlockHeader(number: 0, hash: .zero, parentHash: .zero, timestampMs: chain.nowMs)
    }
    func block(number: UInt64) async throws -> L1BlockHeader? { chain.log.first { $0.block.number == number }?.block }
    func submit(_ transaction: L1Transaction) async throws -> Digest32 {
        let events = chain.send(transaction.call, by: transaction.sender)
        let block = chain.log.last!.block
        let hash = Keccak256.hash(Array("tx \(block.number)".utf8))
        receiptsByHash[hash] = L1Receipt(transactionHash: hash, blockNumber: block.number, blockHash: block.hash, events: events)
        return hash
    }
    func receipt(_ transactionHash: Digest32) async throws -> L1Receipt? { receiptsByHash[transactionHash] }
    func receipts(fromBlock: UInt64, toBlock: UInt64) async throws -> [L1Receipt] {
        receiptsByHash.values.filter { (fromBlock ... toBlock).contains($0.blockNumber) }.sorted { $0.blockNumber < $1.blockNumber }
    }
    func commitments(fromIndex: UInt64) async throws -> [(commitment: L1Commitment, block: L1BlockHeader)] {
        chain.state.commitments.filter { !$0.reverted && $0.commitment.index >= fromIndex }.map { ($0.commitment, $0.block) }
    }
    func openGames(against index: UInt64) async throws -> Int { chain.state.openGames(against: index).count }
    func isFinal(_ index: UInt64) async throws -> Bool {
        chain.state.isFinal(index, atMs: chain.nowMs, challengePeriodMs: chain.arbiter.config.challengePeriodMs)
    }
    func commitmentData(index: UInt64) async throws -> [UInt8]? {
        index < UInt64(chain.state.commitments.count) ? chain.state.commitments[Int(index)].data : nil
    }
    func game(id: UInt64) async throws -> L1Game? { chain.state.game(id) }
    func deposits(fromID: UInt64, limit: Int) async throws -> [L1Deposit] {
        Array(chain.state.deposits.dropFirst(Int(min(fromID, UInt64(Int.max)))).prefix(max(limit, 0)))
    }
}
