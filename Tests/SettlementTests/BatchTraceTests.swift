import XCTest
@testable import Settlement

/// Transaction-by-transaction traces against the engine's whole-batch execution.
final class BatchTraceTests: XCTestCase {
    /// The engine executes a batch at once (`BatchExecutor` over all of it, one diff applied to
    /// `StateManager`); the trace executes it one transaction at a time. Same final state, so the
    /// batch's new root is the root after its last transaction, for every batch.
    func testBatchPostRootEqualsRootAfterLastTransaction() throws {
        let f = FraudProofFixture(seed: 31)
        // The engine only sequences transfers that pass stateless validation: keep those.
        let batches = f.randomBatches([1, 7, 40, 0, 25, 60], seed: 32)
            .map { $0.filter { f.rules.statelessRejection($0) == nil } }
        let state = StateManager()
        state.apply(diff: StateDiff(f.tree.sortedAccounts().map { (address: $0.address, account: $0.account) }))
        XCTAssertEqual(state.root, f.tree.root)
        var tree = f.tree
        let executor = BatchExecutor(feeAccount: f.rules.feeAccount)
        var rejected = 0
        for (n, batch) in batches.enumerated() {
            let trace = BatchTrace.execute(batch, on: &tree, rules: f.rules)
            let validated = batch.map { ValidatedTransfer(signed: $0, id: $0.id, receivedAt: .now) }
            let result = executor.execute(validated) { state.account($0) }
            XCTAssertEqual(trace.preRoot, state.root, "batch \(n)")
            state.apply(diff: result.diff)
            XCTAssertEqual(trace.postRoot, state.root, "batch \(n)")
            XCTAssertEqual(trace.transactionCount, batch.count)
            XCTAssertEqual(trace.rejections.map { $0 == nil }, result.transactions.map(\.accepted), "batch \(n)")
            rejected += trace.rejections.filter { $0 != nil }.count
        }
        XCTAssertGreaterThan(rejected, 0, "the workload should include stateful rejections")
    }

    /// A commitment trace chains its batches, answers every location, and its one-step proofs
    /// verify from each transaction's pre-root to its post-root.
    func testCommitmentTraceLocationsAndProofs() throws {
        let f = FraudProofFixture(seed: 33)
        let world = CommitmentWorld(fixture: f, sizes: [3, 0, 5, 1], seed: 34)
        let trace = world.honest
        XCTAssertEqual(trace.prevRoot, f.tree.root)
        XCTAssertEqual(trace.transactionCounts, [3, 0, 5, 1])
        for (b, batch) in trace.batches.enumerated() {
            XCTAssertEqual(batch.preRoot, trace.root(afterBatches: b))
            XCTAssertEqual(batch.postRoot, trace.root(afterBatches: b + 1))
            XCTAssertEqual(trace.root(at: .afterTransactions(batch: b, count: 0)), trace.root(at: .afterBatches(b)))
            for i in 0 ..< batch.transactionCount {
                let proof = world.honestProof(batch: b, index: i)
                XCTAssertEqual(proof.preRoot, batch.roots[i])
                let result = try OneStepVerifier(rules: f.rules).verify(proof)
                XCTAssertEqual(result.postRoot, batch.roots[i + 1], "batch \(b) tx \(i)")
                XCTAssertEqual(result.rejection, batch.rejections[i])
            }
        }
        XCTAssertEqual(trace.newRoot, trace.root(afterBatches: 4))
    }
}
