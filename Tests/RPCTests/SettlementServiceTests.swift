import Foundation
import Logging
import Synchronization
import XCTest

@testable import GRPC
import RPCTestSupport
@testable import SettlementAPI
import Settlement
import SettlementTestSupport

/// A real engine (in-memory store, small genesis), a real server with the settlement service, and
/// a real client over loopback.
struct SettlementFixture {
    static let chainId: UInt64 = 1337
    static let initialBalance = UInt256(1_000_000_000)

    let keys: [PrivateKey]
    let engine: SettlementEngine
    let service: SettlementService
    let server: TestServer
    let client: RPCClient

    static func start(senders: Int = 10, store: InMemorySettlementStore = InMemorySettlementStore(),
                      configure: (inout SettlementConfig) -> Void = { _ in },
                      service configureService: (inout SettlementService.Configuration) -> Void = { _ in }
    ) async throws -> SettlementFixture {
        let keys = (0..<senders).map { i in try! PrivateKey(bytes: [UInt8](repeating: 0, count: 30) + [0x51, UInt8(i + 1)]) }
        var config = SettlementConfig()
        config.chainId = chainId
        config.batchSize = 64
        config.batchTimeoutMs = 10
        config.maxPendingTransactions = 10_000
        config.retainedBatches = 64
        configure(&config)
        let genesis = Genesis(chainId: chainId, allocations: keys.map { ($0.address, initialBalance) })
        var logger = Logger(label: "settlement-test")
        logger.logLevel = .critical
        let engine = try SettlementEngine(config: config, genesis: genesis, store: store, logger: logger)
        try await engine.start()
        var serviceConfig = SettlementService.Configuration()
        configureService(&serviceConfig)
        let service = SettlementService(engine: engine, configuration: serviceConfig, logger: logger)
        let server = try TestServer.start([service])
        let client = try await server.client()
        return SettlementFixture(keys: keys, engine: engine, service: service, server: server, client: client)
    }

    func stop() async {
        await client.close()
        await server.stop()
        await engine.stop()
    }

    /// A transfer signed in `domain`, by default the engine's.
    func transfer(from sender: Int, to: Address, value: UInt64, fee: UInt64 = 1, nonce: UInt64,
                  domain: SigningDomain? = nil) -> Settlement.SignedTransfer {
        Settlement.SignedTransfer.sign(
            Transfer(from: keys[sender].address, to: to, value: UInt256(value), fee: UInt256(fee), nonce: nonce),
            domain: domain ?? engine.domain, with: keys[sender])
    }

    func submit(_ t: Settlement.SignedTransfer) async throws -> SettlementV1.TransactionReceipt {
        try await client.unary(SettlementMethods.submitTransaction, SettlementV1.SignedTransfer(t))
    }

    func account(_ address: [UInt8], root: [UInt8] = []) async throws -> SettlementV1.Account {
        try await client.unary(SettlementMethods.getAccount,
                               SettlementV1.GetAccountRequest(address: address, stateRoot: root))
    }
}

/// Checks an `Account` answer's compact proof against its root, as a client would.
private func assertProofVerifies(_ a: SettlementV1.Account, file: StaticString = #filePath, line: UInt = #line) throws {
    let proof = try MerkleProof(serialized: a.proof)
    let root = try XCTUnwrap(Digest32(bytes: a.stateRoot), file: file, line: line)
    let address = try XCTUnwrap(Address(bytes: a.address), file: file, line: line)
    let balance = try XCTUnwrap(UInt256(bigEndianBytes: a.balance), file: file, line: line)
    XCTAssertTrue(verifyProof(proof, root: root, address: address, account: Account(balance: balance, nonce: a.nonce)),
                  "the proof verifies against the returned root", file: file, line: line)
    XCTAssertEqual(a.proofSiblings, proof.siblings.filter { $0 != .zero }.map(\.bytes), file: file, line: line)
    XCTAssertEqual(a.exists, proof.isInclusion, file: file, line: line)
}

