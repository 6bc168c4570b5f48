import Foundation

/// The leader's side: one term of sequencing (sequencer task, committer task) and what happens
/// when the term ends — normally at `stop()`, or because another replica took the lease.
extension SettlementEngine {
    /// Starts leading in `term` (the state is at the durable head).
    func beginTerm(_ term: LeaderTerm) {
        // Only batches this term commits are held for the finality engine.
        recentBatches.reset()
        let refused: [(tx: ValidatedTransfer, onReceipt: ReceiptHandler)] = lifecycle.withLock { l in
            l.role = .leader(term)
            l.leaderTask = Task { [self] in await runTerm(term) }
            // What clients gave this replica while it followed and that has no answer yet goes
            // into the pool first, in the order it came (before any new submission).
            var refused: [(tx: ValidatedTransfer, onReceipt: ReceiptHandler)] = []
            for (tx, onReceipt) in replication?.forwarder.takeOutstanding() ?? [] {
                switch Result(catching: { () throws(PoolRejection) in try pool.add(tx, onReceipt: onReceipt) }) {
                case .success: break
                case .failure: refused.append((tx, onReceipt))
                }
            }
            return refused
        }
        // Refused by the pool (full, or a nonce already used: possibly durable): the usual answers.
        for (tx, onReceipt) in refused {
            do { _ = try enqueueIfLeading(tx, onReceipt: onReceipt) } catch {
                onReceipt(.rejected(tx.id, "UNAVAILABLE: \(error)"))
            }
        }
        logger.notice("sequencing", metadata: ["term": "\(term.term)", "next_batch": "\(lifecycle.withLock { $0.nextBatch })"])
    }

    private func runTerm(_ term: LeaderTerm) async {
        async let abandoned = committerLoop(term)
        await sequencerLoop(term)
        term.commitSink.finish()
        let left = await abandoned
        if term.isDeposed {
            await handOff(term, abandoned: left)
        } else if term.isSuspended {
            return
        } else if let r = replication {
            try? await r.store.releaseLease(replica: r.settings.replicaId, term: term.term)
        }
    }

    // MARK: Sequencer

