import GRPC

extension SubmissionTracker {
    /// Runs a stream of submissions (`SubmitTransactions`, the internal `Sequencer/Forward`): reads
    /// `requests` in one child task, taking a slot per request (at most `limit` without a written
    /// receipt) and handing it to `submit`, and writes the receipts `submit` answers to `responses`
    /// in another, in completion order through an `AsyncStream`. Ends after the client half-closed
    /// and every receipt was written, or when either side fails (both tasks are then cancelled).
    static func run(
        _ requests: RequestStream<SettlementV1.SubmitTransactionsRequest>,
        _ responses: ResponseWriter<SettlementV1.TransactionReceipt>, limit: Int,
        submit: @escaping @Sendable (SettlementV1.SubmitTransactionsRequest, SubmissionTracker) async throws -> Void
    ) async throws {
        let (receipts, sink) = AsyncStream.makeStream(of: SettlementV1.TransactionReceipt.self)
        let tracker = SubmissionTracker(limit: limit, output: sink)
        defer { sink.finish() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await receipt in receipts {
                    try await responses.send(receipt)
                    tracker.written()
                }
            }
            group.addTask {
                for try await request in requests {
                    try await tracker.reserve()
                    try await submit(request, tracker)
                }
                // The client half-closed: the output ends once every receipt is out.
                tracker.inputFinished()
            }
            do {
                for try await _ in group {}
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}
