import ZK

/// The pool's state as this replica holds it in memory (on the leader possibly a few batches
/// ahead of the durable head while batches are in flight).
public struct ShieldedHead: Sendable, Equatable {
    /// The newest batch applied.
    public let batch: UInt64
    /// The note tree's and nullifier set's roots after it.
    public let roots: ShieldedRoots
    /// The note roots a spend may be proven under now, oldest first.
    public let recentRoots: [Fr]
}

/// The shielded lane's public API (docs/shielded.md): submissions, the pool's head, and what
/// wallets scan.
extension SettlementEngine {
    /// Whether this engine takes shielded transactions (configured with `ShieldedSettings`).
    public var acceptsShielded: Bool { config.shielded != nil }

    /// Verifies `tx` (shape, binding, a shield's signature, the proof) on the caller's task and
    /// queues it for the shielded lane of a coming batch; `onReceipt` gets its SEQUENCED (after
    /// commit) or REJECTED receipt, with the reason, exactly once. Resubmitting one already
    /// durable answers with its stored receipt. Throws when the engine cannot take it at all
    /// (no shielded lane, not the sequencer, the lane's queue full).
    public func submitShielded(_ tx: ShieldedTransaction, onReceipt: @escaping ReceiptHandler) async throws(SubmitError) {
        if let error = try await submitShielded([tx], onReceipt: { _, r in onReceipt(r) })[0] { throw error }
    }

    /// `submitShielded(_:onReceipt:)` for several transactions of one client, whose proofs are
    /// verified together (`ShieldedVerifier.verifyProofs`: one random linear combination on all
    /// cores, bisected only when one fails). Returns, per transaction, nil when it was taken (its
    /// receipt goes to `onReceipt` with its index) or why it could not be.
    ///
    /// A client's transactions are verified apart from every other client's, so a client
    /// sending bad proofs pays for the bisection of its own batch only. The proof is checked
    /// before anything is looked up by the transaction's id (which leaves the proof out), so a
    /// copy under a garbage proof is refused without touching the original.
    public func submitShielded(_ txs: [ShieldedTransaction],
                               onReceipt: @escaping @Sendable (Int, Receipt) -> Void) async throws(SubmitError) -> [SubmitError?] {
        guard let settings = config.shielded, let key = shieldedKey, let queue = shieldedQueue else {
            throw .unavailable(Self.noShieldedLane)
        }
        guard isRunning else { throw .unavailable("the engine is not running") }
        guard isLeader else {
            throw .unavailable("this replica is not the sequencer; shielded transactions are taken by the sequencer only")
        }
        let receivedAt = ContinuousClock.now
        let ids = txs.map(\.id)
        var results = [SubmitError?](repeating: nil, count: txs.count)
        var candidates: [Int] = []
        for (i, tx) in txs.enumerated() {
            if tx.statement.fee < settings.minimumFee {
                onReceipt(i, .rejected(ids[i], "fee \(tx.statement.fee) is below the shielded lane's minimum \(settings.minimumFee)"))
            } else {
                candidates.append(i)
            }
        }
        let verdicts = ShieldedVerifier.verifyProofs(candidates.map { txs[$0] }, domain: domain, key: key)
        var verified: [Int] = []
        for (i, verdict) in zip(candidates, verdicts) {
            if let verdict { onReceipt(i, .rejected(ids[i], verdict.description)) } else { verified.append(i) }
        }
        // One look-up for the whole call (were the store unreadable, the lane would still refuse
        // a second spend of a sequenced transaction's nullifiers).
        let stored = verified.isEmpty ? [:] : ((try? await store.transactions(verified.map { ids[$0] })) ?? [:])
        for i in verified {
            let id = ids[i]
            let handler: ReceiptHandler = { onReceipt(i, $0) }
            // A retry of one in a batch being committed gets that batch's receipt.
            let attached = retriesInFlight.withLock { r in
                guard r[id] != nil else { return false }
                r[id]!.append(handler)
                return true
            }
            if attached { continue }
            // A retry of one already sequenced gets its stored receipt. A stored refusal is not
            // final: like a transfer, it is executed again.
            if let stored = stored[id], stored.status.isDurablyAccepted {
                handler(Receipt(id: id, status: .sequenced, batchNumber: stored.batchNumber, indexInBatch: stored.index,
                                stateRoot: stored.stateRoot))
                continue
            }
            do {
                let outcome: ShieldedQueue.Outcome = try lifecycle.withLock { (l) throws(SubmitError) in
                    guard l.activeTerm != nil else { throw .unavailable("this replica is no longer the sequencer; resubmit") }
                    return queue.add(ShieldedQueue.Entry(tx: txs[i], id: id, receivedAt: receivedAt, onReceipt: handler))
                }
                switch outcome {
                case .queued: pool.nudge()
                case .attached: break
                case .full(let capacity):
                    results[i] = .overloaded("the shielded lane's queue is full (\(capacity) pending); retry later")
                }
            } catch {
                results[i] = error
            }
        }
        return results
    }

