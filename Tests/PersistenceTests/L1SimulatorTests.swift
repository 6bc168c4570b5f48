import Persistence
import PostgresDriver
import Settlement
import SimulatedL1
import XCTest

/// The L1 simulator against a real PostgreSQL: production (manual and on the timer),
/// determinism, replicas sharing one chain, the arbiter's receipts, and reorg injection.
final class L1SimulatorTests: PostgresTestCase {
    let proposer = Address(bytes: [UInt8](repeating: 0xaa, count: 20))!
    let depositor = Address(bytes: [UInt8](repeating: 0xdd, count: 20))!
    let recipient = Address(bytes: [UInt8](repeating: 0x11, count: 20))!
    let genesisRoot = Keccak256.hash(utf8: "genesis root")
    let genesisMs: UInt64 = 1_700_000_000_000

    private func migrate(_ url: String) async throws {
        let conn = try await PostgresConnection.connect(url)
        try await Migrator().migrate(on: conn)
        await conn.close()
    }

    private func config(seed: UInt64 = 42, blockTimeMs: UInt64 = 60_000, producer: String = "a",
                        window: Int = 64) -> L1SimulatorConfig {
        L1SimulatorConfig(seed: seed, blockTimeMs: blockTimeMs, genesisTimestampMs: genesisMs,
                          arbiter: L1ArbiterConfig(genesisRoot: genesisRoot, proposer: proposer),
                          producerID: producer, producerLeaseMs: 60_000, checkpointWindow: window)
    }

    private func simulator(_ config: L1SimulatorConfig, url: String? = nil) async throws -> L1Simulator {
        let url = url ?? self.url
        try await migrate(url)
        let sim = L1Simulator(conninfo: url, config: config)
        try await sim.open()
        return sim
    }

    private func root(_ i: Int) -> Digest32 { i == 0 ? genesisRoot : Keccak256.hash(utf8: "root \(i)") }

    /// Commitment `index` over batches 2i+1...2i+2 (no transactions), from root i to root i+1.
    private func commitment(_ index: UInt64, prev: Digest32? = nil, nonce: UInt64? = nil) -> L1Transaction {
        let data = BatchData.encode([2 * index + 1, 2 * index + 2].map { BatchData.Batch(number: $0, transfers: []) },
                                    domain: L1ArbiterConfig.defaultRules.domain)
        let c = L1Commitment(index: index, firstBatch: 2 * index + 1, lastBatch: 2 * index + 2,
                             prevRoot: prev ?? root(Int(index)), newRoot: root(Int(index) + 1), dataRoot: committedRoot(data))
        return L1Transaction(sender: proposer, call: .postCommitment(c, data: data, bond: 1), nonce: nonce ?? index)
    }

    private func deposit(_ amount: UInt64, nonce: UInt64) -> L1Transaction {
        L1Transaction(sender: depositor, call: .deposit(l2Recipient: recipient, amount: UInt256(amount)), nonce: nonce)
    }

    /// Every canonical block from 1 to the head links to its predecessor.
    private func assertLinked(_ sim: L1Simulator, file: StaticString = #filePath, line: UInt = #line) async throws {
        let head = try await sim.head()
        var child = head
        while child.number > 0 {
            let parent = try await sim.block(number: child.number - 1)
            XCTAssertEqual(parent?.hash, child.parentHash, "block \(child.number) parent link", file: file, line: line)
            guard let parent else { return }
            child = parent
        }
    }

