import Logging
import Synchronization

/// Credits L1 deposits on L2 once their L1 block is confirmed. Runs on every replica and acts
/// while the replica leads (like `FinalityEngine`; `SettlementNode` starts both with the L1).
///
/// One pass (`step()`, every `pollInterval`):
/// 1. **Re-check** the deposits this watcher saw credited (the newest `recheckWindow`) against
///    the L1's current record: one the L1 no longer holds with the same recipient and amount was
///    removed or changed by a reorg deeper than the confirmation depth. That is logged as a
///    critical error with the deposit id and the batch that credited it, and reported once to
///    `onCreditedDepositLost` — the hook for a chain rollback (not done here: `SettlementNode`
///    asks the finality engine for it, which reverts through the node's ordered sequence while no
///    commitment holds that credit; one that does would lose a fraud-proof game).
/// 2. **Credit**: from id = max(the state's bridge nonce — the deposits credited —, the next id
///    not yet handed to the pool), read the deposits the arbiter holds at the L1 head; those whose
///    block is `confirmationDepth` deep (the same count as L1_CONFIRMED: head − block + 1 ≥
///    depth) and still canonical are handed to the pool in id order
///    (`SettlementEngine.enqueueDeposits`), up to the first that is not.
///
/// A deposit whose block a reorg drops before it is confirmed is not credited: it is credited once
/// it is included again and confirmed (under the id of the new canonical order), or never if it
/// never comes back. After a restart or a leader change the new leader's watcher starts from its
/// state's bridge nonce, so nothing is lost or credited twice (a repeat would be rejected for its
/// nonce anyway).
public final class DepositWatcher: Sendable {
    /// Tunables.
    public struct Settings: Sendable {
        /// L1 blocks (including the deposit's) before a deposit is credited: the engine's
        /// `l1_confirmation_depth`.
        public var confirmationDepth: Int
        /// Time between passes.
        public var pollInterval: Duration = .milliseconds(500)
        /// Most deposits handed to the pool in one pass.
        public var maxPerPass = 1_000
        /// How many of the newest credited deposits each pass re-checks against the L1.
        public var recheckWindow = 1_024

        /// Settings with `confirmationDepth` and the defaults.
        public init(confirmationDepth: Int) { self.confirmationDepth = confirmationDepth }
    }

    /// A credited deposit that the L1 no longer holds as it was credited.
    public struct LostDeposit: Sendable, Hashable {
        /// The deposit id (the bridge nonce of its L2 transaction).
        public let depositId: UInt64
        /// The batch that credited it.
        public let batch: UInt64
        /// The deposit as it was when credited.
        public let credited: L1Deposit
        /// What the L1 holds under that id now (nil: no deposit with that id any more).
        public let current: L1Deposit?
    }

    private struct Memory {
        var term: UInt64?
        /// The next deposit id to hand to the pool; nil: from the state's bridge nonce.
        var next: UInt64?
        /// Counts the rejections that reset `next` (a pass does not overwrite a newer reset).
        var resets = 0
        /// Handed to the pool and not answered yet (ids).
        var pending: Set<UInt64> = []
        /// Credited in a batch this watcher heard of: id → the deposit as read, and the batch.
        var credited: [UInt64: (deposit: L1Deposit, batch: UInt64)] = [:]
        /// Deposits already reported lost.
        var lost: [UInt64: LostDeposit] = [:]
        /// Deposit ids whose execution rejection was logged (logged once each).
        var rejectionsLogged: Set<UInt64> = []
    }

    public let settings: Settings
    private let l1: any L1Client
    private let engine: SettlementEngine
    private let logger: Logger
    private let onCreditedDepositLost: @Sendable (LostDeposit) -> Void
    private let memory = Lock(Memory())

    /// A watcher crediting `l1`'s deposits through `engine`. `onCreditedDepositLost` is called
    /// once per credited deposit that a deep reorg removed or changed (after the critical log).
    public init(settings: Settings, l1: any L1Client, engine: SettlementEngine, logger: Logger,
                onCreditedDepositLost: @escaping @Sendable (LostDeposit) -> Void = { _ in }) {
        self.settings = settings
        self.l1 = l1
        self.engine = engine
        self.logger = logger
        self.onCreditedDepositLost = onCreditedDepositLost
    }

    /// Deposits handed to the pool whose receipt has not come yet.
    public var pendingCount: Int { memory.withLock { $0.pending.count } }

    /// Credited deposits found lost so far, by id.
    public var lostDeposits: [UInt64: LostDeposit] { memory.withLock { $0.lost } }

    /// Call after the chain was reverted from batch `fromBatch` on (the state rolled back): forgets
    /// the credits of those batches (lost or not) and where it stopped handing deposits over, so the
    /// next pass credits again from the rolled-back state's bridge nonce, by the L1's current record.
    public func chainReverted(fromBatch: UInt64) {
        memory.withLock { m in
            m.next = nil
            m.resets += 1
            m.credited = m.credited.filter { $0.value.batch < fromBatch }
            m.lost = m.lost.filter { $0.value.batch < fromBatch }
            m.rejectionsLogged = []
        }
    }