final class SettlementServiceTests: XCTestCase {
    func testSubmitThenStatusBatchAndAccountWithProof() async throws {
        let f = try await SettlementFixture.start()
        let recipient = Address(hex: "0x00000000000000000000000000000000000000aa")!
        let t = f.transfer(from: 0, to: recipient, value: 100, fee: 2, nonce: 0)

        let receipt = try await f.submit(t)
        XCTAssertEqual(receipt.status, .sequenced, receipt.rejectionReason)
        XCTAssertEqual(receipt.txId, t.id.bytes)
        XCTAssertGreaterThan(receipt.batchNumber, 0)
        XCTAssertEqual(receipt.stateRoot.count, 32)
        XCTAssertEqual(receipt.clientSequence, 0)
        XCTAssertGreaterThan(receipt.receivedAtMs, 0)

        // The status agrees with the receipt.
        let status = try await f.client.unary(SettlementMethods.getSettlementStatus,
                                              SettlementV1.GetSettlementStatusRequest(txId: t.id.bytes))
        XCTAssertEqual(status.status, .sequenced)
        XCTAssertEqual(status.batchNumber, receipt.batchNumber)
        XCTAssertEqual(status.stateRoot, receipt.stateRoot)
        XCTAssertEqual(status.txId, t.id.bytes)

        // The batch holds the transaction and ends at the receipt's root.
        let batch = try await f.client.unary(SettlementMethods.getBatch,
                                             SettlementV1.GetBatchRequest(batchNumber: receipt.batchNumber))
        XCTAssertEqual(batch.batchNumber, receipt.batchNumber)
        XCTAssertTrue(batch.txIds.contains(t.id.bytes))
        XCTAssertEqual(batch.newStateRoot, receipt.stateRoot)
        XCTAssertEqual(batch.prevStateRoot.count, 32)
        XCTAssertEqual(batch.status, .sequenced)

        // Sender and recipient after the transfer, with proofs against the returned root.
        let sender = try await f.account(f.keys[0].address.bytes)
        XCTAssertEqual(sender.balance, (SettlementFixture.initialBalance.checkedSub(UInt256(102))!).bigEndianBytes)
        XCTAssertEqual(sender.nonce, 1)
        XCTAssertTrue(sender.exists)
        XCTAssertEqual(sender.stateRoot, receipt.stateRoot, "no later batch in this test")
        XCTAssertEqual(sender.batchNumber, receipt.batchNumber)
        try assertProofVerifies(sender)

        let credited = try await f.account(recipient.bytes, root: receipt.stateRoot)
        XCTAssertEqual(credited.balance, UInt256(100).bigEndianBytes)
        XCTAssertEqual(credited.nonce, 0)
        XCTAssertTrue(credited.exists)
        try assertProofVerifies(credited)

        // An address without an account: an absence proof.
        let nobody = try await f.account(Address(hex: "0x1234567890123456789012345678901234567890")!.bytes)
        XCTAssertFalse(nobody.exists)
        XCTAssertEqual(nobody.balance, UInt256.zero.bigEndianBytes)
        try assertProofVerifies(nobody)

        // A later transfer moves the head on; the earlier root is still served (retained batch).
        let second = try await f.submit(f.transfer(from: 0, to: recipient, value: 5, fee: 0, nonce: 1))
        XCTAssertEqual(second.status, .sequenced, second.rejectionReason)
        XCTAssertGreaterThan(second.batchNumber, receipt.batchNumber)
        let before = try await f.account(recipient.bytes, root: receipt.stateRoot)
        XCTAssertEqual(before.batchNumber, receipt.batchNumber)
        XCTAssertEqual(before.balance, UInt256(100).bigEndianBytes)
        try assertProofVerifies(before)
        let after = try await f.account(recipient.bytes)
        XCTAssertEqual(after.balance, UInt256(105).bigEndianBytes)
        try assertProofVerifies(after)

        // Unknowns.
        await assertRPCError(.notFound) {
            try await f.client.unary(SettlementMethods.getSettlementStatus,
                                     SettlementV1.GetSettlementStatusRequest(txId: [UInt8](repeating: 7, count: 32)))
        }
        await assertRPCError(.notFound) {
            try await f.client.unary(SettlementMethods.getBatch, SettlementV1.GetBatchRequest(batchNumber: 1 << 40))
        }
        let e = await assertRPCError(.failedPrecondition) {
            try await f.account(recipient.bytes, root: [UInt8](repeating: 9, count: 32))
        }
        XCTAssertTrue(e?.message.contains("only the latest root and roots of retained batches are served") ?? false)
        await f.stop()
    }