    func testManualBlocksTakeTheMempoolInSubmissionOrderWithIncreasingDepositIDs() async throws {
        let sim = try await simulator(config())
        let genesis = try await sim.head()
        XCTAssertEqual(genesis.number, 0)
        XCTAssertEqual(genesis.timestampMs, genesisMs)
        var hashes: [Digest32] = []
        for i in 0 ..< 3 { hashes.append(try await sim.submit(deposit(UInt64(10 + i), nonce: UInt64(i)))) }
        let again = try await sim.submit(deposit(10, nonce: 0))
        XCTAssertEqual(again, hashes[0])
        let pending = try await sim.pendingTransactionCount()
        XCTAssertEqual(pending, 3, "submitting the same transaction twice is idempotent")
        let early = try await sim.receipt(hashes[0])
        XCTAssertNil(early, "pending: no receipt")

        let b1 = try await sim.produceBlock()
        XCTAssertEqual(b1.number, 1)
        XCTAssertEqual(b1.parentHash, genesis.hash)
        XCTAssertEqual(b1.timestampMs, genesisMs + 60_000)
        let receipts = try await sim.receipts(fromBlock: 1, toBlock: 1)
        XCTAssertEqual(receipts.map(\.transactionHash), hashes)
        XCTAssertEqual(receipts.flatMap(\.events), (0 ..< 3).map {
            .depositMade(id: UInt64($0), l2Recipient: recipient, amount: UInt256(UInt64(10 + $0)))
        })
        // Later deposits continue the ids; an empty block in between changes nothing.
        try await sim.produceBlock()
        let h4 = try await sim.submit(deposit(99, nonce: 3))
        let b3 = try await sim.produceBlock()
        let r4 = try await sim.receipt(h4)
        XCTAssertEqual(r4?.blockHash, b3.hash)
        XCTAssertEqual(r4?.events, [.depositMade(id: 3, l2Recipient: recipient, amount: 99)])
        let resubmitted = try await sim.submit(deposit(99, nonce: 3))
        XCTAssertEqual(resubmitted, h4)
        let stillPending = try await sim.pendingTransactionCount()
        XCTAssertEqual(stillPending, 0, "an included transaction is not queued again")
        let state = try await sim.arbiterState()
        XCTAssertEqual(state.nextDepositID, 4)
        try await assertLinked(sim)
        await sim.close()
    }

    func testCommitmentsArePostedWithTheirBlockAndANonChainingOneIsReverted() async throws {
        let sim = try await simulator(config())
        let h0 = try await sim.submit(commitment(0))
        let b1 = try await sim.produceBlock()
        let r0 = try await sim.receipt(h0)
        XCTAssertEqual(r0?.events, [.commitmentPosted(commitment0, proposer: proposer)])
        let bad = try await sim.submit(commitment(1, prev: root(7)))
        let h1 = try await sim.submit(commitment(1, nonce: 11))
        let b2 = try await sim.produceBlock()
        let badReceipt = try await sim.receipt(bad)
        XCTAssertEqual(badReceipt?.succeeded, false)
        guard case .reverted(let reason)? = badReceipt?.events.first else { return XCTFail("not reverted: \(String(describing: badReceipt))") }
        XCTAssertTrue(reason.contains("does not chain"), reason)
        let r1 = try await sim.receipt(h1)
        XCTAssertEqual(r1?.succeeded, true)

        let all = try await sim.commitments(fromIndex: 0)
        XCTAssertEqual(all.map(\.commitment.index), [0, 1])
        XCTAssertEqual(all.map(\.block), [b1, b2])
        let later = try await sim.commitments(fromIndex: 1)
        XCTAssertEqual(later.map(\.commitment.newRoot), [root(2)])
        await sim.close()
    }

    private var commitment0: L1Commitment {
        guard case .postCommitment(let c, _, _, _) = commitment(0).call else { fatalError() }
        return c
    }

    func testOversizedSubmissionsAndCorruptStoredTransactionsAreRefused() async throws {
        let sim = try await simulator(config())
        let data = [UInt8](repeating: 7, count: L1Transaction.maxPayloadBytes + 1)
        let c = L1Commitment(index: 0, firstBatch: 1, lastBatch: 1, prevRoot: genesisRoot, newRoot: root(1),
                             dataRoot: committedRoot(data))
        do {
            _ = try await sim.submit(L1Transaction(sender: proposer, call: .postCommitment(c, data: data, bond: 1), nonce: 0))
            XCTFail("an oversized transaction must be refused")
        } catch let error as L1SimulatorError {
            guard case .invalidTransaction = error else { return XCTFail("\(error)") }
        }
        _ = try await sim.submit(deposit(1, nonce: 0))
        try await sim.produceBlock()
        // Another replica reading a stored transaction that no longer decodes (or hashes to its id).
        let conn = try await connect()
        try await conn.execute("UPDATE l1_sim_transactions SET encoded = '\\x01'")
        await conn.close()
        let reader = try await simulator(config(producer: "reader"))
        do {
            _ = try await reader.head()
            XCTFail("a corrupt stored transaction must be reported")
        } catch let error as L1SimulatorError {
            guard case .corrupt = error else { return XCTFail("\(error)") }
        }
        await sim.close()
        await reader.close()
    }

