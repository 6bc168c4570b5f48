import Foundation
import Synchronization
import XCTest

@testable import GRPC
import RPCTestSupport
@testable import SettlementAPI
import Settlement
import SettlementTestSupport

/// A hostile load (valid signatures from unfunded fresh keys, on several streams) and the
/// amplification rows, against the real service over loopback.
final class HostileAdmissionTests: XCTestCase {
    /// Fresh keys, each signing one transfer it cannot pay for.
    static func junk(_ count: Int, to: Address, seed: UInt64, domain: SigningDomain) -> [Settlement.SignedTransfer] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let key = PrivateKey.generate(using: &rng)
            return Settlement.SignedTransfer.sign(Transfer(from: key.address, to: to, value: 1, fee: 1, nonce: 0),
                                                  domain: domain, with: key)
        }
    }

    static func stream(_ f: SettlementFixture, _ transfers: [Settlement.SignedTransfer]) async throws -> [SettlementV1.TransactionReceipt] {
        try await f.client.bidirectionalStreaming(
            SettlementMethods.submitTransactions, timeout: .seconds(30)
        ) { (writer: RequestWriter<SettlementV1.SubmitTransactionsRequest>,
             responses: ResponseStream<SettlementV1.TransactionReceipt>) in
            async let sent: Void = {
                for (i, t) in transfers.enumerated() {
                    try await writer.send(.init(clientSequence: UInt64(i), transfer: .init(t)))
                }
                writer.finish()
            }()
            var out: [SettlementV1.TransactionReceipt] = []
            for try await r in responses { out.append(r) }
            try await sent
            return out
        }
    }

    /// Junk from unfunded keys floods 4 streams while commits are held back (so whatever enters
    /// the pool stays there): a funded user's transfers are all still admitted, and then
    /// sequenced; every junk transfer is REJECTED at the door ("insufficient balance") and none is
    /// stored. Before admission checked balances, the junk filled the pool (the funded user got
    /// RESOURCE_EXHAUSTED) and every junk transfer was executed and stored as REJECTED.
    func testUnfundedJunkDoesNotLockOutAFundedUserAndIsNotStored() async throws {
        let gate = CommitGate()
        let store = InMemorySettlementStore(commitGate: gate)
        let f = try await SettlementFixture.start(store: store, configure: { c in
            c.batchSize = 16
            c.maxPendingTransactions = 128
            c.maxConcurrentBatches = 1
        }, service: { $0.overloadRetryLimit = .milliseconds(500) })
        let sink = Address(hex: "0x00000000000000000000000000000000000000ab")!
        let junk = Self.junk(1_200, to: sink, seed: 99, domain: f.engine.domain)
        let funded = (0..<20).map { f.transfer(from: 0, to: sink, value: 5, nonce: UInt64($0)) }

        let started = ContinuousClock.now
        async let flood: [[SettlementV1.TransactionReceipt]] = withThrowingTaskGroup(of: [SettlementV1.TransactionReceipt].self) { g in
            for part in 0..<4 { g.addTask { try await Self.stream(f, Array(junk[(part * 300)..<((part + 1) * 300)])) } }
            var all: [[SettlementV1.TransactionReceipt]] = []
            for try await r in g { all.append(r) }
            return all
        }
        // While the flood runs: the funded user's transfers are admitted (none is refused as
        // RESOURCE_EXHAUSTED), each as its own unary call that waits for its receipt.
        try await Task.sleep(for: .milliseconds(50))
        let answers = Answers()
        let calls = funded.map { t in
            Task {
                do {
                    let r = try await f.submit(t)
                    answers.append(.success(r))
                } catch {
                    answers.append(.failure(error))
                }
            }
        }
        // Bounded: each stream has a 30 s deadline (junk admitted to the pool would wait for the
        // held-back commits; then the deadline fails the test instead of hanging it).
        let junkReceipts: [SettlementV1.TransactionReceipt]
        do {
            junkReceipts = try await flood.flatMap { $0 }
        } catch {
            gate.open()
            for c in calls { await c.value }
            await f.stop()
            XCTFail("the junk flood did not get its receipts: \(error)")
            return
        }
        let floodTime = ContinuousClock.now - started
        // A refusal would have come at once (RESOURCE_EXHAUSTED); commits are still held back, so
        // no funded call can have been answered otherwise.
        XCTAssertTrue(answers.all.isEmpty, "the funded user was refused during the flood: \(answers.all)")
        gate.open()
        for c in calls { await c.value }
        let results = answers.all
        XCTAssertEqual(results.count, funded.count)
        for r in results {
            switch r {
            case .success(let receipt): XCTAssertEqual(receipt.status, .sequenced, receipt.rejectionReason)
            case .failure(let e): XCTFail("the funded user was refused during the flood: \(e)")
            }
        }
        XCTAssertEqual(junkReceipts.count, junk.count)
        let reasons = Set(junkReceipts.map { String($0.rejectionReason.prefix(20)) })
        XCTAssertTrue(junkReceipts.allSatisfy { $0.status == .rejected }, "\(reasons)")
        XCTAssertEqual(reasons, ["insufficient balance"], "every junk transfer is refused for its balance")
        var stored = 0
        for t in junk where try await store.transaction(t.id) != nil { stored += 1 }
        XCTAssertEqual(stored, 0, "junk transfers cost no storage")
        print("row 6: \(junk.count) junk transfers refused in \(floodTime), \(stored) stored; "
              + "funded user: \(results.count) of \(funded.count) sequenced")
        await f.stop()
    }
}

/// Answers collected from concurrent calls.
final class Answers: Sendable {
    private let list = Lock<[Result<SettlementV1.TransactionReceipt, any Error>]>([])
    func append(_ r: Result<SettlementV1.TransactionReceipt, any Error>) { list.withLock { $0.append(r) } }
    var all: [Result<SettlementV1.TransactionReceipt, any Error>] { list.withLock { $0 } }
}
