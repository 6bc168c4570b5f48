import Foundation

/// Rolling the chain back after the L1 reverted a commitment (its proposer lost a fraud-proof
/// game): on the leader, driven by the finality engine; on followers, when they see the revert
/// in the database.
///
/// Every batch from the reverted commitment's first batch B on is undone — the ones after the
/// commitment too, since they build on its state. The live chain continues from batch B − 1
/// with the same batch numbers (`ChainRevertStore`), subscribers hear REVERTED for every
/// accepted transaction of the undone batches, and the leader offers those transactions to its
/// pool again, ahead of what was waiting there: those still valid are sequenced anew (SEQUENCED
/// in a new batch, then POSTED ... in a new commitment), the others are REJECTED.
///
/// Offered again means validated again *fully*, signatures included, even for transfers a
/// trusted replica forwarded without a signature check (`--cluster-secret`): the leader trusts
/// its followers for throughput, but a transaction that lost a game is judged by the arbiter's
/// rules. After a lost game (a revert of a commitment) the ones that fail are also quarantined
/// (`Quarantine`): refused for good, from clients and replicas alike.
extension SettlementEngine: ChainReverter {
    /// Reverts the chain from `fromBatch` on (leader only; throws elsewhere). Sequencing pauses
    /// meanwhile: the term is suspended, its sealed batches made durable first, and a new run of
    /// the same term starts from the rebuilt state, whatever the outcome. The `onChainRevert`
    /// observers are told before sequencing resumes.
    public func revertChain(fromBatch: UInt64, commitmentIndex: UInt64?) async throws {
        try await revertChain(fromBatch: fromBatch, commitmentIndex: commitmentIndex, whileSuspended: nil)
    }

    /// `revertChain(fromBatch:commitmentIndex:)` with `whileSuspended` run once the database and
    /// the state are rolled back and the reverted transactions are back in the pool, before
    /// sequencing resumes, *in place of* the `onChainRevert` observers: the step of an ordered
    /// revert (`SettlementNode`) that resets what depends on the rolled-back state. Returns the
    /// revert done.
    @discardableResult
    public func revertChain(fromBatch: UInt64, commitmentIndex: UInt64?,
                            whileSuspended: (@Sendable (ChainRevert) async -> Void)?) async throws -> ChainRevert {
        guard fromBatch >= 1, let term = lifecycle.withLock({ $0.activeTerm }) else {
            throw SubmitError.unavailable("not the sequencer: only the sequencer rolls the chain back")
        }
        term.suspend()
        pool.nudge()
        await lifecycle.withLock({ $0.leaderTask })?.value
        let revert: ChainRevert
        do {
            guard !term.isDeposed else { throw SubmitError.unavailable("deposed while pausing for a rollback") }
            revert = try await revertPaused(fromBatch: fromBatch, commitmentIndex: commitmentIndex, term: term)
            if let whileSuspended { await whileSuspended(revert) } else { notifyRevertObservers(fromBatch: revert.fromBatch) }
        } catch {
            await resume(after: term)
            throw error
        }
        await resume(after: term)
        return revert
    }