    func testTheSameSeedAndSubmissionsGiveTheSameHashes() async throws {
        let other = try await PostgresTestServer.shared.makeDatabase()
        defer { Task { try? await PostgresTestServer.shared.dropDatabase(other.name) } }
        var chains: [[Digest32]] = []
        for url in [url, other.url] {
            let sim = try await simulator(config(), url: url)
            _ = try await sim.submit(deposit(1, nonce: 0))
            _ = try await sim.submit(commitment(0))
            try await sim.produceBlock()
            try await sim.produceBlock()
            _ = try await sim.submit(deposit(2, nonce: 1))
            try await sim.produceBlock()
            var hashes: [Digest32] = []
            for n: UInt64 in 0 ... 3 { hashes.append(try await sim.block(number: n)!.hash) }
            chains.append(hashes)
            await sim.close()
        }
        XCTAssertEqual(chains[0], chains[1])
        XCTAssertEqual(Set(chains[0]).count, 4)

        // Another seed is another chain; a replica configured with it is refused.
        let third = try await PostgresTestServer.shared.makeDatabase()
        defer { Task { try? await PostgresTestServer.shared.dropDatabase(third.name) } }
        let reseeded = try await simulator(config(seed: 43), url: third.url)
        let otherGenesis = try await reseeded.block(number: 0)
        XCTAssertNotEqual(otherGenesis?.hash, chains[0][0])
        await reseeded.close()
        let mismatched = L1Simulator(conninfo: url, config: config(seed: 43))
        do {
            try await mismatched.open()
            XCTFail("a different seed must be refused")
        } catch let error as L1SimulatorError {
            guard case .configurationMismatch = error else { return XCTFail("\(error)") }
        }
        await mismatched.close()
    }

