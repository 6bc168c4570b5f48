/// The root after every transaction of one batch, re-executed one at a time from the state before
/// the batch: the sequence the bisection over transaction indices walks. The batch's transfers
/// come first, then its shielded lane; indices run over both.
///
/// Each transfer goes through the engine's own code — `TransitionRules.statelessRejection`
/// (`ValidationPipeline`), then `BatchExecutor` on that one transaction — and its diff is applied
/// to the accounts. Each lane transaction goes through the executor's lane on that one
/// transaction, against the pool as the earlier ones left it, and an accepted one's nullifiers and
/// commitments are applied to the pool (the engine applies the lane's all at once after checking
/// each against the pool before the batch and the nullifiers seen earlier in the lane: the same
/// verdicts, the same final pool). At the end the batch closes the pool's root window as the
/// engine does. The final state is the engine's, so `postRoot` equals the batch's recorded new
/// root (tested). A lane transaction's proof is not checked here: the arbiter accepted the
/// commitment only with an aggregate proof of every lane transaction's statement.
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
    /// `deposits` (with `.none` every deposit is rejected). A transfer-only batch on the accounts
    /// alone: with an empty pool the roots are account roots.
    public static func execute(_ transactions: [SignedTransfer], on tree: inout SparseMerkleTree,
                               rules: TransitionRules, deposits: DepositLedger = .none) -> BatchTrace {
        var state = RollupState(accounts: tree, windowCapacity: rules.shieldedRootWindow)
        defer { tree = state.accounts }
        return execute(BatchData.Batch(number: 0, transfers: transactions), on: &state, rules: rules, deposits: deposits)
    }

    /// Executes `batch` (its transfers, then its lane) on `state`, the state before the batch,
    /// leaving `state` at the state after it, and records the root after each transaction.
    public static func execute(_ batch: BatchData.Batch, on state: inout RollupState,
                               rules: TransitionRules, deposits: DepositLedger = .none) -> BatchTrace {
        var trace = executeTransfers(of: batch, on: &state, rules: rules, deposits: deposits)
        let executor = BatchExecutor(feeAccount: rules.feeAccount)
        for transaction in batch.shielded {
            trace.rejections.append(executeShielded(transaction, on: &state, executor: executor, rules: rules))
            trace.roots.append(state.root)
        }
        state.pool.endBatch()
        return BatchTrace(roots: trace.roots, rejections: trace.rejections)
    }

    /// `batch`'s transfers on `state` (the batch left open: the lane and the window's close are
    /// the caller's), with the roots before and after each.
    @discardableResult
    static func executeTransfers(of batch: BatchData.Batch, on state: inout RollupState, rules: TransitionRules,
                                 deposits: DepositLedger) -> (roots: [Digest32], rejections: [String?]) {
        let count = batch.transfers.count + batch.shielded.count
        var roots = [state.root]
        var rejections: [String?] = []
        roots.reserveCapacity(count + 1)
        rejections.reserveCapacity(count)
        let executor = BatchExecutor(feeAccount: rules.feeAccount)
        for transaction in batch.transfers {
            if let why = rules.statelessRejection(transaction, deposits: deposits) {
                rejections.append(why)
            } else {
                let validated = ValidatedTransfer(signed: transaction, id: transaction.id, receivedAt: .now,
                                                  forced: rules.forcedTransfer(of: transaction, ledger: deposits))
                let result = executor.execute([validated]) { state.accounts.account($0) }
                let executed = result.transactions[0]
                if executed.accepted { state.accounts.update(result.diff) }
                rejections.append(executed.accepted ? nil : executed.reason)
            }
            roots.append(state.root)
        }
        return (roots, rejections)
    }

    /// One lane transaction on `state` by the executor's lane rules: nil when applied, else why
    /// it is refused (the state unchanged). The engine checks the shape, the binding and a
    /// shield's signature at admission; here they are checked again, so that a lane transaction
    /// a dishonest proposer put in its data without them (a shield whose signature is not its
    /// account's) is refused, never applied.
    static func executeShielded(_ transaction: ShieldedTransaction, on state: inout RollupState,
                                executor: BatchExecutor, rules: TransitionRules) -> String? {
        do {
            try transaction.checkShape(domain: rules.domain)
            try transaction.checkShieldSignature(domain: rules.domain)
        } catch {
            return error.description
        }
        let result = executor.execute([], shielded: [transaction], pool: state.pool) { state.accounts.account($0) }
        if let refusal = result.shieldedVerdicts[0] { return refusal }
        // The pool first: it is the part that can still refuse (all or nothing), and a refused
        // transaction must not have moved its fee. The lane checked every nullifier against the
        // pool; a zero commitment is not provable, but a proposer's data may hold one.
        do {
            try state.pool.apply(nullifiers: transaction.statement.nullifiers, commitments: transaction.statement.commitments)
        } catch {
            return "shielded pool: \(error)"
        }
        state.accounts.update(result.diff)
        return nil
    }

    /// The honest one-step proof for `transactions[index]`, from `tree` at the state before the
    /// batch: replays the first `index` transactions on a copy, then proves the next one, placed in
    /// the commitment's data by `inclusion`.
    public static func oneStepProof(of transactions: [SignedTransfer], index: Int, from tree: SparseMerkleTree,
                                    rules: TransitionRules, deposits: DepositLedger = .none,
                                    inclusion: DataInclusionProof = .onlyTransaction) -> OneStepProof {
        precondition(transactions.indices.contains(index), "no transaction \(index) in a batch of \(transactions.count)")
        return oneStepProof(of: BatchData.Batch(number: 0, transfers: transactions), index: index,
                            from: RollupState(accounts: tree, windowCapacity: rules.shieldedRootWindow), rules: rules,
                            deposits: deposits, inclusion: inclusion)!
    }

    /// The honest one-step proof for transaction `index` of `batch` (transfers first, then the
    /// lane) from `state` before the batch; nil for a lane transaction, whose one-step proof does
    /// not exist yet (docs/shielded.md: a game that narrows to one cannot be decided by proof).
    public static func oneStepProof(of batch: BatchData.Batch, index: Int, from state: RollupState,
                                    rules: TransitionRules, deposits: DepositLedger = .none,
                                    inclusion: DataInclusionProof = .onlyTransaction) -> OneStepProof? {
        guard batch.transfers.indices.contains(index) else { return nil }
        var working = state
        let prefix = BatchData.Batch(number: batch.number, transfers: Array(batch.transfers[..<index]))
        executeTransfers(of: prefix, on: &working, rules: rules, deposits: deposits)
        return OneStepProof.make(batch.transfers[index], on: working, rules: rules, deposits: deposits, inclusion: inclusion)
    }
}
