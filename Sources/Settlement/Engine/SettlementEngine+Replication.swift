import Foundation

/// The replica side: following the committed chain, the lease (taking it, renewing it, noticing
/// it is gone) and background snapshots.
extension SettlementEngine {
    /// Starts as a follower: relays batch notifications, applies committed batches, and runs the
    /// lease coordinator, which promotes this engine when the lease is free.
    func startFollowing() async {
        guard let r = replication else { return }
        let notifications = await r.store.batchNotifications()
        let finality = await r.store.finalityNotifications()
        let signal = batchSignal
        lifecycle.withLock { l in
            l.role = .follower
            l.notificationRelay = Task { [self] in
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { for await _ in notifications { signal.signal() } }
                    group.addTask { for await notice in finality { await self.announce(notice) } }
                }
            }
        }
        // A replica that can lead at once (alone, or restarted with its own id) does so before
        // it serves, so that its first clients are not forwarded to nobody.
        let leading = await tryToLead(r)
        lifecycle.withLock { l in l.coordinator = Task { [self] in await coordinate(r) } }
        if !leading { startFollowerTask() }
    }

    func startFollowerTask() {
        lifecycle.withLock { l in
            // One follow loop at a time: two would race to apply the same batch.
            guard !l.stopping, l.followerTask == nil else { return }
            l.followerTask = Task { [self] in await followLoop() }
        }
    }

    // MARK: Following

    /// Applies every batch the database has after the local head, then sleeps until a notification
    /// (or a second: a missed notification costs at most that).
    private func followLoop() async {
        while !Task.isCancelled {
            do {
                if try await catchUp(limit: 32) > 0 { continue }
            } catch is CancellationError {
                return
            } catch {
                logger.error("following the chain failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            await batchSignal.wait(timeout: .seconds(1))
        }
    }

    /// Reads and applies up to `limit` committed batches after the local head; returns how many.
    @discardableResult
    func catchUp(limit: Int) async throws -> Int {
        guard let r = replication else { return 0 }
        let after = lifecycle.withLock { $0.durableBatch }
        let batches = try await r.store.committedBatches(after: after, limit: limit)
        try Task.checkCancellation()
        // Reverts are looked for only when the batches read do not extend the local head (or there
        // are none): not on every read under load. A revert is committed before the batches that
        // follow it, so checked after reading them it is seen before any of them is applied.
        let (head, root) = lifecycle.withLock { ($0.durableBatch, $0.root) }
        let extends = batches.first.map { $0.number == head + 1 && $0.prevRoot == root } ?? false
        if !extends, try await followReverts() { return 1 }
        for b in batches { try applyCommitted(b) }
        return batches.count
    }

    /// Applies a batch another replica committed, checking that it extends the local head and
    /// that its diff gives its recorded root; publishes its status events.
    private func applyCommitted(_ b: CommittedBatch) throws {
        let expected = lifecycle.withLock { $0.durableBatch + 1 }
        guard b.number == expected else {
            throw EngineError.corruptState("expected batch \(expected) from the database, got \(b.number)")
        }
        let (root, accounts) = try state.withLock { s throws(EngineError) in
            guard s.root == b.prevRoot else {
                throw EngineError.corruptState("batch \(b.number) follows root \(b.prevRoot), the local state is at \(s.root)")
            }
            let root: Digest32
            do {
                root = try s.apply(diff: b.diff, shielded: b.shielded)
            } catch {
                throw EngineError.corruptState("applying batch \(b.number): \(error)")
            }
            guard root == b.newRoot else {
                throw EngineError.corruptState("applying batch \(b.number) gives root \(root), the database recorded \(b.newRoot)")
            }
            return (root, s.accountCount)
        }
        let publish = lifecycle.withLock { l in
            l.durableBatch = b.number
            l.nextBatch = b.number + 1
            l.root = root
            defer { l.publishedBatch = max(l.publishedBatch, b.number) }
            return b.number > l.publishedBatch
        }
        _ = accounts
        guard publish else { return }
        events.publish(b.transactions.map { t in
            StatusEvent(id: t.id, status: t.accepted ? .sequenced : .rejected, reason: t.reason, batchNumber: b.number,
                        stateRoot: b.newRoot, atMs: b.committedAtMs)
        })
        let accepted = b.transactions.reduce(0) { $0 + ($1.accepted ? 1 : 0) }
        metrics.recordFollowedBatch(accepted: accepted, rejected: b.transactions.count - accepted, now: .now)
    }

    /// A follower tells its subscribers what the leader's finality engine stored (the leader
    /// publishes its own).
    private func announce(_ notice: FinalityNotice) async {
        // REVERTED is told by the chain revert itself (`followReverts`), with every undone batch.
        guard !isLeader, notice.status != .reverted else { return }
        // The batches must be applied here first, so that no subscriber hears of finality before
        // it heard of the batch.
        while lifecycle.withLock({ $0.publishedBatch }) < notice.lastBatch && !Task.isCancelled {
            await batchSignal.wait(timeout: .milliseconds(200))
        }
        // Only the events a subscriber will receive (see `FinalityEngine.publish`).
        let read: [(batch: UInt64, id: Digest32)]?
        switch events.interest(in: notice.status) {
        case .none: return
        case .ids(let wanted): read = try? await store.acceptedTransactionIds(from: notice.firstBatch, to: notice.lastBatch, among: wanted)
        case .all: read = try? await store.acceptedTransactionIds(from: notice.firstBatch, to: notice.lastBatch)
        }
        guard let ids = read, !ids.isEmpty else { return }
        let now = Self.nowMs()
        events.publish(ids.map { StatusEvent(id: $0.id, status: notice.status, reason: "", batchNumber: $0.batch,
                                             stateRoot: notice.root, atMs: now) })
    }

    // MARK: Lease

    /// Renews the lease while leading; otherwise watches it, points the forwarder at its holder,
    /// and takes it when it is free or expired. Heartbeats every couple of seconds.
    private func coordinate(_ r: (settings: ReplicationSettings, store: any ReplicationStore,
                                  forwarder: any TransactionForwarder)) async {
        let me = r.settings.replicaId
        var lastHeartbeat = ContinuousClock.now - .seconds(60)
        while !Task.isCancelled {
            let (role, stopping) = lifecycle.withLock { ($0.role, $0.stopping) }
            if stopping { return }
            switch role {
            case .leader(let term) where !term.isDeposed:
                do {
                    if try await !r.store.renewLease(replica: me, term: term.term, ttlMs: r.settings.leaseTtlMs) {
                        logger.warning("deposed: the lease was taken over", metadata: ["term": "\(term.term)"])
                        term.depose()
                        pool.nudge()
                    }
                } catch {
                    // Commits are fenced whatever happens here; keep trying.
                    logger.warning("lease renewal failed", metadata: ["term": "\(term.term)", "error": "\(error)"])
                }
            case .follower:
                if await tryToLead(r) { continue }
            default:
                break
            }
            if ContinuousClock.now - lastHeartbeat >= .seconds(2) {
                lastHeartbeat = .now
                let (roleName, applied) = lifecycle.withLock { l -> (String, UInt64) in
                    if case .leader = l.role { return ("leader", l.durableBatch) }
                    return ("follower", l.durableBatch)
                }
                try? await r.store.heartbeat(replica: me, endpoint: advertisedEndpoint.withLock { $0 }, role: roleName, appliedBatch: applied)
            }
            try? await Task.sleep(for: .milliseconds(r.settings.leaseCheckIntervalMs))
        }
    }

    /// Takes the lease when it is free, expired or this replica's own (a restart), and becomes the
    /// sequencer; otherwise points the forwarder at the holder. True when now leading.
    private func tryToLead(_ r: (settings: ReplicationSettings, store: any ReplicationStore,
                                 forwarder: any TransactionForwarder)) async -> Bool {
        let me = r.settings.replicaId
        do {
            let lease = try await r.store.currentLease()
            if let lease, lease.remainingMs > 0, lease.replica != me {
                r.forwarder.setLeader(lease.endpoint)
                return false
            }
            r.forwarder.setLeader(nil)
            guard let term = try await r.store.acquireLease(replica: me, endpoint: advertisedEndpoint.withLock { $0 },
                                                             ttlMs: r.settings.leaseTtlMs) else { return false }
            try await promote(to: term, r)
            return true
        } catch {
            logger.warning("lease check failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Becomes the sequencer in `term`: stops following, applies every batch the database has
    /// (nobody else can commit now: their terms are fenced), and starts sequencing from there.
    private func promote(to term: UInt64, _ r: (settings: ReplicationSettings, store: any ReplicationStore,
                                                 forwarder: any TransactionForwarder)) async throws {
        let follower = lifecycle.withLock { l in defer { l.followerTask = nil }; return l.followerTask }
        follower?.cancel()
        await follower?.value
        do {
            while try await catchUp(limit: 64) > 0 {}
        } catch {
            logger.error("cannot catch up after taking the lease; giving it up", metadata: ["error": "\(error)"])
            try? await r.store.releaseLease(replica: r.settings.replicaId, term: term)
            startFollowerTask()
            throw error
        }
        r.forwarder.setLeader(nil)
        beginTerm(LeaderTerm(term: term))
    }

    // MARK: Snapshots

    /// Writes a snapshot of the state after batch `number` in the background, from the database
    /// alone (the newest snapshot plus the diffs after it, merged), so the sequencer never waits.
    func scheduleSnapshot(upTo number: UInt64) {
        let store = self.store, logger = self.logger
        Task.detached(priority: .background) {
            do {
                let started = ContinuousClock.now
                guard let snapshot = try await store.snapshot(atBatch: number) else { return }
                try await store.saveSnapshot(snapshot)
                logger.info("state snapshot written", metadata: [
                    "batch": "\(number)", "accounts": "\(snapshot.accounts.count)",
                    "ms": "\((ContinuousClock.now - started).components.seconds * 1000 + (ContinuousClock.now - started).components.attoseconds / 1_000_000_000_000_000)",
                ])
            } catch {
                logger.warning("state snapshot failed", metadata: ["batch": "\(number)", "error": "\(error)"])
            }
        }
    }
}
