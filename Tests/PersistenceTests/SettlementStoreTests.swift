import Foundation
import Persistence
import PostgresDriver
import Settlement
import XCTest

/// `PostgresSettlementStore` against a real PostgreSQL (a fresh database per test).
final class SettlementStoreTests: PostgresTestCase {
    private func makeStore(readers: Int = 2) -> PostgresSettlementStore {
        PostgresSettlementStore(conninfo: url, readerCount: readers)
    }

    func testOpenOnEmptyDatabaseWritesGenesisAndReopenReturnsTheSameChain() async throws {
        let chain = StoreTestChain()
        let store = makeStore()
        let opened = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        XCTAssertNil(opened.snapshot)
        XCTAssertEqual(opened.diffs.count, 1)
        XCTAssertEqual(opened.diffs.first?.number, 0)
        XCTAssertEqual(opened.diffs.first?.diff, chain.genesisDiff)
        XCTAssertEqual(opened.diffs.first?.root, chain.genesisRoot)
        let latest = try await store.latestBatchNumber()
        XCTAssertEqual(latest, 0)
        let zero = try await store.batch(0)
        XCTAssertEqual(zero?.prevRoot, .zero)
        XCTAssertEqual(zero?.newRoot, chain.genesisRoot)
        XCTAssertEqual(zero?.transactionIds, [])
        let missing = try await store.batch(1)
        XCTAssertNil(missing)

        let conn = try await connect()
        let meta = try await conn.query("SELECT key, value FROM chain_meta ORDER BY key")
        XCTAssertEqual(try meta.map { try $0.string(0) }, ["chain_id", "genesis_hash"])
        XCTAssertEqual(try meta[1].bytes(1), chain.genesis.hash.bytes)
        XCTAssertEqual(try meta[0].bytes(1), [0, 0, 0, 0, 0, 0, 0x05, 0x39])  // 1337
        await conn.close()
        await store.close()

        // A new store object over the same database: same chain, nothing written twice.
        let again = makeStore()
        let reopened = try await again.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        XCTAssertNil(reopened.snapshot)
        XCTAssertEqual(reopened.diffs.map(\.number), [0])
        XCTAssertEqual(reopened.diffs.first?.diff, chain.genesisDiff)
        XCTAssertEqual(reopened.diffs.first?.root, chain.genesisRoot)
        await again.close()
    }

    func testDifferentGenesisIsRefusedWithAClearMessage() async throws {
        let a = StoreTestChain(seed: 1)
        let b = StoreTestChain(seed: 2)
        let store = makeStore()
        _ = try await store.open(genesis: a.genesis, genesisDiff: a.genesisDiff, genesisRoot: a.genesisRoot)
        await store.close()
        let other = makeStore()
        do {
            _ = try await other.open(genesis: b.genesis, genesisDiff: b.genesisDiff, genesisRoot: b.genesisRoot)
            XCTFail("expected the other genesis to be refused")
        } catch {
            XCTAssertEqual(error as? SettlementStoreError, .genesisMismatch(stored: a.genesis.hash, expected: b.genesis.hash))
            let message = "\(error)"
            XCTAssertTrue(message.contains("database was initialised from a different genesis"), message)
            XCTAssertTrue(message.contains(a.genesis.hash.description) && message.contains(b.genesis.hash.description), message)
            XCTAssertTrue(message.contains("use another data directory or database"), message)
        }
        await other.close()
    }

