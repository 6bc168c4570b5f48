import XCTest
@testable import Settlement

/// An arbiter driven like a chain: one transaction per block, blocks one second apart unless told
/// otherwise, every executed transaction logged with its block and events so a test can replay the run.
struct ArbiterChain {
    var arbiter: L1Arbiter
    private(set) var log: [(transaction: L1Transaction, block: L1BlockHeader, events: [L1Event])] = []
    private(set) var nowMs: UInt64 = 1_000_000
    private var number: UInt64 = 0

    init(config: L1ArbiterConfig) { arbiter = L1Arbiter(config: config) }

    var state: L1ArbiterState { arbiter.state }

    /// Executes `call` from `sender` in a new block `advanceMs` after the previous one.
    @discardableResult
    mutating func send(_ call: L1Transaction.Call, by sender: L1Address, advanceMs: UInt64 = 1_000) -> [L1Event] {
        nowMs += advanceMs
        number += 1
        let block = L1BlockHeader(number: number, hash: Keccak256.hash(left: Digest32(w0: number, w1: 0, w2: 0, w3: 0), right: .zero),
                                  parentHash: .zero, timestampMs: nowMs)
        let tx = L1Transaction(sender: sender, call: call, nonce: number)
        let events = arbiter.execute(tx, in: block)
        log.append((tx, block, events))
        return events
    }

    /// The revert reason of `events`, nil when they are not a single revert.
    static func revertReason(_ events: [L1Event]) -> String? {
        guard events.count == 1, case .reverted(let reason) = events[0] else { return nil }
        return reason
    }
}

/// A range of a `CommitmentWorld`'s batches posted as one commitment: its data, the honest trace
/// from the state before its first batch, and honest one-step proofs.
struct CommittedSegment {
    let world: CommitmentWorld
    /// Index in `world.batches` of the segment's first batch.
    let first: Int
    let count: Int
    /// The L2 batch number of the segment's first batch (world batch k is L2 batch k + 1).
    var firstBatch: UInt64 { UInt64(first) + 1 }
    let trace: CommitmentTrace
    let data: [UInt8]

    init(world: CommitmentWorld, first: Int, count: Int) {
        self.world = world
        self.first = first
        self.count = count
        var tree = world.treesBeforeBatch[first]
        trace = CommitmentTrace.execute(Array(world.batches[first ..< first + count]), on: &tree, rules: world.fixture.rules)
        data = BatchData.encode((first ..< first + count).map { BatchData.Batch(number: UInt64($0) + 1, transfers: world.batches[$0]) },
                                domain: world.fixture.rules.domain)
    }

    /// The commitment at `index`, claiming `newRoot` (the honest one by default).
    func commitment(index: UInt64, newRoot: Digest32? = nil) -> L1Commitment {
        L1Commitment(index: index, firstBatch: firstBatch, lastBatch: firstBatch + UInt64(count) - 1, prevRoot: trace.prevRoot,
                     newRoot: newRoot ?? trace.newRoot, dataRoot: committedRoot(data))
    }

    /// Transactions of the segment before `location`.
    func step(_ location: ChallengeGame.Location) -> Int {
        let counts = trace.transactionCounts
        switch location {
        case .afterBatches(let k): return counts[..<k].reduce(0, +)
        case .afterTransactions(let b, let c): return counts[..<b].reduce(0, +) + c
        }
    }

    /// Honest roots until step `from`, a lie from there on (nil: always honest).
    func strategy(lyingFrom from: Int?) -> (ChallengeGame.Location) -> Digest32 {
        { location in
            let root = trace.root(at: location)
            guard let from, step(location) >= from else { return root }
            return CommitmentWorld.lie(root)
        }
    }

    /// The segment's data tree, over its data as the arbiter decodes it.
    var dataTree: BatchDataTree { BatchDataTree(batches: try! BatchData.decode(data).batches.map(\.transfers)) }

    /// The honest one-step proof of transaction `index` of the segment's batch `batch`, with its
    /// inclusion proof in the segment's data.
    func proof(batch: Int, index: Int) -> [UInt8] {
        world.honestProof(batch: first + batch, index: index, inclusion: dataTree.inclusionProof(batch: batch, index: index)).serialized
    }
}

/// The data root a commitment over `data` must carry; for data that does not decode (which
/// posting refuses whatever the root), its keccak.
func committedRoot(_ data: [UInt8]) -> Digest32 {
    (try? BatchDataTree.dataRoot(of: data)) ?? Keccak256.hash(data)
}

extension FraudProofFixture {
    /// Random batches round-tripped through `BatchData`, as the arbiter will read them (a transfer
    /// signed for another chain comes back with this chain's id, still rejected: its signature fails).
    func committedBatches(_ sizes: [Int], seed: UInt64) -> [[SignedTransfer]] {
        let raw = randomBatches(sizes, seed: seed)
        let data = BatchData.encode(raw.enumerated().map { BatchData.Batch(number: UInt64($0.offset) + 1, transfers: $0.element) },
                                    domain: rules.domain)
        return try! BatchData.decode(data).batches.map(\.transfers)
    }
}