    func testWrongChainIdIsRejectedWithAReason() async throws {
        let f = try await SettlementFixture.start()
        let t = f.transfer(from: 1, to: f.keys[2].address, value: 1, nonce: 0,
                           domain: SigningDomain(chainId: 1, salt: f.engine.domain.salt))
        let receipt = try await f.submit(t)
        XCTAssertEqual(receipt.status, .rejected)
        XCTAssertFalse(receipt.rejectionReason.isEmpty)
        XCTAssertTrue(receipt.rejectionReason.lowercased().contains("chain"), receipt.rejectionReason)
        XCTAssertTrue(receipt.stateRoot.isEmpty)
        await f.stop()
    }

    func testBadFieldLengthsAreInvalidArgument() async throws {
        let f = try await SettlementFixture.start()
        let good = SettlementV1.SignedTransfer(f.transfer(from: 0, to: f.keys[1].address, value: 1, nonce: 0))
        let cases: [(String, (inout SettlementV1.SignedTransfer) -> Void)] = [
            ("field from must be 20 bytes, got 19", { $0.from.removeLast() }),
            ("field to must be 20 bytes, got 0", { $0.to = [] }),
            ("field value must be 32 bytes, got 8", { $0.value = Array(UInt256(1).bigEndianBytes.suffix(8)) }),
            ("field fee must be 32 bytes, got 33", { $0.fee.append(0) }),
            ("field signature must be 65 bytes, got 64", { $0.signature.removeLast() }),
        ]
        for (message, mutate) in cases {
            var bad = good
            mutate(&bad)
            let e = await assertRPCError(.invalidArgument) {
                try await f.client.unary(SettlementMethods.submitTransaction, bad)
            }
            XCTAssertEqual(e?.message, message)
        }
        let e1 = await assertRPCError(.invalidArgument) {
            try await f.client.unary(SettlementMethods.getSettlementStatus,
                                     SettlementV1.GetSettlementStatusRequest(txId: [1, 2, 3]))
        }
        XCTAssertEqual(e1?.message, "field tx_id must be 32 bytes, got 3")
        let e2 = await assertRPCError(.invalidArgument) { try await f.account([UInt8](repeating: 1, count: 21)) }
        XCTAssertEqual(e2?.message, "field address must be 20 bytes, got 21")
        let e3 = await assertRPCError(.invalidArgument) { try await f.account(f.keys[0].address.bytes, root: [0]) }
        XCTAssertEqual(e3?.message, "field state_root must be 32 bytes, got 1")

        // The good transfer still goes through afterwards.
        let r = try await f.client.unary(SettlementMethods.submitTransaction, good)
        XCTAssertEqual(r.status, .sequenced, r.rejectionReason)
        await f.stop()
    }