    private func sequencerLoop(_ term: LeaderTerm) async {
        let timeout = Duration.milliseconds(config.batchTimeoutMs)
        while !term.isOver {
            rejectExpiredHeld()
            let stopping = lifecycle.withLock { $0.stopping }
            if pool.readyCount == 0 && (shieldedQueue?.count ?? 0) == 0 {
                if stopping { break }
                await pool.waitForReady(minimum: 1, deadline: .now + .milliseconds(50))
                continue
            }
            // Group commit: a batch closes when full, when its oldest transaction has waited
            // batch_timeout_ms, or at once when no batch is waiting for the database (then waiting
            // would only add latency). Under load commits are always in flight and batches fill.
            let committerIdle = lifecycle.withLock { $0.uncommitted == 0 }
            if !stopping, !committerIdle, pool.readyCount < config.batchSize, let oldest = pool.oldestReady,
               oldest + timeout > .now {
                await pool.waitForReady(minimum: config.batchSize, deadline: oldest + timeout)
                continue
            }
            await inFlight.acquire()
            if term.isOver {
                inFlight.release()
                break
            }
            // The shielded lane first, then the transfers in the data budget it leaves: the whole
            // batch encodes within one commitment's data (`BatchData.maxEncodedBytes(of:)`). The
            // lane takes at most half of it while transfers wait, so neither starves the other.
            let laneBudget = BatchData.maxBatchTransfersBytes / (pool.readyCount > 0 ? 2 : 1) - BatchData.maxLaneOverhead
            let lane = takeShieldedLane(maxDataBytes: laneBudget)
            let laneBytes = lane.isEmpty ? 0 : lane.reduce(BatchData.maxLaneOverhead) { $0 + BatchData.maxEncodedBytes(of: $1.tx) }
            // Registered as in flight under the pool's lock: a resubmission never finds the
            // transfer in neither place (it would be answered from the store, which has it not yet).
            // At most `batchSize` transactions, and no more than one commitment's data can carry.
            let entries = pool.takeBatch(max: config.batchSize, maxDataBytes: BatchData.maxBatchTransfersBytes - laneBytes) { taken in
                retriesInFlight.withLock { r in for e in taken { r[e.tx.id] = r[e.tx.id] ?? [] } }
            }
            if entries.isEmpty && lane.isEmpty {
                inFlight.release()
                continue
            }
            let closedAt = ContinuousClock.now
            let (number, prevRoot) = lifecycle.withLock { l in
                defer { l.nextBatch += 1 }
                return (l.nextBatch, l.root)
            }
            let (result, newRoot, accounts, effects) = state.withLock { s in
                let r = executor.execute(entries.map(\.tx), shielded: lane.map(\.tx), pool: s.shielded,
                                         lookup: { s.account($0) })
                let (root, effects) = Self.applyExecuted(r, lane: lane.map(\.tx), to: &s)
                return (r, root, s.accountCount, effects)
            }
            lifecycle.withLock {
                $0.root = newRoot
                $0.uncommitted += 1
            }
            // After the state lock is released (the pool's nonce source takes it).
            for t in result.transactions { pool.executed(t.tx, accepted: t.accepted) }
            // A shield used its account's nonce outside the pool: transfers held for it may go.
            for (e, verdict) in zip(lane, result.shieldedVerdicts) where verdict == nil {
                if let shield = e.tx.shield { pool.nonceUsedByShield(shield.from, nonce: shield.nonce) }
            }
            let shielded = zip(lane, result.shieldedVerdicts).map { e, verdict in
                ExecutedShielded(tx: e.tx, id: e.id, accepted: verdict == nil, reason: verdict ?? "", receivedAt: e.receivedAt)
            }
            let batch = SealedBatch(number: number, prevRoot: prevRoot, newRoot: newRoot, createdAtMs: Self.nowMs(),
                                    transactions: result.transactions, diff: result.diff, term: term.term,
                                    accountCount: accounts, shielded: shielded, shieldedEffects: effects)
            term.commitSink.yield(PendingCommit(batch: batch, entries: entries, shieldedEntries: lane, closedAt: closedAt))
        }
        if !term.isOver {
            for (entry, expected) in pool.expireHeld(now: .now + .seconds(3600 * 24 * 365)) {
                entry.onReceipt(.rejected(entry.tx.id, "nonce gap: the sender's next nonce is \(expected); the engine is stopping"))
            }
        }
    }

    private func rejectExpiredHeld() {
        for (entry, expected) in pool.expireHeld() {
            entry.onReceipt(.rejected(entry.tx.id,
                "nonce gap: nonce \(entry.tx.transfer.nonce) waited \(config.futureNonceTimeoutMs) ms for the sender's next nonce \(expected)"))
        }
    }

    // MARK: Committer

    /// Commits the term's batches in order; returns the ones abandoned (not known durable)
    /// after the term was deposed.
    private func committerLoop(_ term: LeaderTerm) async -> [PendingCommit] {
        var abandoned: [PendingCommit] = []
        for await pending in term.commits {
            var committed = false
            var attempt = 0
            while !term.isDeposed {
                do {
                    try await store.commit(pending.batch)
                    committed = true
                    break
                } catch {
                    if await leadershipLost(term, after: error) {
                        term.depose()
                        break
                    }
                    attempt += 1
                    let delay = min(5_000, 50 << min(attempt, 7))
                    logger.error("batch commit failed; retrying", metadata: [
                        "batch": "\(pending.batch.number)", "attempt": "\(attempt)", "error": "\(error)",
                        "retry_in_ms": "\(delay)",
                    ])
                    try? await Task.sleep(for: .milliseconds(delay))
                }
            }
            if committed {
                finishCommit(pending)
                if let every = replication?.settings.snapshotIntervalBatches, every > 0,
                   pending.batch.number % UInt64(every) == 0 {
                    scheduleSnapshot(upTo: pending.batch.number)
                }
            } else {
                abandoned.append(pending)
            }
            inFlight.release()
            // The committer went idle: let the sequencer close a partial batch now.
            if lifecycle.withLock({ l in l.uncommitted -= 1; return l.uncommitted == 0 }) { pool.nudge() }
        }
        return abandoned
    }

