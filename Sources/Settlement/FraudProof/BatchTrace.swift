/// The root after every transaction of one batch, re-executed one at a time from the state before
/// the batch: the sequence the bisection over transaction indices walks.
///
/// Each transaction goes through the engine's own code — `TransitionRules.statelessRejection`
/// (`ValidationPipeline`), then `BatchExecutor` on that one transaction — and its diff is applied
/// to the tree. The engine applies a whole batch's diff at once; the final state is the same, so
/// `postRoot` equals the batch's recorded new root (tested).
public struct BatchTrace: Sendable, Hashable {
    /// `roots[k]` is the root after the first `k` transactions: `roots[0]` is the pre-root, and
    /// there are `transactionCount + 1` of them.
    public let roots: [Digest32]
    /// Per transaction: nil when applied, else why the rules rejected it.
    public let rejections: [String?]

    init(roots: [Digest32], rejections: [String?]) {
        precondition(roots.count == rejections.count + 1, "a batch trace has one root more than transactions")
        self.roots = roots
        self.rejections = rejections
    }

    /// The root before the batch.
    public var preRoot: Digest32 { roots[0] }
    /// The root after the batch.
    public var postRoot: Digest32 { roots[roots.count - 1] }
    /// Number of transactions (including rejected ones).
    public var transactionCount: Int { rejections.count }

    /// Executes `transactions` in order on `tree` (the state before the batch), leaving `tree` at
    /// the state after it, and records the root after each. Deposits are checked against
    /// `deposits` (with `.none` every deposit is rejected).
    public static func execute(_ transactions: [SignedTransfer], on tree: inout SparseMerkleTree,
                               rules: TransitionRules, deposits: DepositLedger = .none) -> BatchTrace {
        var roots = [tree.root]
        var rejections: [String?] = []
        roots.reserveCapacity(transactions.count + 1)
        rejections.reserveCapacity(transactions.count)
        let executor = BatchExecutor(feeAccount: rules.feeAccount)
        for transaction in transactions {
            if let why = rules.statelessRejection(transaction, deposits: deposits) {
                rejections.append(why)
            } else {
                let validated = ValidatedTransfer(signed: transaction, id: transaction.id, receivedAt: .now,
                                                  forced: rules.forcedTransfer(of: transaction, ledger: deposits))
                let result = executor.execute([validated]) { tree.account($0) }
                let executed = result.transactions[0]
                if executed.accepted { tree.update(result.diff) }
                rejections.append(executed.accepted ? nil : executed.reason)
            }
            roots.append(tree.root)
        }
        return BatchTrace(roots: roots, rejections: rejections)
    }

    /// The honest one-step proof for `transactions[index]`, from `tree` at the state before the
    /// batch: replays the first `index` transactions on a copy, then proves the next one, placed in
    /// the commitment's data by `inclusion`.
    public static func oneStepProof(of transactions: [SignedTransfer], index: Int, from tree: SparseMerkleTree,
                                    rules: TransitionRules, deposits: DepositLedger = .none,
                                    inclusion: DataInclusionProof = .onlyTransaction) -> OneStepProof {
        precondition(transactions.indices.contains(index), "no transaction \(index) in a batch of \(transactions.count)")
        var working = tree
        _ = execute(Array(transactions[..<index]), on: &working, rules: rules, deposits: deposits)
        return OneStepProof.make(transactions[index], on: working, rules: rules, deposits: deposits, inclusion: inclusion)
    }
}