    func testSubmitTransactionsStreamsEveryReceipt() async throws {
        let f = try await SettlementFixture.start(senders: 10)
        let recipient = Address(hex: "0x00000000000000000000000000000000000000bb")!
        var requests: [SettlementV1.SubmitTransactionsRequest] = []
        var ids: [UInt64: [UInt8]] = [:]
        for n in 0..<50 {
            for s in 0..<10 {
                let t = f.transfer(from: s, to: recipient, value: 10, nonce: UInt64(n))
                let sequence = UInt64(requests.count)
                ids[sequence] = t.id.bytes
                requests.append(SettlementV1.SubmitTransactionsRequest(clientSequence: sequence, transfer: .init(t)))
            }
        }
        // One malformed transfer: a REJECTED receipt, not the end of the stream.
        var broken = SettlementV1.SignedTransfer(f.transfer(from: 0, to: recipient, value: 1, nonce: 99))
        broken.signature = [1, 2, 3]
        requests.append(SettlementV1.SubmitTransactionsRequest(clientSequence: 500, transfer: broken))

        let toSend = requests
        let receipts = try await f.client.bidirectionalStreaming(
            SettlementMethods.submitTransactions
        ) { (writer: RequestWriter<SettlementV1.SubmitTransactionsRequest>,
             responses: ResponseStream<SettlementV1.TransactionReceipt>) in
            async let sent: Void = {
                for r in toSend { try await writer.send(r) }
                writer.finish()
            }()
            var out: [SettlementV1.TransactionReceipt] = []
            for try await r in responses { out.append(r) }
            try await sent
            return out
        }

        XCTAssertEqual(receipts.count, 501, "one receipt per request, then the call ends")
        XCTAssertEqual(Set(receipts.map(\.clientSequence)), Set(0...500))
        for r in receipts where r.clientSequence < 500 {
            XCTAssertEqual(r.status, .sequenced, "seq \(r.clientSequence): \(r.rejectionReason)")
            XCTAssertEqual(r.txId, ids[r.clientSequence])
            XCTAssertGreaterThan(r.batchNumber, 0)
            XCTAssertEqual(r.stateRoot.count, 32)
        }
        let rejected = try XCTUnwrap(receipts.first { $0.clientSequence == 500 })
        XCTAssertEqual(rejected.status, .rejected)
        XCTAssertEqual(rejected.rejectionReason, "INVALID_ARGUMENT: field transfer.signature must be 65 bytes, got 3")

        // Every sender's nonce moved to 50, and the recipient holds 500 × 10.
        for s in 0..<10 {
            let a = try await f.account(f.keys[s].address.bytes)
            XCTAssertEqual(a.nonce, 50)
        }
        let credited = try await f.account(recipient.bytes)
        XCTAssertEqual(credited.balance, UInt256(5_000).bigEndianBytes)
        try assertProofVerifies(credited)
        await f.stop()
    }

