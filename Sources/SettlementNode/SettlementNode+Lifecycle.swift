import Logging
import Settlement

extension SettlementNode {
    /// Starts the node, in order: the engine, the L1 (`connectL1`), the proposer defense and the
    /// finality engine, the deposit and inbox watchers. On failure what started is stopped again.
    public func start() async throws {
        try await engine.start()
        let d: L1Duties
        do {
            d = try await makeDuties()
        } catch {
            await engine.stop()
            throw error
        }
        duties.withLock { $0 = d }
        guard settings.runsL1DutiesInBackground else { return }
        let engine = self.engine
        let finalityTask = Task { await d.finality.run(isActive: { engine.isLeader }) }
        let interval = settings.watcherPollInterval
        let watcherTask = Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                if engine.isLeader {
                    do { try await self.watcherStep() } catch {
                        self.logger.warning("L1 watcher pass failed", metadata: ["error": "\(error)"])
                    }
                }
                try? await Task.sleep(for: interval)
            }
        }
        tasks.withLock { $0 = (finalityTask, watcherTask) }
    }

    /// Stops the node, in the reverse order of `start()`: the watchers, the finality engine, then
    /// the engine (closed batches made durable, lease given up, forwarder closed). The store and
    /// the L1 stay open: they are the caller's.
    public func stop() async {
        let (finality, watchers) = tasks.withLock { t in defer { t = (nil, nil) }; return t }
        watchers?.cancel()
        await watchers?.value
        finality?.cancel()
        await finality?.value
        await engine.stop()
    }

    /// One pass of the L1 duties, as the background tasks run them: the finality engine's step
    /// (which may revert the chain), then one pass of the watchers. For tests and tools that drive
    /// the node block by block.
    public func l1Step() async throws {
        guard let d = l1Duties else { throw SubmitError.unavailable("the node is not started") }
        try await d.finality.step()
        try await watcherStep()
    }

    /// One pass of the deposit and inbox watchers, unless a revert holds them.
    public func watcherStep() async throws {
        guard let d = l1Duties, await gate.enter() else { return }
        do {
            try await d.deposits.step()
            try await d.inbox.step()
        } catch {
            await gate.leave()
            throw error
        }
        await gate.leave()
    }

    private func makeDuties() async throws -> L1Duties {
        guard let genesisBatch = try await store.batch(0) else { throw EngineError.corruptState("the store has no genesis batch") }
        let l1 = try await connectL1(genesisBatch.newRoot, engine.domain)
        let config = engine.config
        let rules = config.transitionRules(engine.domain)
        let defense = ProposerDefense(l1: l1, proposer: settings.finality.proposer, rules: rules,
                                      stateAfterBatch: ProposerDefense.stateLoader(from: store, shieldedRootWindow: rules.shieldedRootWindow),
                                      logger: Logger(label: "\(logger.label).proposer-defense"), challengeLog: store)
        let engine = self.engine
        let finality = FinalityEngine(settings: settings.finality, l1: l1, store: store, domain: engine.domain, events: engine.events,
                                      durableHead: { engine.head.batch }, logger: Logger(label: "\(logger.label).finality"),
                                      defense: defense, reverter: route, recentBatches: engine.recentBatches,
                                      leaderTerm: { engine.leaderTerm })
        // Deposits are credited from the safe depth, not the commitment confirmation depth. A
        // credited deposit lost to a deeper reorg asks the finality engine for a rollback, which
        // it does through `revert` once it checked no commitment holds that batch yet.
        let deposits = DepositWatcher(settings: DepositWatcher.Settings(confirmationDepth: settings.depositSafeDepth),
                                      l1: l1, engine: engine, logger: Logger(label: "\(logger.label).deposits")) { lost in
            finality.requestRollback(fromBatch: lost.batch)
        }
        let inbox = InboxWatcher(settings: InboxWatcher.Settings(confirmationDepth: settings.depositSafeDepth),
                                 l1: l1, engine: engine, logger: Logger(label: "\(logger.label).inbox"))
        return L1Duties(l1: l1, finality: finality, deposits: deposits, inbox: inbox, defense: defense)
    }
}