    func testCommitThreeBatchesAndReadEverythingBack() async throws {
        var chain = StoreTestChain()
        let store = makeStore()
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        let listener = try await connect()
        try await listener.listen(PostgresSettlementStore.notificationChannel)

        var batches: [SealedBatch] = []
        for _ in 0..<3 {
            let batch = chain.makeBatch(count: 1_000)
            try await store.commit(batch)
            batches.append(batch)
        }
        let rejected = batches.flatMap(\.transactions).filter { !$0.accepted }.count
        XCTAssertGreaterThan(rejected, 50, "the fixture includes rejected transactions")

        let latest = try await store.latestBatchNumber()
        XCTAssertEqual(latest, 3)
        for batch in batches {
            let stored = try await store.batch(batch.number)
            XCTAssertEqual(stored?.number, batch.number)
            XCTAssertEqual(stored?.prevRoot, batch.prevRoot)
            XCTAssertEqual(stored?.newRoot, batch.newRoot)
            XCTAssertEqual(stored?.createdAtMs, batch.createdAtMs)
            XCTAssertEqual(stored?.transactionIds, batch.transactions.map(\.tx.id))
            for (i, t) in batch.transactions.enumerated() where i % 7 == 0 || !t.accepted {
                let s = try await store.transaction(t.tx.id)
                XCTAssertEqual(s?.id, t.tx.id)
                XCTAssertEqual(s?.status, t.accepted ? .sequenced : .rejected)
                XCTAssertEqual(s?.reason, t.reason)
                XCTAssertEqual(s?.batchNumber, batch.number)
                XCTAssertEqual(s?.index, i)
                XCTAssertEqual(s?.stateRoot, batch.newRoot)
                XCTAssertGreaterThan(s?.updatedAtMs ?? 0, batch.createdAtMs - 60_000)
            }
        }
        let unknown = try await store.transaction(Digest32(w0: 1, w1: 2, w2: 3, w3: 4))
        XCTAssertNil(unknown)

        // Every column of one row, as written by the COPY.
        let conn = try await connect()
        let t = batches[1].transactions[5]
        let row = try await conn.query("""
            SELECT sender, recipient, value, fee, nonce, chain_id, signature, status, reason, received_at
            FROM transactions WHERE batch_number = 2 AND idx = 5
            """)[0]
        XCTAssertEqual(try row.bytes(0), t.tx.transfer.from.bytes)
        XCTAssertEqual(try row.bytes(1), t.tx.transfer.to.bytes)
        XCTAssertEqual(try row.bytes(2), t.tx.transfer.value.bigEndianBytes)
        XCTAssertEqual(try row.bytes(3), t.tx.transfer.fee.bigEndianBytes)
        XCTAssertEqual(try row.int64(4), Int64(t.tx.transfer.nonce))
        XCTAssertEqual(try row.int64(5), 1337)
        XCTAssertEqual(try row.bytes(6), t.tx.signed.signature)
        XCTAssertEqual(try row.int(7), t.accepted ? 2 : 6)
        XCTAssertEqual(try row.string(8), t.reason)
        XCTAssertEqual(try row.date(9).timeIntervalSinceNow, 0, accuracy: 120)
        let counts = try await conn.query("SELECT count(*), sum(tx_count), sum(accepted_count) FROM batches WHERE number > 0")
        XCTAssertEqual(try counts[0].int64(0), 3)
        XCTAssertEqual(try counts[0].int64(1), 3_000)
        XCTAssertEqual(try counts[0].int64(2), Int64(3_000 - rejected))
        await conn.close()

        // One notification per commit, in order, with the batch number.
        let payloads = try await withTimeout(30) {
            var seen: [String] = []
            for await n in listener.notifications {
                seen.append(n.payload)
                if seen.count == 3 { break }
            }
            return seen
        }
        XCTAssertEqual(payloads, ["1", "2", "3"])
        await listener.close()
        await store.close()

        // Reopened: genesis plus the three diffs, which replay to the recorded roots.
        let again = makeStore()
        let reopened = try await again.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        XCTAssertNil(reopened.snapshot)
        XCTAssertEqual(reopened.diffs.map(\.number), [0, 1, 2, 3])
        let replay = StateManager()
        for d in reopened.diffs { XCTAssertEqual(replay.apply(diff: d.diff), d.root) }
        XCTAssertEqual(reopened.diffs.map(\.root), [chain.genesisRoot] + batches.map(\.newRoot))
        XCTAssertEqual(replay.root, chain.state.root)
        await again.close()
    }