    /// Whether a failed commit means this term is over: the store fenced it, or (after a
    /// conflict, which a new leader's batch under the same number causes) the lease moved on.
    private func leadershipLost(_ term: LeaderTerm, after error: any Error) async -> Bool {
        if let lost = error as? LeadershipLost {
            logger.warning("deposed: a commit was fenced", metadata: ["term": "\(term.term)", "error": "\(lost)"])
            return true
        }
        guard let r = replication, let lease = try? await r.store.currentLease() else { return false }
        if lease.term != term.term {
            logger.warning("deposed: the lease moved on", metadata: ["term": "\(term.term)", "lease_term": "\(lease.term)"])
            return true
        }
        return false
    }

    /// Runs after the batch is durable: receipts, events, metrics.
    private func finishCommit(_ pending: PendingCommit) {
        let b = pending.batch
        let now = ContinuousClock.now
        let nowMs = Self.nowMs()
        // Held before the durable head moves past it, so the finality engine never looks for it
        // in vain.
        recentBatches.record(b)
        let publish = lifecycle.withLock { l in
            l.durableBatch = b.number
            defer { l.publishedBatch = max(l.publishedBatch, b.number) }
            return b.number > l.publishedBatch
        }
        var events: [StatusEvent] = []
        events.reserveCapacity(b.transactions.count)
        var latencies: [Duration] = []
        latencies.reserveCapacity(b.transactions.count)
        var accepted = 0
        for t in b.transactions where t.accepted {
            accepted += 1
            latencies.append(now - t.tx.receivedAt)
        }
        for t in b.shielded where t.accepted {
            accepted += 1
            latencies.append(now - t.receivedAt)
        }
        // Metrics first: a client that has its receipt and then asks for the metrics sees its batch.
        let bytes = state.withLock { $0.memoryFootprint }
        metrics.recordBatch(processing: now - pending.closedAt, accepted: accepted,
                            rejected: b.transactions.count + b.shielded.count - accepted, latencies: latencies,
                            stateBytes: bytes, now: now)
        for (i, t) in b.transactions.enumerated() {
            let receipt = Self.receipt(of: t, batch: b, index: i)
            pending.entries[i].onReceipt(receipt)
            events.append(StatusEvent(id: t.tx.id, status: receipt.status, reason: t.reason, batchNumber: b.number,
                                      stateRoot: b.newRoot, atMs: nowMs))
        }
        for (i, t) in b.shielded.enumerated() {
            let receipt = Self.receipt(of: t, batch: b, index: b.transactions.count + i)
            pending.shieldedEntries[i].onReceipt(receipt)
            events.append(StatusEvent(id: t.id, status: receipt.status, reason: t.reason, batchNumber: b.number,
                                      stateRoot: b.newRoot, atMs: nowMs))
        }
        let retries: [[ReceiptHandler]] = retriesInFlight.withLock { r in
            b.transactions.map { r.removeValue(forKey: $0.tx.id) ?? [] }
        }
        for (i, handlers) in retries.enumerated() where !handlers.isEmpty {
            let receipt = Self.receipt(of: b.transactions[i], batch: b, index: i)
            for h in handlers { h(receipt) }
        }
        answerShieldedRetries(of: b)
        if publish { self.events.publish(events) }
    }

    static func receipt(of t: ExecutedShielded, batch b: SealedBatch, index i: Int) -> Receipt {
        t.accepted
            ? Receipt(id: t.id, status: .sequenced, batchNumber: b.number, indexInBatch: i, stateRoot: b.newRoot)
            : Receipt(id: t.id, status: .rejected, reason: t.reason, batchNumber: b.number, indexInBatch: i)
    }