    /// The rollback proper, with the term paused and every sealed batch durable.
    private func revertPaused(fromBatch: UInt64, commitmentIndex: UInt64?, term: LeaderTerm) async throws -> ChainRevert {
        let seen = lifecycle.withLock { $0.revertSeen }
        let revert: ChainRevert
        if let done = try await store.revertChain(fromBatch: fromBatch, term: term.term, commitmentIndex: commitmentIndex) {
            revert = done
        } else if let earlier = try await store.reverts(after: seen).last, earlier.fromBatch <= fromBatch {
            // Nothing left from `fromBatch` on: an earlier attempt's revert committed, its answer was lost.
            revert = earlier
        } else {
            throw EngineError.corruptState("no batch \(fromBatch) to revert and no revert recorded")
        }
        // The database is reverted: the state must follow before anything is sequenced again.
        // Only reads remain, so retry them until they work (sequencing waits).
        while true {
            do {
                try await rollBackState(toBatch: revert.fromBatch - 1, root: revert.validRoot, revert: revert.id)
                break
            } catch {
                logger.error("rebuilding the state after a chain revert failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
        announceReverted([revert])
        // Full validation (signatures included), spread over the cores, before the pool's lock.
        let offered = revert.accepted.map(\.transfer).filter { !$0.isL1Originated }
        let checked = await validation.validate(offered)
        requeue(revert, checked: checked, lostGame: commitmentIndex)
        requeueShielded(revert)
        logger.warning("chain rolled back", metadata: [
            "revert": "\(revert.id)", "commitment": "\(commitmentIndex.map { "\($0)" } ?? "none")",
            "batches": "\(revert.fromBatch)...\(revert.toBatch)", "resequencing": "\(revert.accepted.count)",
            "resequencing_shielded": "\(revert.acceptedShielded.count)"])
        return revert
    }

    /// After a rollback attempt: the same term sequences again, or, if it was deposed meanwhile,
    /// this replica hands its pool to the new leader.
    private func resume(after term: LeaderTerm) async {
        if term.isDeposed {
            await handOff(term, abandoned: [])
        } else {
            beginTerm(LeaderTerm(term: term.term))
        }
    }

    /// Puts the reverted transactions back in the pool (`checked`: their full validation, in
    /// order; deposits and inbox markers are not offered here: the L1 watchers take them again from
    /// the rolled-back bridge and inbox nonces, by the L1's current record, `onChainRevert`), then what was
    /// waiting there, in one critical section with submissions (each sender's nonces stay in
    /// order). After a lost game on commitment `lostGame`, a reverted transaction that fails
    /// validation is quarantined.
    private func requeue(_ revert: ChainRevert, checked: [Result<ValidatedTransfer, ValidationFailure>], lostGame: UInt64?) {
        let offered = revert.accepted.map(\.transfer).filter { !$0.isL1Originated }
        for (transfer, result) in zip(offered, checked) {
            guard let lostGame, case .failure(let f) = result else { continue }
            quarantine.add(transfer, reason: "quarantined: it was in commitment \(lostGame), lost in a fraud-proof game, "
                               + "and the arbiter's rules refuse it: \(f.reason)")
            logger.warning("reverted transaction quarantined", metadata: ["tx": "\(f.id)", "reason": "\(f.reason)"])
        }
        let (refusedReverted, refusedWaiting) = lifecycle.withLock { _ -> ([(Digest32, String)], [(TransactionPool.Entry, String)]) in
            let waiting = pool.drainAll()
            var refusedReverted: [(Digest32, String)] = []
            for (transfer, result) in zip(offered, checked) {
                switch result {
                case .failure(let f): refusedReverted.append((f.id, quarantine.reason(for: transfer) ?? f.reason))
                case .success(let tx):
                    do { try pool.add(tx, overCapacity: true) { _ in } } catch { refusedReverted.append((tx.id, "\(error)")) }
                }
            }
            var refusedWaiting: [(TransactionPool.Entry, String)] = []
            for e in waiting {
                do { try pool.add(e.tx, overCapacity: true, onReceipt: e.onReceipt) } catch { refusedWaiting.append((e, "\(error)")) }
            }
            return (refusedReverted, refusedWaiting)
        }
        let nowMs = Self.nowMs()
        events.publish(refusedReverted.map { StatusEvent(id: $0.0, status: .rejected, reason: "not sequenced again after a chain revert: \($0.1)",
                                                         batchNumber: 0, stateRoot: .zero, atMs: nowMs) })
        for (e, why) in refusedWaiting { e.onReceipt(.rejected(e.tx.id, why)) }
    }

    // MARK: Followers

    /// Undoes, on a follower (or a replica about to lead), the reverts another replica made since
    /// the last one this state reflects. True when there were any (the caller reads the chain again).
    func followReverts() async throws -> Bool {
        guard let latest = try await store.latestRevert() else { return false }
        let seen = lifecycle.withLock { $0.revertSeen }
        guard latest.id > seen else { return false }
        let reverts = try await store.reverts(after: seen)
        guard let first = reverts.min(by: { $0.fromBatch < $1.fromBatch }) else { return false }
        let applied = lifecycle.withLock { $0.durableBatch }
        if applied >= first.fromBatch {
            try await rollBackState(toBatch: first.fromBatch - 1, root: first.validRoot, revert: latest.id)
            announceReverted(reverts.map { $0.applied(upTo: applied) })
            notifyRevertObservers(fromBatch: first.fromBatch)
        } else {
            lifecycle.withLock { $0.revertSeen = latest.id }
        }
        logger.warning("followed a chain revert", metadata: ["revert": "\(latest.id)", "from_batch": "\(first.fromBatch)"])
        return true
    }

    /// Registers `observer`, called with the first reverted batch after every chain revert this
    /// replica applies (the deposit watcher forgets the credits of the undone batches): a
    /// follower's, and the leader's unless the revert ran with `whileSuspended`.
    public func onChainRevert(_ observer: @escaping @Sendable (_ fromBatch: UInt64) -> Void) {
        revertObservers.withLock { $0.append(observer) }
    }

    private func notifyRevertObservers(fromBatch: UInt64) {
        for observer in revertObservers.withLock({ $0 }) { observer(fromBatch) }
    }

    // MARK: State

    /// Sets the state to batch `batch` with root `root`: undone in memory when the batches are
    /// still retained, else rebuilt from the database (which must already be reverted).
    private func rollBackState(toBatch batch: UInt64, root: Digest32, revert: UInt64) async throws {
        // Held batches of the undone chain must never become commitment data.
        recentBatches.reset()
        let fast: Digest32? = state.withLock { s in try? s.rollback(toBatch: batch) }
        var rebuilt = fast
        if fast != root {
            let chain = try await store.persistedChain(upTo: batch)
            let retained = config.retainedBatches
            let window = config.shielded?.rootWindow ?? ShieldedPool.defaultWindow
            let (last, r) = try state.withLock { (s: inout sending StateManager) throws -> (UInt64, Digest32) in
                s = StateManager(retainedBatches: retained, shieldedRootWindow: window)
                return try Self.replay(chain, into: &s)
            }
            guard last == batch, r == root else {
                throw EngineError.corruptState("after the revert the database's chain ends at batch \(last) with root \(r), expected \(batch) with \(root)")
            }
            rebuilt = r
        }
        lifecycle.withLock { l in
            l.nextBatch = batch + 1
            l.durableBatch = batch
            l.root = rebuilt ?? root
            l.publishedBatch = min(l.publishedBatch, batch)
            l.revertSeen = max(l.revertSeen, revert)
        }
    }

    /// REVERTED for every accepted transaction of the reverted batches.
    private func announceReverted(_ reverts: [ChainRevert]) {
        let nowMs = Self.nowMs()
        for r in reverts {
            let reason = "its batch was reverted after a lost fraud-proof game"
            events.publish(r.accepted.map {
                StatusEvent(id: $0.transfer.id, status: .reverted, reason: reason, batchNumber: $0.batch, stateRoot: r.validRoot, atMs: nowMs)
            } + r.acceptedShielded.map {
                StatusEvent(id: $0.transaction.id, status: .reverted, reason: reason, batchNumber: $0.batch, stateRoot: r.validRoot,
                            atMs: nowMs)
            })
        }
    }
}
