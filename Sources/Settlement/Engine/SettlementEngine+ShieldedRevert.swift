/// The shielded lane after a chain revert (leader only): the accepted shielded transactions of
/// the undone batches go back to the lane's queue, so their senders need not resubmit — as the
/// reverted transfers go back to the pool.
extension SettlementEngine {
    /// Offers `revert`'s accepted shielded transactions to the lane again, ahead of those waiting,
    /// in their execution order. Each is judged anew: its proof, binding and shield signature
    /// (`ShieldedVerifier.verifyProofs`, as at admission: a transaction that lost a game is judged
    /// by the rules, not by our earlier word), then the pool as rolled back (a root that left the
    /// window, a nullifier spent meanwhile, a shield's used nonce). Those refused are announced
    /// REJECTED with the reason; the others are sequenced anew and announced like any other.
    /// A waiting transaction that no longer fits in the queue is answered UNAVAILABLE (resubmit).
    func requeueShielded(_ revert: ChainRevert) {
        let lane = revert.acceptedShielded.map(\.transaction)
        guard !lane.isEmpty else { return }
        var refused: [(id: Digest32, reason: String)] = []
        var evicted: [ShieldedQueue.Entry] = []
        if let queue = shieldedQueue, let key = shieldedKey {
            let verdicts = ShieldedVerifier.verifyProofs(lane, domain: domain, key: key)
            lifecycle.withLock { _ in
                let waiting = queue.drainAll()
                for (tx, verdict) in zip(lane, verdicts) {
                    if let verdict {
                        refused.append((tx.id, verdict.description))
                    } else if let why = state.withLock({ Self.admissionRefusal(tx, in: $0) }) {
                        refused.append((tx.id, why))
                    } else {
                        switch queue.add(ShieldedQueue.Entry(tx: tx, id: tx.id, receivedAt: .now, onReceipt: { _ in })) {
                        case .queued, .attached: break
                        case .nullifierPending: refused.append((tx.id, "double spend: a nullifier is spent by another reverted transaction"))
                        case .full, .tooManyCopies: refused.append((tx.id, "the shielded lane's queue is full"))
                        }
                    }
                }
                for e in waiting {
                    switch queue.add(e) {
                    case .queued, .attached: break
                    case .nullifierPending, .full, .tooManyCopies: evicted.append(e)
                    }
                }
            }
        } else {
            refused = lane.map { ($0.id, Self.noShieldedLane) }
        }
        let nowMs = Self.nowMs()
        events.publish(refused.map {
            StatusEvent(id: $0.id, status: .rejected, reason: "not sequenced again after a chain revert: \($0.reason)",
                        batchNumber: 0, stateRoot: .zero, atMs: nowMs)
        })
        for e in evicted {
            // A waiting transaction whose nullifier a reverted one now spends is a double spend;
            // one that no longer fits may be resubmitted.
            let spends = e.tx.statement.nullifiers.contains { n in lane.contains { $0.statement.nullifiers.contains(n) } }
            e.onReceipt(.rejected(e.id, spends ? "double spend: a nullifier is spent by a transaction sequenced again after a chain revert"
                                               : "\(Receipt.unavailablePrefix)the shielded lane's queue is full after a chain revert; resubmit"))
        }
        pool.nudge()
    }
}