    func testRecommitIsANoOpAndADifferentBatchIsRefused() async throws {
        var chain = StoreTestChain()
        let store = makeStore()
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        var fork = chain  // the same chain so far, diverging below (StateManager is a class: copy it)
        fork.state = StateManager()
        _ = fork.state.apply(diff: chain.genesisDiff)

        let b1 = chain.makeBatch(count: 200)
        try await store.commit(b1)
        try await store.commit(b1)  // e.g. after .commitOutcomeUnknown: already durable
        let conn = try await connect()
        let count = try await conn.query("SELECT count(*) FROM transactions")
        XCTAssertEqual(try count[0].int64(0), 200)

        // Another batch 1 (other transfers, other root).
        fork.rng = SeededGenerator(seed: 999)
        let other = fork.makeBatch(count: 200)
        XCTAssertEqual(other.number, 1)
        XCTAssertNotEqual(other.newRoot, b1.newRoot)
        do {
            try await store.commit(other)
            XCTFail("expected a conflict")
        } catch {
            guard case .batchConflict(let n, _)? = error as? SettlementStoreError else { return XCTFail("\(error)") }
            XCTAssertEqual(n, 1)
            XCTAssertTrue("\(error)".contains("already durable"), "\(error)")
        }
        // A batch 1 with the same roots but other transactions is refused too.
        let sameRoots = SealedBatch(number: 1, prevRoot: b1.prevRoot, newRoot: b1.newRoot, createdAtMs: b1.createdAtMs,
                                    transactions: Array(b1.transactions.dropLast()), diff: b1.diff)
        do {
            try await store.commit(sameRoots)
            XCTFail("expected a conflict")
        } catch {
            XCTAssertNotNil(error as? SettlementStoreError, "\(error)")
        }
        // A batch 2 that does not start from batch 1's root.
        let b2 = fork.makeBatch(count: 10)
        XCTAssertEqual(b2.number, 2)
        do {
            try await store.commit(b2)
            XCTFail("expected a chain break")
        } catch {
            XCTAssertEqual(error as? SettlementStoreError,
                           .chainBreak(number: 2, prevRoot: other.newRoot, storedPrevious: b1.newRoot))
        }
        // A gap (batch 4 before 3).
        let b2ok = chain.makeBatch(count: 10)
        try await store.commit(b2ok)
        _ = chain.makeBatch(count: 10)
        let b4 = chain.makeBatch(count: 10)
        do {
            try await store.commit(b4)
            XCTFail("expected a chain break")
        } catch {
            XCTAssertEqual(error as? SettlementStoreError, .chainBreak(number: 4, prevRoot: b4.prevRoot, storedPrevious: nil))
        }
        let after = try await conn.query("SELECT count(*), max(batch_number) FROM transactions")
        XCTAssertEqual(try after[0].int64(0), 210)
        XCTAssertEqual(try after[0].int64(1), 2)
        await conn.close()
        await store.close()
    }

    /// The same signed transfer executed twice (rejected, then accepted after the sender was
    /// funded): both executions are stored and the status is the newest one.
    func testResubmittedTransactionShowsItsNewestExecution() async throws {
        var chain = StoreTestChain(accounts: 4)
        let store = makeStore()
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        let poor = PrivateKey.generate(using: &chain.rng)
        let t = SignedTransfer.sign(Transfer(from: poor.address, to: chain.keys[0].address, value: 5, fee: 1, nonce: 0),
                                    domain: chain.domain, with: poor)
        let b1 = chain.seal([t])
        XCTAssertFalse(b1.transactions[0].accepted)
        try await store.commit(b1)
        let fund = SignedTransfer.sign(Transfer(from: chain.keys[1].address, to: poor.address, value: 100, fee: 1, nonce: chain.nonces[1]),
                                       domain: chain.domain, with: chain.keys[1])
        chain.nonces[1] += 1
        let b2 = chain.seal([fund, t])
        XCTAssertTrue(b2.transactions.allSatisfy(\.accepted))
        try await store.commit(b2)
        let s = try await store.transaction(t.id)
        XCTAssertEqual(s?.status, .sequenced)
        XCTAssertEqual(s?.batchNumber, 2)
        XCTAssertEqual(s?.index, 1)
        let first = try await store.batch(1)
        XCTAssertEqual(first?.transactionIds, [t.id])
        await store.close()
    }

    func testSnapshotThenOpenReturnsItAndTheLaterDiffs() async throws {
        var chain = StoreTestChain()
        let store = makeStore()
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        try await store.commit(chain.makeBatch(count: 300))
        try await store.commit(chain.makeBatch(count: 300))
        let snap = chain.state.snapshot()
        XCTAssertEqual(snap.batch, 2)
        try await store.saveSnapshot(snap)
        try await store.saveSnapshot(snap)  // upsert
        let b3 = chain.makeBatch(count: 300)
        // Not durable yet: refused (open would otherwise rebuild past the durable chain).
        do {
            try await store.saveSnapshot(chain.state.snapshot())
            XCTFail("expected a refusal")
        } catch {
            XCTAssertEqual(error as? SettlementStoreError, .snapshotNotDurable(batch: 3, root: b3.newRoot, storedRoot: nil))
        }
        try await store.commit(b3)
        try await store.commit(chain.makeBatch(count: 300))
        await store.close()

        let again = makeStore()
        let opened = try await again.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        XCTAssertEqual(opened.snapshot, snap)
        XCTAssertEqual(opened.diffs.map(\.number), [3, 4])
        let rebuilt = try StateManager(restoringFrom: try XCTUnwrap(opened.snapshot))
        for d in opened.diffs { XCTAssertEqual(rebuilt.apply(diff: d.diff), d.root) }
        XCTAssertEqual(rebuilt.root, chain.state.root)
        await again.close()
    }