    func testSubscribeStatusSeesSequencedAndEveryBatch() async throws {
        let f = try await SettlementFixture.start()
        let t = f.transfer(from: 3, to: f.keys[4].address, value: 7, nonce: 0)

        // A subscription to the transaction's id, opened before the submission.
        let updates = try f.client.serverStreaming(SettlementMethods.subscribeStatus,
                                                   SettlementV1.SubscribeStatusRequest(txIds: [t.id.bytes]))
        // And one to every batch; wait until both are registered with the engine.
        let batches = try f.client.serverStreaming(SettlementMethods.subscribeStatus,
                                                   SettlementV1.SubscribeStatusRequest())
        for _ in 0..<4_000 where f.engine.events.subscriberCount < 2 { try await Task.sleep(for: .milliseconds(5)) }

        let receipt = try await f.submit(t)
        XCTAssertEqual(receipt.status, .sequenced, receipt.rejectionReason)

        var sequenced: SettlementV1.SettlementStatus?
        for try await update in updates {
            XCTAssertNil(update.batch)
            let s = try XCTUnwrap(update.status)
            XCTAssertEqual(s.txId, t.id.bytes)
            if s.status == .sequenced {
                sequenced = s
                break
            }
        }
        XCTAssertEqual(sequenced?.batchNumber, receipt.batchNumber)
        XCTAssertEqual(sequenced?.stateRoot, receipt.stateRoot)

        var summary: SettlementV1.Batch?
        for try await update in batches {
            let b = try XCTUnwrap(update.batch)
            XCTAssertEqual(update.status?.txId, [])
            XCTAssertEqual(update.status?.batchNumber, b.batchNumber)
            if b.txIds.contains(t.id.bytes) {
                summary = b
                break
            }
        }
        XCTAssertEqual(summary?.batchNumber, receipt.batchNumber)
        XCTAssertEqual(summary?.newStateRoot, receipt.stateRoot)
        XCTAssertEqual(summary?.status, .sequenced)

        // A transfer the balance does not cover is refused at admission: REJECTED with the reason,
        // and never stored (docs/admission.md), so its status is NOT_FOUND.
        let broke = f.transfer(from: 3, to: f.keys[4].address, value: 5_000_000_000, nonce: 1)
        let bad = try await f.submit(broke)
        XCTAssertEqual(bad.status, .rejected)
        XCTAssertTrue(bad.rejectionReason.hasPrefix("insufficient balance"), bad.rejectionReason)
        await assertRPCError(.notFound) {
            _ = try await f.client.unary(SettlementMethods.getSettlementStatus,
                                         SettlementV1.GetSettlementStatusRequest(txId: broke.id.bytes))
        }

        // Cancelling the calls removes the engine's subscribers.
        updates.call.cancel()
        batches.call.cancel()
        for _ in 0..<4_000 where f.engine.events.subscriberCount > 0 { try await Task.sleep(for: .milliseconds(5)) }
        XCTAssertEqual(f.engine.events.subscriberCount, 0)

        // A bad id length is INVALID_ARGUMENT.
        await assertRPCError(.invalidArgument) {
            let s = try f.client.serverStreaming(SettlementMethods.subscribeStatus,
                                                 SettlementV1.SubscribeStatusRequest(txIds: [[1]]))
            for try await _ in s {}
        }
        await f.stop()
    }

    func testPerformanceMetricsCountCommittedBatches() async throws {
        let f = try await SettlementFixture.start()
        let r = try await f.submit(f.transfer(from: 5, to: f.keys[6].address, value: 3, nonce: 0))
        XCTAssertEqual(r.status, .sequenced, r.rejectionReason)
        let m = try await f.client.unary(SettlementMethods.getPerformanceMetrics,
                                         SettlementV1.GetPerformanceMetricsRequest())
        XCTAssertGreaterThan(m.batchesCommitted, 0)
        XCTAssertEqual(m.windowSeconds, 60)
        XCTAssertGreaterThanOrEqual(m.transactionsSequenced, 1)
        XCTAssertGreaterThanOrEqual(m.stateAccounts, 11)
        XCTAssertGreaterThan(m.computedAtMs, 0)
        let capped = try await f.client.unary(SettlementMethods.getPerformanceMetrics,
                                              SettlementV1.GetPerformanceMetricsRequest(windowSeconds: 1_000_000))
        XCTAssertLessThanOrEqual(capped.windowSeconds, 3600)
        await f.stop()
    }

    /// Sends `requests` on one SubmitTransactions call (writing and reading concurrently) and
    /// returns every receipt once the call ended.
    private func stream(_ f: SettlementFixture, _ requests: [SettlementV1.SubmitTransactionsRequest],
                        afterSending: @escaping @Sendable () async throws -> Void = {}) async throws
        -> [SettlementV1.TransactionReceipt] {
        try await f.client.bidirectionalStreaming(
            SettlementMethods.submitTransactions
        ) { (writer: RequestWriter<SettlementV1.SubmitTransactionsRequest>,
             responses: ResponseStream<SettlementV1.TransactionReceipt>) in
            async let sent: Void = {
                for r in requests { try await writer.send(r) }
                writer.finish()
                try await afterSending()
            }()
            var out: [SettlementV1.TransactionReceipt] = []
            for try await r in responses { out.append(r) }
            try await sent
            return out
        }
    }

