import Foundation
import Persistence
import PostgresDriver
import Settlement
import Synchronization
import XCTest

/// The replica side of `PostgresSettlementStore` (`ReplicationStore`) against a real PostgreSQL:
/// the lease and its terms, fencing of commits, the committed-batch feed and notifications.
final class ReplicationStoreTests: PostgresTestCase {
    private func openStore(_ chain: StoreTestChain) async throws -> PostgresSettlementStore {
        let store = PostgresSettlementStore(conninfo: url)
        _ = try await store.open(genesis: chain.genesis, genesisDiff: chain.genesisDiff, genesisRoot: chain.genesisRoot)
        return store
    }

    func testLeaseTermsGrowWithEveryAcquisitionAndOnlyTheHolderRenews() async throws {
        let store = try await openStore(StoreTestChain())
        let t1 = try await store.acquireLease(replica: "a", endpoint: "127.0.0.1:1", ttlMs: 60_000)
        XCTAssertEqual(t1, 1)
        let refused = try await store.acquireLease(replica: "b", endpoint: "127.0.0.1:2", ttlMs: 60_000)
        XCTAssertNil(refused, "a live lease of another replica must not be taken")
        // The same replica (a restarted process) takes it back at once, with a new term.
        let t2 = try await store.acquireLease(replica: "a", endpoint: "127.0.0.1:1", ttlMs: 60_000)
        XCTAssertEqual(t2, 2)
        let renewedOld = try await store.renewLease(replica: "a", term: 1, ttlMs: 60_000)
        let renewedByOther = try await store.renewLease(replica: "b", term: 2, ttlMs: 60_000)
        let renewed = try await store.renewLease(replica: "a", term: 2, ttlMs: 60_000)
        XCTAssertEqual([renewedOld, renewedByOther, renewed], [false, false, true])
        try await store.releaseLease(replica: "a", term: 2)
        let t3 = try await store.acquireLease(replica: "b", endpoint: "127.0.0.1:2", ttlMs: 60_000)
        XCTAssertEqual(t3, 3)
        let holder = try await store.currentLease()
        XCTAssertEqual(holder?.replica, "b")
        XCTAssertEqual(holder?.endpoint, "127.0.0.1:2")
        XCTAssertEqual(holder?.term, 3)
        XCTAssertGreaterThan(holder?.remainingMs ?? 0, 0)

        let conn = try await connect()
        let history = try await conn.query("SELECT term, holder, coalesce(previous, '') FROM leader_terms ORDER BY term")
        XCTAssertEqual(try history.map { [try $0.string(0), try $0.string(1), try $0.string(2)] },
                       [["1", "a", ""], ["2", "a", "a"], ["3", "b", "a"]])
        await conn.close()
        await store.close()
    }

    func testACommitOfAnOldTermIsFenced() async throws {
        var chain = StoreTestChain()
        let store = try await openStore(chain)
        // No lease yet: only a standalone (term 0) batch may commit.
        try await store.commit(chain.makeBatch(count: 10))
        let term = try await store.acquireLease(replica: "a", endpoint: "x:1", ttlMs: 200)!
        chain.term = term
        try await store.commit(chain.makeBatch(count: 10))

        // "a" stops renewing; "b" takes over after expiry; a's next batch is fenced.
        try await Task.sleep(for: .milliseconds(400))
        let newTerm = try await store.acquireLease(replica: "b", endpoint: "x:2", ttlMs: 60_000)
        XCTAssertEqual(newTerm, term + 1)
        let fenced = chain.makeBatch(count: 10)
        do {
            try await store.commit(fenced)
            XCTFail("a deposed leader's batch must not commit")
        } catch let lost as LeadershipLost {
            XCTAssertEqual(lost.term, term)
            XCTAssertEqual(lost.currentTerm, term + 1)
        }
        // Nor can a standalone (term 0) engine commit once a lease exists.
        let standalone = SealedBatch(number: fenced.number, prevRoot: fenced.prevRoot, newRoot: fenced.newRoot,
                                     createdAtMs: fenced.createdAtMs, transactions: fenced.transactions, diff: fenced.diff, term: 0)
        do {
            try await store.commit(standalone)
            XCTFail("a term-0 batch must be refused once a lease exists")
        } catch let lost as LeadershipLost {
            XCTAssertEqual(lost.currentTerm, term + 1)
        }
        let latest = try await store.latestBatchNumber()
        XCTAssertEqual(latest, 2, "the fenced batch \(fenced.number) must not be in the database")
        await store.close()
    }