    /// Runs `step()` every `pollInterval` while `isActive()` (the sequencer), until cancelled.
    public func run(isActive: @escaping @Sendable () -> Bool) async {
        while !Task.isCancelled {
            if isActive() {
                do { try await step() } catch {
                    logger.warning("deposit watcher step failed", metadata: ["error": "\(error)"])
                }
            }
            try? await Task.sleep(for: settings.pollInterval)
        }
    }

    /// One pass: re-check credited deposits, then hand the newly confirmed ones to the pool.
    /// Does nothing unless the engine leads.
    public func step() async throws {
        guard let term = engine.leaderTerm else { return }
        memory.withLock { m in
            if m.term != term {
                m.term = term
                m.next = nil  // the pool of an earlier term is gone: start from the state
            }
        }
        let head = try await l1.head()
        try await recheck()
        let credited = engine.creditedDeposits
        let from = max(credited, memory.withLock { $0.next } ?? credited)
        let depth = UInt64(max(1, settings.confirmationDepth))
        guard head.number + 1 >= depth else { return }
        let confirmedTip = head.number + 1 - depth
        var ready: [L1Deposit] = []
        var canonical: [UInt64: Digest32] = [:]
        for d in try await l1.deposits(fromID: from, limit: settings.maxPerPass) {
            guard d.l1BlockNumber <= confirmedTip else { break }
            if canonical[d.l1BlockNumber] == nil {
                canonical[d.l1BlockNumber] = try await l1.block(number: d.l1BlockNumber)?.hash
            }
            guard canonical[d.l1BlockNumber] == d.l1BlockHash else { break }  // a reorg since the read
            ready.append(d)
        }
        guard !ready.isEmpty else { return }
        let resets = memory.withLock { m in
            for d in ready { m.pending.insert(d.id) }
            return m.resets
        }
        let taken = engine.enqueueDeposits(ready) { [weak self] deposit, receipt in self?.answered(deposit, receipt) }
        memory.withLock { m in
            for d in ready[taken...] { m.pending.remove(d.id) }
            // Unless a rejection reset it meanwhile (then the next pass starts from the state).
            if taken > 0, m.term == term, m.resets == resets { m.next = from + UInt64(taken) }
        }
        guard taken > 0 else { return }
        logger.info("deposits handed to the sequencer", metadata: [
            "from_id": "\(from)", "count": "\(taken)", "l1_head": "\(head.number)"])
    }

    /// A deposit's receipt: SEQUENCED records it for re-checking; a rejection other than "already
    /// waiting in the pool" makes the next pass start again from the state's bridge nonce.
    private func answered(_ deposit: L1Deposit, _ receipt: Receipt) {
        memory.withLock { _ = $0.pending.remove(deposit.id) }
        if receipt.status == .sequenced {
            memory.withLock { m in
                m.credited[deposit.id] = (deposit, receipt.batchNumber)
                if m.credited.count > settings.recheckWindow, let oldest = m.credited.keys.min() { m.credited[oldest] = nil }
            }
            return
        }
        guard receipt.reason != PoolRejection.duplicate.description else { return }
        let firstTime = memory.withLock { m in
            m.next = nil
            m.resets += 1
            return m.rejectionsLogged.insert(deposit.id).inserted
        }
        if firstTime {
            logger.warning("deposit not credited; offered again from the bridge nonce", metadata: [
                "deposit_id": "\(deposit.id)", "recipient": "\(deposit.recipient)", "amount": "\(deposit.amount)",
                "reason": "\(receipt.reason)"])
        }
    }

    /// Compares every remembered credited deposit with the L1's current record.
    private func recheck() async throws {
        let watched = memory.withLock { m in m.credited.filter { m.lost[$0.key] == nil } }
        guard let low = watched.keys.min(), let high = watched.keys.max() else { return }
        let current = try await l1.deposits(fromID: low, limit: Int(clamping: high - low + 1))
        let byID = Dictionary(current.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for (id, entry) in watched.sorted(by: { $0.key < $1.key }) {
            let now = byID[id]
            if let now, now.recipient == entry.deposit.recipient, now.amount == entry.deposit.amount {
                if now.l1BlockHash != entry.deposit.l1BlockHash {
                    // Re-included elsewhere by a deep reorg, same content: the credit still holds.
                    logger.notice("a credited deposit moved to another L1 block", metadata: [
                        "deposit_id": "\(id)", "batch": "\(entry.batch)", "l1_block": "\(now.l1BlockNumber)"])
                    memory.withLock { $0.credited[id] = (now, entry.batch) }
                }
                continue
            }
            let lost = LostDeposit(depositId: id, batch: entry.batch, credited: entry.deposit, current: now)
            memory.withLock { $0.lost[id] = lost }
            logger.critical("an L1 reorg deeper than the confirmation depth removed or changed a credited deposit", metadata: [
                "deposit_id": "\(id)", "batch": "\(entry.batch)", "credited": "\(entry.deposit.amount) to \(entry.deposit.recipient)",
                "l1_now": "\(now.map { "\($0.amount) to \($0.recipient)" } ?? "no such deposit")"])
            onCreditedDepositLost(lost)
        }
    }
}
