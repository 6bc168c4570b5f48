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
    /// (no shielded lane, not the sequencer, stopping, the lane's queue full, too many copies of
    /// it pending). What the pool refuses for good (stale root, spent nullifier, a shield's used
    /// nonce, a nullifier that a queued transaction spends) is answered REJECTED at once and
    /// never takes a lane slot.
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
        // Each verified transaction, in one critical section with the lane's take
        // (`takeShieldedLane`), so that it is always found in one place: attached to its copy in
        // flight (answered with that batch's receipt) or queued, else checked against the pool as
        // it is now, else queued. A transaction the pool refuses for good (a stale root, a spent
        // nullifier, a shield's used nonce) is never queued: it would cost its sender no fee and
        // take a lane slot every time it is resubmitted. It may be a retry of one already durable
        // (a committed batch leaves the in-flight set only once durable), so the store answers.
        var refused: [(i: Int, reason: String)] = []
        for i in verified {
            let id = ids[i]
            let handler: ReceiptHandler = { onReceipt(i, $0) }
            do {
                let outcome: Admission = try lifecycle.withLock { (l) throws(SubmitError) -> Admission in
                    guard l.activeTerm != nil else { throw .unavailable("this replica is no longer the sequencer; resubmit") }
                    // Past this point the sequencer may have drained the queue for the last time.
                    guard !l.stopping else { throw .unavailable("the engine is stopping") }
                    let inFlight: Bool? = retriesInFlight.withLock { r in
                        guard let waiting = r[id] else { return nil }
                        guard waiting.count < ShieldedQueue.maxCopiesPerEntry else { return false }
                        r[id]!.append(handler)
                        return true
                    }
                    if let inFlight { return inFlight ? .taken(.attached) : .taken(.tooManyCopies(limit: ShieldedQueue.maxCopiesPerEntry)) }
                    if !queue.contains(id), let why = state.withLock({ Self.admissionRefusal(txs[i], in: $0) }) {
                        return .refused(why)
                    }
                    return .taken(queue.add(ShieldedQueue.Entry(tx: txs[i], id: id, receivedAt: receivedAt, onReceipt: handler)))
                }
                switch outcome {
                case .taken(.queued): pool.nudge()
                case .taken(.attached): break
                case .taken(.full(let capacity)):
                    results[i] = .overloaded("the shielded lane's queue is full (\(capacity) pending); retry later")
                case .taken(.tooManyCopies(let limit)):
                    results[i] = .overloaded("this shielded transaction is pending and \(limit) submissions of it already wait for its receipt; retry later")
                case .taken(.nullifierPending):
                    refused.append((i, "double spend: a nullifier is spent by another transaction waiting for the lane"))
                case .refused(let why):
                    refused.append((i, why))
                }
            } catch {
                results[i] = error
            }
        }
        guard !refused.isEmpty else { return results }
        // One look-up for the refused ones: a retry of one sequenced gets its stored receipt; a
        // stored refusal is not final (the pool's refusal is the answer). Unreadable: unknown
        // whether it is durable, so never REJECTED, but retryable.
        let stored: [Digest32: StoredTransaction]
        do {
            stored = try await store.transactions(refused.map { ids[$0.i] })
        } catch {
            for (i, _) in refused {
                onReceipt(i, .rejected(ids[i], "\(Receipt.unavailablePrefix)the settlement store could not be read to tell whether this "
                                              + "shielded transaction is already sequenced; retry"))
            }
            return results
        }
        for (i, why) in refused {
            if let t = stored[ids[i]], t.status.isDurablyAccepted {
                onReceipt(i, Receipt(id: ids[i], status: .sequenced, batchNumber: t.batchNumber, indexInBatch: t.index,
                                     stateRoot: t.stateRoot))
            } else {
                onReceipt(i, .rejected(ids[i], why))
            }
        }
        return results
    }

    /// What admission did with one verified transaction.
    private enum Admission {
        case taken(ShieldedQueue.Outcome)
        case refused(String)
    }

    /// Why the pool as it is now refuses `tx` for good (nil: it may go through): its root left
    /// the recent-root window, a nullifier is spent, or a shield's nonce is used. Only a chain
    /// revert moves the pool back; it is checked again in the lane.
    static func admissionRefusal(_ tx: ShieldedTransaction, in s: StateManager) -> String? {
        if !s.shielded.isRecentRoot(tx.statement.root) { return ShieldedRefusal.staleRoot.description }
        if tx.statement.nullifiers.contains(where: s.shielded.isSpent) { return ShieldedRefusal.nullifierSpent.description }
        if let shield = tx.shield {
            let next = s.account(shield.from).nonce
            if shield.nonce < next { return "nonce \(shield.nonce) is used: the account's next nonce is \(next)" }
        }
        return nil
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
    /// Takes the next batch's shielded lane from the queue — at most `maxPerBatch` transactions
    /// within `maxDataBytes` of L1 data — registering its ids as in flight (a retry arriving
    /// before the commit gets the batch's receipt).
    func takeShieldedLane(maxDataBytes: Int) -> [ShieldedQueue.Entry] {
        guard let queue = shieldedQueue, let settings = config.shielded, queue.count > 0 else { return [] }
        // Under the lifecycle lock, as admission: a resubmission finds it queued or in flight.
        return lifecycle.withLock { _ in
            let lane = queue.take(max: settings.maxPerBatch, maxDataBytes: maxDataBytes) { BatchData.maxEncodedBytes(of: $0) }
            retriesInFlight.withLock { r in for e in lane { r[e.id] = r[e.id] ?? [] } }
            return lane
        }
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