    func testFullPoolIsResourceExhaustedForUnaryAndPausesTheStream() async throws {
        // Commits wait for the gate; one batch of 4 in flight, one more taken by the sequencer, and
        // a pool of 4: the stream's 13th transfer finds the pool full and the reader pauses.
        let gate = CommitGate()
        let f = try await SettlementFixture.start(store: InMemorySettlementStore(commitGate: gate), configure: { c in
            c.batchSize = 4
            c.maxPendingTransactions = 4
            c.maxConcurrentBatches = 1
        }, service: { s in
            s.overloadRetryLimit = .seconds(3600) // never give up in this test: no timing dependence
            s.maxPendingPerConnection = 1_000 // the pool, not the connection's share, is what fills up
        })
        let recipient = Address(hex: "0x00000000000000000000000000000000000000cc")!
        let transfers = (0..<16).map { f.transfer(from: 0, to: recipient, value: 1, nonce: UInt64($0)) }
        let requests = transfers.enumerated().map {
            SettlementV1.SubmitTransactionsRequest(clientSequence: UInt64($0.offset), transfer: .init($0.element))
        }
        let pool = f.engine.pool
        let receipts = try await stream(f, requests) {
            // Batch 1 waits at the gate, the sequencer holds batch 2 (one batch in flight at most),
            // so the pool fills up and stays full until the gate opens. (Bounded wait: 20 s.)
            for _ in 0..<10_000 where pool.count < 4 { try await Task.sleep(for: .milliseconds(2)) }
            XCTAssertEqual(pool.count, 4, "the pool never filled up")
            // From the sender that fills the pool (another sender's next nonce would evict its
            // newest transfer instead: docs/admission.md).
            let e = await assertRPCError(.resourceExhausted) {
                try await f.submit(f.transfer(from: 0, to: recipient, value: 1, nonce: 20))
            }
            XCTAssertTrue(e?.message.contains("pool is full") ?? false, e?.message ?? "")
            gate.open()
        }
        XCTAssertEqual(receipts.count, 16)
        XCTAssertEqual(Set(receipts.map(\.clientSequence)), Set(0..<16))
        XCTAssertTrue(receipts.allSatisfy { $0.status == .sequenced }, receipts.map(\.rejectionReason).joined(separator: "; "))
        await f.stop()
    }

    func testCancellingAStreamPausedOnAFullPoolEndsItsHandler() async throws {
        let gate = CommitGate()
        let f = try await SettlementFixture.start(store: InMemorySettlementStore(commitGate: gate), configure: { c in
            c.batchSize = 4
            c.maxPendingTransactions = 4
            c.maxConcurrentBatches = 1
        }, service: {
            $0.overloadRetryLimit = .seconds(3600)
            $0.maxPendingPerConnection = 1_000 // the pool, not the connection's share, is what fills up
        })
        let recipient = Address(hex: "0x00000000000000000000000000000000000000ee")!
        let transfers = (0..<14).map { f.transfer(from: 0, to: recipient, value: 1, nonce: UInt64($0)) }
        let pool = f.engine.pool
        let service = f.service
        let outcome: String = try await f.client.bidirectionalStreaming(
            SettlementMethods.submitTransactions
        ) { (writer: RequestWriter<SettlementV1.SubmitTransactionsRequest>,
             responses: ResponseStream<SettlementV1.TransactionReceipt>) in
            for (i, t) in transfers.enumerated() {
                try await writer.send(.init(clientSequence: UInt64(i), transfer: .init(t)))
            }
            // Batch 1 waits at the gate and the sequencer holds batch 2, so the pool fills up and
            // the server's reader retries against it. (Bounded wait: 20 s.)
            for _ in 0..<10_000 where pool.count < 4 { try await Task.sleep(for: .milliseconds(2)) }
            XCTAssertEqual(pool.count, 4, "the pool never filled up")
            XCTAssertEqual(service.activeSubmissionStreams, 1)
            writer.call.cancel()
            do {
                for try await _ in responses {}
                return "ended"
            } catch {
                return "failed"
            }
        }
        XCTAssertEqual(outcome, "failed", "the cancelled call ends with an error on the client")
        // The handler (reader and writer tasks) finishes although no receipt was ever written.
        for _ in 0..<10_000 where service.activeSubmissionStreams > 0 { try await Task.sleep(for: .milliseconds(2)) }
        XCTAssertEqual(service.activeSubmissionStreams, 0)
        gate.open()
        await f.stop()
    }