    func testConcurrentQueriesWhileCommitting() async throws {
        var chain = StoreTestChain()
        let store = makeStore()
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        let b1 = chain.makeBatch(count: 500)
        try await store.commit(b1)
        let later = (0..<4).map { _ in chain.makeBatch(count: 1_000) }
        let ids = b1.transactions.map(\.tx.id)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { for b in later { try await store.commit(b) } }
            for k in 0..<8 {
                group.addTask {
                    for i in stride(from: k, to: ids.count, by: 8) {
                        let s = try await store.transaction(ids[i])
                        XCTAssertEqual(s?.batchNumber, 1)
                        XCTAssertEqual(s?.index, i)
                    }
                }
            }
            try await group.waitForAll()
        }
        let latest = try await store.latestBatchNumber()
        XCTAssertEqual(latest, 5)
        await store.close()
    }
}

// MARK: - Fixture


/// A chain built with Settlement's own pipeline: signed transfers, stateless validation, batch
/// execution over an in-memory `StateManager`, sealed batches.
struct StoreTestChain {
    static let chainId: UInt64 = 1337
    static let feeAccount = Address(hex: "0x00000000000000000000000000000000000fee00")!
    let keys: [PrivateKey]
    let genesis: Genesis
    let genesisDiff: StateDiff
    let genesisRoot: Digest32
    var state = StateManager()
    var nonces: [UInt64]
    var rng: SeededGenerator
    var nextNumber: UInt64 = 1
    /// The signing domain of `genesis` (what an engine on it signs and validates in).
    let domain: SigningDomain
    let validation: ValidationPipeline
    let executor = BatchExecutor(feeAccount: feeAccount)

    init(accounts: Int = 40, balance: UInt256 = 1_000_000_000, seed: UInt64 = 1) {
        var rng = SeededGenerator(seed: seed)
        keys = (0..<accounts).map { _ in PrivateKey.generate(using: &rng) }
        self.rng = rng
        genesis = Genesis(chainId: Self.chainId, allocations: keys.map { ($0.address, balance) })
        genesisDiff = StateDiff(genesis.allocations.map { ($0.address, Account(balance: $0.balance, nonce: 0)) })
        genesisRoot = state.apply(diff: genesisDiff)
        domain = SigningDomain(genesis: genesis)
        validation = ValidationPipeline(domain: domain, maxFee: 1_000_000)
        nonces = Array(repeating: 0, count: accounts)
    }

    /// `count` transfers between the keys; about one in ten is rejected (overdraft or a nonce
    /// gap) without consuming its nonce.
    /// The fencing term stamped on the batches made next (0: no lease).
    var term: UInt64 = 0

    mutating func makeBatch(count: Int) -> SealedBatch {
        var transfers: [SignedTransfer] = []
        transfers.reserveCapacity(count)
        for _ in 0..<count {
            let i = Int(rng.next() % UInt64(keys.count))
            let j = Int(rng.next() % UInt64(keys.count))
            let kind = rng.next() % 20
            var value = UInt256(1 + rng.next() % 1_000)
            var nonce = nonces[i]
            if kind == 0 { value = UInt256(1_000_000_000_000_000) } else if kind == 1 { nonce += 1_000 } else { nonces[i] += 1 }
            transfers.append(SignedTransfer.sign(Transfer(from: keys[i].address, to: keys[j].address, value: value,
                                                          fee: UInt256(rng.next() % 5), nonce: nonce),
                                                 domain: domain, with: keys[i]))
        }
        return seal(transfers)
    }

    /// Validates, executes and seals `transfers` as the next batch.
    mutating func seal(_ transfers: [SignedTransfer]) -> SealedBatch {
        let validated = transfers.map { t -> ValidatedTransfer in
            guard case .success(let v) = validation.validate(t) else { fatalError("fixture transfer failed validation") }
            return v
        }
        let state = self.state
        let result = executor.execute(validated, lookup: { state.account($0) })
        let prev = state.root
        let root = state.apply(diff: result.diff)
        defer { nextNumber += 1 }
        return SealedBatch(number: nextNumber, prevRoot: prev, newRoot: root,
                           createdAtMs: UInt64(Date().timeIntervalSince1970 * 1000), transactions: result.transactions,
                           diff: result.diff, term: term, accountCount: state.accountCount)
    }
}