    static func receipt(of t: ExecutedTransaction, batch b: SealedBatch, index i: Int) -> Receipt {
        t.accepted
            ? Receipt(id: t.tx.id, status: .sequenced, batchNumber: b.number, indexInBatch: i, stateRoot: b.newRoot)
            : Receipt(id: t.tx.id, status: .rejected, reason: t.reason, batchNumber: b.number, indexInBatch: i)
    }

    // MARK: Hand-off

    /// The term was deposed: become a follower. Nothing acknowledged is lost and nothing is
    /// dropped: the state goes back to the durable head (the follower then applies whatever the
    /// database has, including a batch whose commit outcome was unknown), and every transaction
    /// still waiting here — in abandoned batches, then in the pool — is forwarded to the new
    /// leader, which answers retries of ones already durable with their receipts.
    func handOff(_ term: LeaderTerm, abandoned: [PendingCommit]) async {
        var waiting: [TransactionPool.Entry] = []
        var shieldedWaiting: [ShieldedQueue.Entry] = abandoned.flatMap(\.shieldedEntries)
        for p in abandoned {
            let retries = retriesInFlight.withLock { r in p.batch.transactions.map { r.removeValue(forKey: $0.tx.id) ?? [] } }
            for (i, entry) in p.entries.enumerated() {
                let handlers = retries[i]
                if handlers.isEmpty {
                    waiting.append(entry)
                } else {
                    let first = entry.onReceipt
                    waiting.append(TransactionPool.Entry(tx: entry.tx, onReceipt: { r in
                        first(r)
                        for h in handlers { h(r) }
                    }))
                }
            }
        }
        // One critical section with the role change, so that no new submission overtakes these
        // (in-flight batches first, then the pool: each sender's nonces stay in order).
        // Deposits are not forwarded (the new leader refuses bridge transfers from other replicas):
        // its own deposit watcher credits them from the L1, from its state's bridge nonce.
        let (durable, refused, deposits): (UInt64, [TransactionPool.Entry], [TransactionPool.Entry]) = lifecycle.withLock { l in
            l.role = .steppingDown
            l.uncommitted = 0
            waiting.append(contentsOf: pool.drainAll())
            shieldedWaiting.append(contentsOf: shieldedQueue?.drainAll() ?? [])
            var refused: [TransactionPool.Entry] = []
            var deposits: [TransactionPool.Entry] = []
            for e in waiting {
                if e.tx.signed.isL1Originated {
                    deposits.append(e)
                    continue
                }
                do { try replication?.forwarder.forward(e.tx, onReceipt: e.onReceipt) } catch { refused.append(e) }
            }
            return (l.durableBatch, refused, deposits)
        }
        for e in deposits { e.onReceipt(.rejected(e.tx.id, "the sequencer changed: the new leader takes this from the L1")) }
        for e in refused { e.onReceipt(.rejected(e.tx.id, "UNAVAILABLE: the sequencer changed and the forwarder is full; resubmit")) }
        rejectShieldedAtHandOff(shieldedWaiting)
        do {
            let root = try state.withLock { s throws(StateError) in try s.rollback(toBatch: durable) }
            // Only now a follower: a promotion (the coordinator acts on `.follower`) must find the
            // state at the durable head, not at the deposed term's executed one.
            lifecycle.withLock { l in
                l.nextBatch = durable + 1
                l.root = root
                l.role = .follower
            }
        } catch {
            // Cannot happen while retained_batches >= max_concurrent_batches (validated).
            logger.critical("cannot roll the state back to the durable head", metadata: ["error": "\(error)"])
            preconditionFailure("state rollback to batch \(durable) failed: \(error)")
        }
        logger.notice("stepped down", metadata: ["term": "\(term.term)", "durable_batch": "\(durable)",
                                                  "forwarded": "\(waiting.count)"])
        startFollowerTask()
    }
}