    func testSmallStreamWindowStillAnswersEverything() async throws {
        let f = try await SettlementFixture.start(service: { $0.maxUnansweredPerStream = 2 })
        let recipient = Address(hex: "0x00000000000000000000000000000000000000dd")!
        var requests: [SettlementV1.SubmitTransactionsRequest] = []
        for n in 0..<10 {
            for s in 0..<2 {
                let t = f.transfer(from: s, to: recipient, value: 1, nonce: UInt64(n))
                requests.append(.init(clientSequence: UInt64(requests.count), transfer: .init(t)))
            }
        }
        let receipts = try await stream(f, requests)
        XCTAssertEqual(receipts.count, 20)
        XCTAssertEqual(Set(receipts.map(\.clientSequence)), Set(0..<20))
        XCTAssertTrue(receipts.allSatisfy { $0.status == .sequenced })
        await f.stop()
    }

    func testMessagesRoundTrip() throws {
        let status = SettlementV1.SettlementStatus(txId: [UInt8](repeating: 1, count: 32), status: .reverted,
                                                   rejectionReason: "fraud proof", batchNumber: 9,
                                                   stateRoot: [UInt8](repeating: 2, count: 32), l1BlockNumber: 4,
                                                   updatedAtMs: 5)
        let batch = SettlementV1.Batch(batchNumber: 9, prevStateRoot: [3], newStateRoot: [4], txIds: [[5], [6, 7]],
                                       createdAtMs: 8, status: .posted, l1TxHash: [9])
        let update = SettlementV1.StatusUpdate(status: status, batch: batch)
        XCTAssertEqual(try SettlementV1.StatusUpdate(protobufBytes: update.protobufBytes()), update)
        let account = SettlementV1.Account(address: [1], balance: [2], nonce: 3, proofSiblings: [[4], [5]], stateRoot: [6],
                                           batchNumber: 7, proof: [8, 9], exists: true)
        XCTAssertEqual(try SettlementV1.Account(protobufBytes: account.protobufBytes()), account)
        let request = SettlementV1.SubmitTransactionsRequest(
            clientSequence: 42, transfer: SettlementV1.SignedTransfer(from: [1], to: [2], value: [3], fee: [4], nonce: 5,
                                                                      chainId: 6, signature: [7], domainSalt: [8]))
        XCTAssertEqual(try SettlementV1.SubmitTransactionsRequest(protobufBytes: request.protobufBytes()), request)
        let receipt = SettlementV1.TransactionReceipt(clientSequence: 1, txId: [2], status: .sequenced, receivedAtMs: 3,
                                                      batchNumber: 4, stateRoot: [5])
        XCTAssertEqual(try SettlementV1.TransactionReceipt(protobufBytes: receipt.protobufBytes()), receipt)
        let metrics = SettlementV1.PerformanceMetrics(windowSeconds: 60, tps: 1.5, batchesCommitted: 3,
                                                      transactionsSequenced: 4, transactionsRejected: 5)
        XCTAssertEqual(try SettlementV1.PerformanceMetrics(protobufBytes: metrics.protobufBytes()), metrics)
        let subscribe = SettlementV1.SubscribeStatusRequest(txIds: [[1], [2, 3]])
        XCTAssertEqual(try SettlementV1.SubscribeStatusRequest(protobufBytes: subscribe.protobufBytes()), subscribe)
    }
}