    /// Why a shielded submission is refused by an engine without the lane.
    public static let noShieldedLane = "this engine takes no shielded transactions (no shielded verifying key configured)"

    /// Submits and waits for the receipt.
    public func submitShieldedAndWait(_ tx: ShieldedTransaction) async throws(SubmitError) -> Receipt {
        let box = ReceiptBox()
        try await submitShielded(tx) { box.deliver($0) }
        return await box.value
    }

    /// The pool's roots and recent-root window in memory.
    public var shieldedHead: ShieldedHead {
        state.withLock { s in
            ShieldedHead(batch: s.latestBatch ?? 0, roots: s.shielded.roots, recentRoots: s.shielded.window.roots)
        }
    }

    /// Durable notes from `position` on, at most `limit` (from the store: any replica serves it).
    public func shieldedNotes(from position: UInt64, limit: Int) async throws -> [StoredNote] {
        try await store.shieldedNotes(from: position, limit: limit)
    }

    /// The durable batch each spent one of `nullifiers` was spent in.
    public func spentNullifiers(_ nullifiers: [Fr]) async throws -> [Fr: UInt64] {
        try await store.spentNullifiers(nullifiers)
    }
}

// MARK: - The sequencer's side

extension SettlementEngine {
    /// Takes the next batch's shielded lane from the queue, registering its ids as in flight (a
    /// retry arriving before the commit gets the batch's receipt).
    func takeShieldedLane() -> [ShieldedQueue.Entry] {
        guard let queue = shieldedQueue, let settings = config.shielded, queue.count > 0 else { return [] }
        let lane = queue.take(max: settings.maxPerBatch)
        retriesInFlight.withLock { r in for e in lane { r[e.id] = r[e.id] ?? [] } }
        return lane
    }

    /// Applies an executed batch to `s`: its diff and its lane's accepted transactions' effects.
    /// Returns the new state root and the effects (nil when the lane accepted nothing).
    static func applyExecuted(_ r: BatchExecutor.Result, lane: [ShieldedTransaction],
                              to s: inout StateManager) -> (Digest32, ShieldedBatchEffects?) {
        let accepted = zip(lane, r.shieldedVerdicts).compactMap { tx, verdict in verdict == nil ? tx : nil }
        let nullifiers = accepted.flatMap(\.statement.nullifiers)
        let commitments = accepted.flatMap(\.statement.commitments)
        let firstPosition = UInt64(s.shielded.noteTree.count)
        let root: Digest32
        do {
            root = try s.apply(diff: r.diff, nullifiers: nullifiers, commitments: commitments)
        } catch {
            // The lane refused every spent or repeated nullifier; what is left is a note tree of
            // 2^32 leaves, which no deployment reaches.
            preconditionFailure("the shielded lane's accepted transactions were refused by the pool: \(error)")
        }
        guard !accepted.isEmpty else { return (root, nil) }
        let ciphertexts = accepted.flatMap(\.ciphertexts)
        let notes = commitments.indices.map { i in
            AppendedNote(position: firstPosition + UInt64(i), commitment: commitments[i], ciphertext: ciphertexts[i])
        }
        return (root, ShieldedBatchEffects(nullifiers: nullifiers, notes: notes, rootsAfter: s.shielded.roots))
    }

    /// Answers the retries of `b`'s shielded transactions that arrived while it was in flight.
    func answerShieldedRetries(of b: SealedBatch) {
        guard !b.shielded.isEmpty else { return }
        let retries: [[ReceiptHandler]] = retriesInFlight.withLock { r in
            b.shielded.map { r.removeValue(forKey: $0.id) ?? [] }
        }
        for (i, handlers) in retries.enumerated() where !handlers.isEmpty {
            let receipt = Self.receipt(of: b.shielded[i], batch: b, index: b.transactions.count + i)
            for h in handlers { h(receipt) }
        }
    }

    /// A deposed term's shielded transactions (in abandoned batches or still queued): they are
    /// not forwarded (the forward stream carries transfers), so each is answered UNAVAILABLE,
    /// to be resubmitted to the new sequencer; none of them is durable.
    func rejectShieldedAtHandOff(_ entries: [ShieldedQueue.Entry]) {
        for e in entries {
            let handlers = retriesInFlight.withLock { $0.removeValue(forKey: e.id) ?? [] }
            let receipt = Receipt.rejected(e.id, "\(Receipt.unavailablePrefix)the sequencer changed; resubmit the shielded transaction")
            e.onReceipt(receipt)
            for h in handlers { h(receipt) }
        }
    }
}
