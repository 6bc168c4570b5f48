import Logging
import Synchronization
@testable import Settlement

/// A `SettlementStore` held in memory: a test double for engine tests that don't exercise
/// PostgreSQL (the PostgreSQL store has its own tests against a real server).
final class InMemoryStoreDouble: SettlementStore, Sendable {
    private struct State {
        var genesisHash: Digest32?
        var batches: [UInt64: SealedBatch] = [:]
        var diffs: [(number: UInt64, diff: StateDiff, root: Digest32)] = []
        var transactions: [Digest32: StoredTransaction] = [:]
    }
    private let state = Mutex(State())

    func open(genesis: Genesis, genesisDiff: StateDiff, genesisRoot: Digest32) async throws -> PersistedChain {
        try state.withLock { s in
            if let h = s.genesisHash {
                guard h == genesis.hash else { throw TestStoreError.genesisMismatch }
            } else {
                s.genesisHash = genesis.hash
                s.diffs = [(0, genesisDiff, genesisRoot)]
            }
            return PersistedChain(snapshot: nil, diffs: s.diffs)
        }
    }

    func commit(_ batch: SealedBatch) async throws {
        state.withLock { s in
            if s.batches[batch.number] != nil { return }
            s.batches[batch.number] = batch
            s.diffs.append((batch.number, batch.diff, batch.newRoot))
            for (i, t) in batch.transactions.enumerated() {
                s.transactions[t.tx.id] = StoredTransaction(
                    id: t.tx.id, status: t.accepted ? .sequenced : .rejected, reason: t.reason,
                    batchNumber: batch.number, index: i, stateRoot: batch.newRoot, updatedAtMs: batch.createdAtMs)
            }
        }
    }

    func transaction(_ id: Digest32) async throws -> StoredTransaction? { state.withLock { $0.transactions[id] } }

    func batch(_ number: UInt64) async throws -> StoredBatch? {
        state.withLock { s in
            s.batches[number].map {
                StoredBatch(number: $0.number, prevRoot: $0.prevRoot, newRoot: $0.newRoot,
                            transactionIds: $0.transactions.map(\.tx.id), createdAtMs: $0.createdAtMs)
            }
        }
    }

    func latestBatchNumber() async throws -> UInt64? { state.withLock { $0.diffs.last?.number } }
    func saveSnapshot(_ snapshot: StateSnapshot) async throws {}

    var committedBatches: [SealedBatch] { state.withLock { $0.batches.values.sorted { $0.number < $1.number } } }
}

enum TestStoreError: Error { case genesisMismatch }

/// Deterministic keys and a funded genesis for engine tests.
struct EngineFixture {
    let keys: [PrivateKey]
    let genesis: Genesis
    var config: SettlementConfig

    init(accounts: Int = 8, balance: UInt256 = 1_000_000, seed: UInt64 = 42) {
        var rng = SeededGenerator(seed: seed)
        keys = (0..<accounts).map { _ in PrivateKey.generate(using: &rng) }
        genesis = Genesis(chainId: 1337, allocations: keys.map { ($0.address, balance) })
        var c = SettlementConfig()
        c.chainId = 1337
        c.batchSize = 50
        c.batchTimeoutMs = 5
        c.maxPendingTransactions = 10_000
        c.futureNonceTimeoutMs = 200
        config = c
    }

    func engine(store: any SettlementStore = InMemoryStoreDouble()) async throws -> SettlementEngine {
        var logger = Logger(label: "engine-test")
        logger.logLevel = .critical
        let e = try SettlementEngine(config: config, genesis: genesis, store: store, logger: logger)
        try await e.start()
        return e
    }

    func transfer(from i: Int, to j: Int, value: UInt256, fee: UInt256 = 1, nonce: UInt64, chainId: UInt64 = 1337) -> SignedTransfer {
        SignedTransfer.sign(Transfer(from: keys[i].address, to: keys[j].address, value: value, fee: fee, nonce: nonce),
                            chainId: chainId, with: keys[i])
    }
}
