/// The roots of a commitment's batches and of every transaction inside them, re-executed from the
/// commitment's previous root: what a party of a challenge game answers from (`root(at:)`) and
/// what a validator compares with the proposer's claimed new root.
public struct CommitmentTrace: Sendable, Hashable {
    /// One trace per batch of the commitment, in order; batch `k`'s pre-root is batch `k-1`'s
    /// post-root.
    public let batches: [BatchTrace]
    /// The root before the commitment (the previous commitment's new root).
    public let prevRoot: Digest32

    init(prevRoot: Digest32, batches: [BatchTrace]) {
        self.prevRoot = prevRoot
        self.batches = batches
    }

    /// The root after the commitment's last batch.
    public var newRoot: Digest32 { batches.last?.postRoot ?? prevRoot }
    /// Transactions per batch: what `ChallengeGame` needs to bisect inside a batch.
    public var transactionCounts: [Int] { batches.map(\.transactionCount) }

    /// The root after the first `count` batches (0: `prevRoot`).
    public func root(afterBatches count: Int) -> Digest32 {
        count == 0 ? prevRoot : batches[count - 1].postRoot
    }

    /// The root this trace gives at a game location.
    public func root(at location: ChallengeGame.Location) -> Digest32 {
        switch location {
        case .afterBatches(let count): root(afterBatches: count)
        case .afterTransactions(let batch, let count): batches[batch].roots[count]
        }
    }

    /// Executes `batches` (each a batch's transactions, in order) on `tree`, the state at the
    /// commitment's previous root, leaving `tree` at the state after the last batch; deposits are
    /// checked against `deposits`.
    public static func execute(_ batches: [[SignedTransfer]], on tree: inout SparseMerkleTree,
                               rules: TransitionRules, deposits: DepositLedger = .none) -> CommitmentTrace {
        var state = RollupState(accounts: tree, windowCapacity: rules.shieldedRootWindow)
        defer { tree = state.accounts }
        return execute(batches.map { BatchData.Batch(number: 0, transfers: $0) }, on: &state, rules: rules, deposits: deposits)
    }

    /// Executes `batches` (each its transfers, then its shielded lane) on `state`, the state at the
    /// commitment's previous root, leaving `state` at the state after the last batch.
    public static func execute(_ batches: [BatchData.Batch], on state: inout RollupState,
                               rules: TransitionRules, deposits: DepositLedger = .none) -> CommitmentTrace {
        let prevRoot = state.root
        var traces: [BatchTrace] = []
        traces.reserveCapacity(batches.count)
        for batch in batches { traces.append(BatchTrace.execute(batch, on: &state, rules: rules, deposits: deposits)) }
        return CommitmentTrace(prevRoot: prevRoot, batches: traces)
    }

    /// This trace with its final root replaced by `root` (every earlier root kept): the claims of a
    /// party that lies only about the commitment's outcome. Test and demo only (a dishonest
    /// challenger); an honest party never needs it. A trace without transactions lies about its
    /// last batch's pre-root instead, which is also the root after the batch before it.
    public func claiming(newRoot root: Digest32) -> CommitmentTrace {
        guard var last = batches.last?.roots else { return self }
        last[last.count - 1] = root
        let batch = BatchTrace(roots: last, rejections: batches[batches.count - 1].rejections)
        return CommitmentTrace(prevRoot: prevRoot, batches: batches.dropLast() + [batch])
    }
}