    func testTheTimerProducesBlocksAndTwoReplicasShareOneChainWithoutDoubleProducing() async throws {
        let blockTime: UInt64 = 150
        let a = try await simulator(config(blockTimeMs: blockTime, producer: "a"))
        let b = try await simulator(config(blockTimeMs: blockTime, producer: "b"))
        try await a.start()
        try await b.start()
        let tx = try await b.submit(deposit(5, nonce: 0))
        try await withTimeout {
            while try await a.head().number < 6 { try await Task.sleep(for: .milliseconds(50)) }
            while try await b.receipt(tx) == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        // Hand-off: the holder stops (releasing the lease), the other replica carries on.
        let holder = try await producers().last!
        let (stopped, running) = holder == "a" ? (a, b) : (b, a)
        await stopped.stop()
        let handOff = try await running.head().number
        try await withTimeout {
            while try await running.head().number < handOff + 3 { try await Task.sleep(for: .milliseconds(50)) }
        }
        await running.stop()

        // Both replicas read the same chain.
        let head = try await a.head()
        let headB = try await b.head()
        XCTAssertEqual(head, headB)
        for n in 0 ... head.number {
            let x = try await a.block(number: n), y = try await b.block(number: n)
            XCTAssertEqual(x, y)
        }
        try await assertLinked(b)
        // One producer at a time, and never two blocks within a block time (database clock).
        let runs = try await producers().reduce(into: [String]()) { runs, p in if runs.last != p { runs.append(p) } }
        XCTAssertEqual(runs.count, 2, "one hand-off, no alternation: \(runs)")
        let conn = try await connect()
        let gap = try await conn.query("""
            SELECT min(extract(epoch FROM produced_at - prev) * 1000)::float8 FROM (
                SELECT produced_at, lag(produced_at) OVER (ORDER BY number) AS prev FROM l1_sim_blocks WHERE canonical) s
            """)
        XCTAssertGreaterThanOrEqual(try gap[0].double(0), Double(blockTime))
        await conn.close()
        await a.close()
        await b.close()
    }

    /// The producers of the timer's blocks (all but genesis), in block order.
    private func producers() async throws -> [String] {
        let conn = try await connect()
        let rows = try await conn.query("SELECT producer FROM l1_sim_blocks WHERE canonical AND number > 0 ORDER BY number")
        await conn.close()
        return try rows.map { try $0.string(0) }
    }

    /// Blocks 1...5 with a deposit in block 3 and commitment 0 in block 4; `reader` (another replica
    /// with a small checkpoint window) has read the chain before the reorg.
    private func reorgFixture() async throws -> (sim: L1Simulator, reader: L1Simulator, deposit: Digest32,
                                                 commitment: Digest32, before: [L1BlockHeader]) {
        let sim = try await simulator(config())
        let reader = try await simulator(config(producer: "reader", window: 2))
        try await sim.produceBlock()
        try await sim.produceBlock()
        let d = try await sim.submit(deposit(7, nonce: 0))
        try await sim.produceBlock()
        let c = try await sim.submit(commitment(0))
        try await sim.produceBlock()
        try await sim.produceBlock()
        var before: [L1BlockHeader] = []
        for n: UInt64 in 0 ... 5 { before.append(try await reader.block(number: n)!) }
        let posted = try await reader.commitments(fromIndex: 0)
        XCTAssertEqual(posted.count, 1)
        return (sim, reader, d, c, before)
    }

    func testAReorgDroppingTransactionsRemovesTheCommitmentAndItsReceipt() async throws {
        let (sim, reader, d, c, before) = try await reorgFixture()
        let branch = try await sim.reorg(depth: 3, dropTransactions: true)
        XCTAssertEqual(branch.map(\.number), [3, 4, 5])
        for view in [sim, reader] {
            let head = try await view.head()
            XCTAssertEqual(head.number, 5)
            for n in 0 ... 5 {
                let block = try await view.block(number: UInt64(n))!
                if n <= 2 { XCTAssertEqual(block, before[n]) } else { XCTAssertNotEqual(block.hash, before[n].hash) }
            }
            try await assertLinked(view)
            let (rc, rd) = (try await view.receipt(c), try await view.receipt(d))
            XCTAssertNil(rc)
            XCTAssertNil(rd)
            let commitments = try await view.commitments(fromIndex: 0)
            XCTAssertTrue(commitments.isEmpty)
            let state = try await view.arbiterState()
            XCTAssertEqual(state.nextDepositID, 0)
        }
        let pending = try await sim.pendingTransactionCount()
        XCTAssertEqual(pending, 0)
        try await sim.produceBlock()
        let stillGone = try await reader.receipt(c)
        XCTAssertNil(stillGone, "a dropped transaction stays dropped until re-sent")
        // Re-posting works (the same transaction, as the finality engine would re-send it).
        _ = try await sim.submit(commitment(0))
        let again = try await sim.produceBlock()
        let reposted = try await reader.receipt(c)
        XCTAssertEqual(reposted?.blockHash, again.hash)
        await sim.close()
        await reader.close()
    }

    func testAReorgKeepingTransactionsReincludesThemInOrder() async throws {
        let (sim, reader, d, c, before) = try await reorgFixture()
        let branch = try await sim.reorg(depth: 4, dropTransactions: false, extraBlocks: 1)
        XCTAssertEqual(branch.map(\.number), [2, 3, 4, 5, 6])
        XCTAssertEqual(branch.first?.parentHash, before[1].hash)
        let afterReorg = try await reader.receipt(c)
        XCTAssertNil(afterReorg, "pending again after the reorg")
        let pending = try await sim.pendingTransactionCount()
        XCTAssertEqual(pending, 2)
        let b7 = try await sim.produceBlock()
        let receipts = try await reader.receipts(fromBlock: 7, toBlock: 7)
        XCTAssertEqual(receipts.map(\.transactionHash), [d, c], "original submission order")
        let commitments = try await reader.commitments(fromIndex: 0)
        XCTAssertEqual(commitments.map(\.block), [b7])
        try await assertLinked(reader)

        do {
            try await sim.reorg(depth: 8, dropTransactions: false)
            XCTFail("cannot drop genesis")
        } catch let error as L1SimulatorError {
            XCTAssertEqual(error, .invalidReorgDepth(depth: 8, head: 7))
        }
        await sim.close()
        await reader.close()
    }
}
