/// Carries transactions that a follower validated to the current sequencer and brings their
/// receipts back. Implemented over the project's own RPC (`RPC.LeaderForwarder`); the engine
/// only sees this protocol.
public protocol TransactionForwarder: Sendable {
    /// Sends `tx` to the leader; `onReceipt` gets its receipt exactly once. Transactions whose
    /// receipt has not come when the leader changes are sent again to the new one (a retry of a
    /// transaction that the old leader made durable gets that receipt back).
    func forward(_ tx: ValidatedTransfer, onReceipt: @escaping ReceiptHandler) throws(SubmitError)
    /// The current leader's endpoint (`host:port`), or nil while there is none or this replica is it.
    func setLeader(_ endpoint: String?)
    /// Whether `id` was forwarded and has no receipt yet (reported as PENDING).
    func isPending(_ id: Digest32) -> Bool
    /// Removes and returns every unanswered transaction with its receipt handler: this replica
    /// just became the sequencer and sequences them itself.
    func takeOutstanding() -> [(tx: ValidatedTransfer, onReceipt: ReceiptHandler)]
    /// Transactions forwarded and not yet answered.
    var pendingCount: Int { get }
    /// Stops: transactions still unanswered get an UNAVAILABLE-style rejection.
    func close() async
}