    func testANewLeaderEndsTheOpenCommitOfAFrozenOne() async throws {
        let store = try await openStore(StoreTestChain())
        _ = try await store.acquireLease(replica: "a", endpoint: "x:1", ttlMs: 200)
        // What a leader frozen mid-commit holds: the lease row FOR SHARE in an open transaction.
        let frozen = try await connect()
        try await frozen.execute("BEGIN")
        _ = try await frozen.query("SELECT term FROM sequencer_lease FOR SHARE")
        try await Task.sleep(for: .milliseconds(400))
        let term = try await withTimeout(30) { try await store.acquireLease(replica: "b", endpoint: "x:2", ttlMs: 60_000) }
        XCTAssertEqual(term, 2)
        do {
            _ = try await frozen.query("SELECT 1")
            XCTFail("the frozen leader's session should have been terminated")
        } catch {
            XCTAssertEqual(error.kind, .connection, "\(error)")
        }
        await frozen.close()
        await store.close()
    }

    func testCommittedBatchesReadBackWithTheirTransactionsAndTerm() async throws {
        var chain = StoreTestChain()
        let store = try await openStore(chain)
        chain.term = try await store.acquireLease(replica: "a", endpoint: "x:1", ttlMs: 60_000)!
        var sealed: [SealedBatch] = []
        for _ in 0..<3 {
            let b = chain.makeBatch(count: 50)
            try await store.commit(b)
            sealed.append(b)
        }
        let read = try await store.committedBatches(after: 0, limit: 2)
        XCTAssertEqual(read.map(\.number), [1, 2])
        let rest = try await store.committedBatches(after: 2, limit: 10)
        XCTAssertEqual(rest.map(\.number), [3])
        for (b, s) in zip(read + rest, sealed) {
            XCTAssertEqual(b.prevRoot, s.prevRoot)
            XCTAssertEqual(b.newRoot, s.newRoot)
            XCTAssertEqual(b.term, chain.term)
            XCTAssertEqual(b.diff, s.diff)
            XCTAssertEqual(b.transactions, s.transactions.map {
                CommittedTransaction(id: $0.tx.id, accepted: $0.accepted, reason: $0.reason)
            })
        }
        let none = try await store.committedBatches(after: 3, limit: 10)
        XCTAssertTrue(none.isEmpty)
        await store.close()
    }

    func testNotificationsAnnounceCommitsAndAReconnect() async throws {
        var chain = StoreTestChain()
        let store = try await openStore(chain)
        let feed = await store.batchNotifications()
        // Everything the feed yields, collected by a task (every wait below is bounded).
        let seen = NotificationLog()
        let collector = Task { for await n in feed { seen.append(n) } }
        defer { collector.cancel() }
        // Wait until the listener is in place (a notification sent before LISTEN is not seen).
        let admin = try await connect()
        try await withTimeout(30) {
            while try await admin.query("SELECT 1 FROM pg_stat_activity WHERE query ILIKE 'LISTEN%'").isEmpty {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        try await store.commit(chain.makeBatch(count: 5))
        try await withTimeout(30) { while !seen.contains(.some(1)) { try await Task.sleep(for: .milliseconds(20)) } }
        // The server ends the listening session: the feed reports a possible gap (nil).
        _ = try await admin.query("""
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE pid <> pg_backend_pid() AND (query ILIKE 'LISTEN%' OR query = 'SELECT 1')
            """)
        let sawGap = try await withTimeout(30) {
            while !seen.contains(nil) { try await Task.sleep(for: .milliseconds(20)) }
            return true
        }
        XCTAssertTrue(sawGap)
        await admin.close()
        await store.close()
    }

    func testSnapshotMergedFromTheDatabaseEqualsTheLiveState() async throws {
        var chain = StoreTestChain(accounts: 60)
        let store = try await openStore(chain)
        for n in 1...6 {
            try await store.commit(chain.makeBatch(count: 40))
            if n == 2 { try await store.saveSnapshot(chain.state.snapshot()) }
        }
        // From the snapshot at batch 2 plus the diffs of 3...6, without any Merkle tree.
        let merged = try await store.snapshot(atBatch: 6)
        XCTAssertEqual(merged, chain.state.snapshot())
        try await store.saveSnapshot(merged!)
        // And it restores to the same root (restore recomputes and checks it).
        let restored = try StateManager(restoringFrom: merged!)
        XCTAssertEqual(restored.root, chain.state.root)
        let missing = try await store.snapshot(atBatch: 7)
        XCTAssertNil(missing)
        await store.close()
    }
}

/// What a notification feed yielded, shared with the test's waits.
final class NotificationLog: Sendable {
    private let items = Lock<[UInt64?]>([])
    func append(_ n: UInt64?) { items.withLock { $0.append(n) } }
    func contains(_ n: UInt64?) -> Bool { items.withLock { $0.contains(n) } }
}
