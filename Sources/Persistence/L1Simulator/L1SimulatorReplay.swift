import Persistence
import PostgresDriver
import Settlement

/// A canonical block as read from the database, with its decoded transactions.
struct L1FetchedBlock: Sendable {
    let header: L1BlockHeader
    let transactions: [(hash: Digest32, transaction: L1Transaction)]
}

/// One process's replay of the canonical chain through the arbiter: headers, receipts, and the
/// arbiter's state at the tip, with a state checkpoint per recent block.
///
/// The database holds the chain (facts); receipts and arbiter state are a pure function of it,
/// recomputed here. After a reorg the replay goes back to the fork point's checkpoint (or to
/// genesis when the fork is older than the window) and applies the new branch.
struct L1SimulatorReplay: Sendable {
    let arbiterConfig: L1ArbiterConfig
    let window: Int
    /// Canonical headers as of the last sync; index == block number.
    private(set) var headers: [L1BlockHeader] = []
    /// Receipts per block (index == block number).
    private var blockReceipts: [[L1Receipt]] = []
    /// Where each included transaction's receipt is.
    private var receiptIndex: [Digest32: (block: Int, index: Int)] = [:]
    /// Arbiter state after block n, for the last `window` + 1 blocks.
    private var checkpoints: [UInt64: L1ArbiterState] = [:]
    /// The arbiter's state at the tip.
    private(set) var state = L1ArbiterState.initial

    init(arbiterConfig: L1ArbiterConfig, window: Int) {
        self.arbiterConfig = arbiterConfig
        self.window = max(1, window)
    }

    var tip: L1BlockHeader? { headers.last }

    /// The number from which a sync should read the canonical hashes to find the fork point.
    var syncFrom: UInt64 {
        guard let tip else { return 0 }
        return tip.number > UInt64(window) ? tip.number - UInt64(window) : 0
    }

    func header(_ number: UInt64) -> L1BlockHeader? {
        number < headers.count ? headers[Int(number)] : nil
    }

    func receipt(_ hash: Digest32) -> L1Receipt? {
        receiptIndex[hash].map { blockReceipts[$0.block][$0.index] }
    }

    func receipts(from: UInt64, to: UInt64) -> [L1Receipt] {
        guard from <= to, from < headers.count else { return [] }
        let upper = min(to, UInt64(headers.count - 1))
        return (from ... upper).flatMap { blockReceipts[Int($0)] }
    }

    /// The highest block in `canonical` (number, hash pairs in increasing number) that this replay
    /// agrees with and holds a checkpoint of: the point to resume from. nil: start from genesis.
    func resumePoint(canonical: [(number: UInt64, hash: Digest32)]) -> UInt64? {
        for (number, hash) in canonical.reversed() {
            if let h = header(number), h.hash == hash, checkpoints[number] != nil { return number }
        }
        return nil
    }

    /// Replaces everything after `fork` (nil: everything) with `blocks`, which must start right
    /// after it and link by parent hash. Returns false, changing nothing, when the replay moved
    /// meanwhile (the fork point is no longer held): the caller reads again.
    mutating func apply(_ blocks: [L1FetchedBlock], after fork: UInt64?) throws(L1SimulatorError) -> Bool {
        var base: L1ArbiterState
        var parent: L1BlockHeader?
        if let fork {
            guard let checkpoint = checkpoints[fork], let header = header(fork) else { return false }
            base = checkpoint
            parent = header
        } else {
            base = .initial
        }
        if let first = blocks.first, let parent, first.header.parentHash != parent.hash {
            return false  // the canonical chain changed between the two reads
        }
        // Validate the new branch's links before touching anything.
        var expected = fork.map { $0 + 1 } ?? 0
        var previous = parent
        for block in blocks {
            guard block.header.number == expected else {
                throw .corrupt("canonical block \(block.header.number) where \(expected) was expected")
            }
            if let previous, block.header.parentHash != previous.hash {
                throw .corrupt("canonical block \(block.header.number) does not link to its parent")
            }
            previous = block.header
            expected += 1
        }
        truncate(after: fork)
        var arbiter = L1Arbiter(config: arbiterConfig, state: base)
        for block in blocks {
            var receipts: [L1Receipt] = []
            receipts.reserveCapacity(block.transactions.count)
            for (i, entry) in block.transactions.enumerated() {
                let events = arbiter.execute(entry.transaction, in: block.header)
                receipts.append(L1Receipt(transactionHash: entry.hash, blockNumber: block.header.number,
                                          blockHash: block.header.hash, events: events))
                receiptIndex[entry.hash] = (headers.count, i)
            }
            headers.append(block.header)
            blockReceipts.append(receipts)
            checkpoints[block.header.number] = arbiter.state
        }
        state = arbiter.state
        if let tip, tip.number > UInt64(window) {
            let oldest = tip.number - UInt64(window)
            checkpoints = checkpoints.filter { $0.key >= oldest }
        }
        return true
    }

    /// Forgets every block after `fork` (all of them for nil).
    private mutating func truncate(after fork: UInt64?) {
        let keep = fork.map { Int($0) + 1 } ?? 0
        guard keep < headers.count else { return }
        for receipts in blockReceipts[keep...] {
            for r in receipts { receiptIndex[r.transactionHash] = nil }
        }
        headers.removeSubrange(keep...)
        blockReceipts.removeSubrange(keep...)
        checkpoints = checkpoints.filter { $0.key < UInt64(keep) }
        state = checkpoints[UInt64(max(keep - 1, 0))] ?? .initial
    }
}
