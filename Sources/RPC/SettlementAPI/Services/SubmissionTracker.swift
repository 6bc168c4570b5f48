import GRPC
import Settlement
import Synchronization

/// The bookkeeping of one `SubmitTransactions` (or internal `Sequencer/Forward`) call: how many of its transfers have no written
/// receipt yet (bounded by `limit`: the reader waits for room), the outbound receipt queue, and the
/// end of the call (input finished and every receipt written).
final class SubmissionTracker: Sendable {
    private struct State {
        var unanswered = 0
        var inputDone = false
        var cancelled = false
        var waiter: CheckedContinuation<Void, any Error>?
    }

    private let state = Lock(State())
    private let limit: Int
    private let output: AsyncStream<SettlementV1.TransactionReceipt>.Continuation

    init(limit: Int, output: AsyncStream<SettlementV1.TransactionReceipt>.Continuation) {
        self.limit = limit
        self.output = output
    }

    /// Takes a slot for one more transfer, waiting while `limit` are unanswered. Throws
    /// `CancellationError` when the task is cancelled while waiting.
    func reserve() async throws {
        let now = state.withLock { s in
            guard s.unanswered < limit else { return false }
            s.unanswered += 1
            return true
        }
        if now { return }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let ready: Result<Void, any Error>? = state.withLock { s in
                    if s.cancelled { return .failure(CancellationError()) }
                    if s.unanswered < limit {
                        s.unanswered += 1
                        return .success(())
                    }
                    s.waiter = c
                    return nil
                }
                if let ready { c.resume(with: ready) }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Void, any Error>? = state.withLock { s in
                s.cancelled = true
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Queues a receipt for the writer (any thread; after the call ended it is dropped).
    func answer(_ receipt: SettlementV1.TransactionReceipt) {
        output.yield(receipt)
    }

    /// A receipt was written: frees its slot (handing it to a waiting reader), and ends the output
    /// when the input is finished and nothing is unanswered.
    func written() {
        let (waiter, finish): (CheckedContinuation<Void, any Error>?, Bool) = state.withLock { s in
            s.unanswered -= 1
            if let w = s.waiter, s.unanswered < limit {
                s.waiter = nil
                s.unanswered += 1
                return (w, false)
            }
            return (nil, s.inputDone && s.unanswered == 0)
        }
        waiter?.resume()
        if finish { output.finish() }
    }

    /// The client half-closed: ends the output once every receipt has been written.
    func inputFinished() {
        let finish = state.withLock { s in
            s.inputDone = true
            return s.unanswered == 0
        }
        if finish { output.finish() }
    }
}
