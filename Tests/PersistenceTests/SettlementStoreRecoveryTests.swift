import Foundation
import Logging
import Persistence
import PostgresDriver
import Settlement
import XCTest

/// The store across PostgreSQL restarts and crashes (on a server of its own, never the shared
/// one), and the engine restarted on a new store object over the same database.
final class SettlementStoreRecoveryTests: XCTestCase {
    private static let serverTask = Task { try await PostgresTestServer.startServer(name: "store-recovery") }

    private func server() async throws -> EmbeddedPostgres {
        let server = try await Self.serverTask.value
        TestServers.register(server)
        try await server.start()  // no-op when running; brings it back after a failed test
        return server
    }

    private func freshDatabase(on server: EmbeddedPostgres) async throws -> String {
        let name = "store_\(getpid())_\(UInt32.random(in: 0 ... .max))"
        let admin = try await PostgresConnection.connect(await server.url())
        try await admin.execute("CREATE DATABASE \(name)")
        await admin.close()
        return await server.url(database: name)
    }

    func testCommitsSurvivePostgresRestartAndCrash() async throws {
        let server = try await server()
        let url = try await freshDatabase(on: server)
        var chain = StoreTestChain()
        let store = PostgresSettlementStore(conninfo: url, reconnectTimeout: .seconds(60))
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        let b1 = chain.makeBatch(count: 500)
        try await store.commit(b1)

        // Clean restart between commits: the next commit and query reconnect by themselves.
        try await withTimeout { try await server.restart() }
        let b2 = chain.makeBatch(count: 500)
        try await withTimeout { try await store.commit(b2) }
        let s1 = try await withTimeout { try await store.transaction(b1.transactions[0].tx.id) }
        XCTAssertEqual(s1?.batchNumber, 1)

        // Crash (SIGKILL) while the store is idle; a commit while the server is down fails
        // (short reconnect timeout), and the engine's retry succeeds once it is back.
        let impatient = PostgresSettlementStore(conninfo: url, reconnectTimeout: .milliseconds(300))
        let latestBefore = try await impatient.latestBatchNumber()
        XCTAssertEqual(latestBefore, 2)
        try await withTimeout { try await server.kill() }
        let b3 = chain.makeBatch(count: 500)
        do {
            try await withTimeout { try await impatient.commit(b3) }
            XCTFail("expected a connection error while the server is down")
        } catch {
            XCTAssertEqual((error as? PostgresError)?.kind, .connection, "\(error)")
        }
        try await withTimeout { try await server.start() }
        try await withTimeout { try await impatient.commit(b3) }
        try await withTimeout { try await impatient.commit(b3) }  // a retry after an unknown outcome: no-op
        let latest = try await store.latestBatchNumber()
        XCTAssertEqual(latest, 3)
        let stored = try await store.batch(3)
        XCTAssertEqual(stored?.transactionIds, b3.transactions.map(\.tx.id))
        await impatient.close()
        await store.close()

        let reopened = PostgresSettlementStore(conninfo: url)
        let opened = try await reopened.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        XCTAssertEqual(opened.diffs.map(\.number), [0, 1, 2, 3])
        XCTAssertEqual(opened.diffs.last?.root, chain.state.root)
        await reopened.close()
    }

    func testEngineRestartedOnANewStoreContinuesWithTheSameRoot() async throws {
        let server = try await server()
        let url = try await freshDatabase(on: server)
        var rng = SeededGenerator(seed: 42)
        let keys = (0..<8).map { _ in PrivateKey.generate(using: &rng) }
        let genesis = Genesis(chainId: 1337, allocations: keys.map { ($0.address, UInt256(1_000_000)) })
        var config = SettlementConfig()
        config.chainId = 1337
        config.batchSize = 50
        config.batchTimeoutMs = 5
        config.maxPendingTransactions = 10_000
        var logger = Logger(label: "store-engine-test")
        logger.logLevel = .critical
        @Sendable func transfer(_ i: Int, nonce: UInt64) -> SignedTransfer {
            SignedTransfer.sign(Transfer(from: keys[i].address, to: keys[(i + 1) % 8].address, value: 10, fee: 1, nonce: nonce),
                                domain: SigningDomain(genesis: genesis), with: keys[i])
        }

        let store = PostgresSettlementStore(conninfo: url, logger: logger)
        let engine = try SettlementEngine(config: config, genesis: genesis, store: store, logger: logger)
        try await engine.start()
        // 200 transfers: 8 senders in parallel, 25 nonces each in order.
        let receipts = try await withTimeout {
            try await withThrowingTaskGroup(of: [Receipt].self) { group in
                for i in 0..<8 {
                    group.addTask {
                        var out: [Receipt] = []
                        for n in 0..<25 { out.append(try await engine.submitAndWait(transfer(i, nonce: UInt64(n)))) }
                        return out
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }
        XCTAssertEqual(receipts.count, 200)
        XCTAssertTrue(receipts.allSatisfy { $0.status == .sequenced }, receipts.first { $0.status != .sequenced }?.reason ?? "")
        let someone = receipts[17]
        let status = try await engine.status(of: someone.id)
        XCTAssertEqual(status?.status, .sequenced)
        XCTAssertEqual(status?.batchNumber, someone.batchNumber)
        XCTAssertEqual(status?.index, someone.indexInBatch)
        await engine.stop()
        let head = engine.head
        let root = try engine.account(keys[0].address).root
        XCTAssertEqual(head.root, root)
        XCTAssertGreaterThanOrEqual(head.batch, 4)
        await store.close()

        // A new store object and a new engine over the same database.
        let store2 = PostgresSettlementStore(conninfo: url, logger: logger)
        let engine2 = try SettlementEngine(config: config, genesis: genesis, store: store2, logger: logger)
        try await engine2.start()
        XCTAssertEqual(engine2.head.batch, head.batch)
        XCTAssertEqual(engine2.head.root, head.root)
        // Key 0 paid 25 × (10 + 1) and received 25 × 10 from key 7.
        let expected = Account(balance: UInt256(1_000_000 - 25), nonce: 25)
        XCTAssertEqual(try engine2.account(keys[0].address).account, expected)
        let next = try await withTimeout { try await engine2.submitAndWait(transfer(0, nonce: 25)) }
        XCTAssertEqual(next.status, .sequenced, next.reason)
        XCTAssertEqual(next.batchNumber, head.batch + 1)
        await engine2.stop()
        let latest = try await store2.latestBatchNumber()
        XCTAssertEqual(latest, head.batch + 1)
        await store2.close()
    }
}
