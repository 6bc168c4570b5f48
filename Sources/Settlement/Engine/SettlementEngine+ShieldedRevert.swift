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
    func requeueShielded(_ revert: ChainRevert) async {
        let lane = revert.acceptedShielded.map(\.transaction)
        guard !lane.isEmpty else { return }
        var refused: [(id: Digest32, reason: String)] = []
        var evicted: [ShieldedQueue.Entry] = []
        // Nobody waits on a re-offered transaction's receipt: its sequencing or refusal in a lane
        // is announced with the batch; a hand-off before that (a deposed leader answers what it
        // holds UNAVAILABLE) is announced here, so subscribers do not hear REVERTED and then nothing.
        let events = self.events
        let handOffNotice: ReceiptHandler = { receipt in
            guard receipt.status == .rejected, receipt.reason.hasPrefix(Receipt.unavailablePrefix) else { return }
            events.publish([StatusEvent(id: receipt.id, status: .rejected, reason: receipt.reason, batchNumber: 0,
                                        stateRoot: .zero, atMs: Self.nowMs())])
        }
        if let queue = shieldedQueue, let verifier = shieldedVerifier {
            let verdicts = await verifier.verifyProofs(lane)
            lifecycle.withLock { _ in
                let waiting = queue.drainAll()
                for (tx, verdict) in zip(lane, verdicts) {
                    if let verdict {
                        refused.append((tx.id, verdict.description))
                    } else {
                        let (why, balance) = state.withLock { s in
                            (Self.admissionRefusal(tx, in: s), tx.shield.map { s.account($0.from).balance })
                        }
                        if let why {
                            refused.append((tx.id, why))
                            continue
                        }
                        let outcome = queue.add(ShieldedQueue.Entry(tx: tx, id: tx.id, receivedAt: .now, onReceipt: handOffNotice),
                                                shieldBalance: balance)
                        switch outcome {
                        case .queued, .attached: break
                        case .full, .tooManyCopies: refused.append((tx.id, "the shielded lane's queue is full"))
                        case .nullifierPending, .shieldNoncePending, .shieldUnfunded: refused.append((tx.id, Self.queueRefusal(outcome)!))
                        }
                    }
                }
                for e in waiting {
                    let balance = e.tx.shield.map { sh in state.withLock { $0.account(sh.from).balance } }
                    switch queue.add(e, shieldBalance: balance) {
                    case .queued, .attached: break
                    case .nullifierPending, .shieldNoncePending, .shieldUnfunded, .full, .tooManyCopies: evicted.append(e)
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
            // One that no longer fits, or whose account's nonce or balance a re-offered shield now
            // takes, may be resubmitted; one whose note a re-offered transaction spends cannot.
            let spends = e.tx.statement.nullifiers.contains { n in lane.contains { $0.statement.nullifiers.contains(n) } }
            e.onReceipt(.rejected(e.id, spends ? "double spend: a nullifier is spent by a transaction sequenced again after a chain revert"
                                               : "\(Receipt.unavailablePrefix)the shielded lane's queue no longer takes it after a chain revert; resubmit"))
        }
        pool.nudge()
    }
}
