import Logging
import Synchronization

/// Sequences the L1 inbox's forced transfers (`L1InboxItem`) once their L1 block is confirmed, as
/// `DepositWatcher` credits deposits. Runs on every replica and acts while the replica leads.
///
/// One pass (`step()`): from id = max(the state's inbox nonce — the items consumed —, the next id
/// not yet handed to the pool), read the items the arbiter holds at the head; those whose block is
/// `confirmationDepth` deep and still canonical are handed to the pool as markers in id order
/// (`SettlementEngine.enqueueInboxItems`), up to the first that is not. The arbiter refuses any
/// commitment that leaves an item unconsumed past its inclusion delay (12 hours by default), so
/// the confirmation depth (minutes) must stay far below it.
///
/// After a restart, a leader change or a chain revert (`chainReverted`), it starts again from the
/// state's inbox nonce, so nothing is lost or consumed twice (a repeat is rejected for its nonce).
public final class InboxWatcher: Sendable {
    /// Tunables.
    public struct Settings: Sendable {
        /// L1 blocks (including the item's) before an item is sequenced: the deposits' depth.
        public var confirmationDepth: Int
        /// Time between passes.
        public var pollInterval: Duration = .milliseconds(500)
        /// Most items handed to the pool in one pass.
        public var maxPerPass = 1_000

        /// Settings with `confirmationDepth` and the defaults.
        public init(confirmationDepth: Int) { self.confirmationDepth = confirmationDepth }
    }

    private struct Memory {
        var term: UInt64?
        /// The next item id to hand to the pool; nil: from the state's inbox nonce.
        var next: UInt64?
        /// Counts the resets of `next` (a pass does not overwrite a newer reset).
        var resets = 0
    }

    public let settings: Settings
    private let l1: any L1Client
    private let engine: SettlementEngine
    private let logger: Logger
    private let memory = Lock(Memory())

    /// A watcher sequencing `l1`'s inbox through `engine`.
    public init(settings: Settings, l1: any L1Client, engine: SettlementEngine, logger: Logger) {
        self.settings = settings
        self.l1 = l1
        self.engine = engine
        self.logger = logger
    }

    /// Call after the chain was reverted (the state rolled back): the next pass starts again from
    /// the rolled-back state's inbox nonce.
    public func chainReverted(fromBatch: UInt64) {
        memory.withLock { m in
            m.next = nil
            m.resets += 1
        }
    }

    /// Runs `step()` every `pollInterval` while `isActive()` (the sequencer), until cancelled.
    public func run(isActive: @escaping @Sendable () -> Bool) async {
        while !Task.isCancelled {
            if isActive() {
                do { try await step() } catch {
                    logger.warning("inbox watcher step failed", metadata: ["error": "\(error)"])
                }
            }
            try? await Task.sleep(for: settings.pollInterval)
        }
    }

    /// One pass: hand the newly confirmed inbox items to the pool. Does nothing unless the engine
    /// leads.
    public func step() async throws {
        guard let term = engine.leaderTerm else { return }
        memory.withLock { m in
            if m.term != term {
                m.term = term
                m.next = nil
            }
        }
        let head = try await l1.head()
        let consumed = engine.consumedInboxItems
        let from = max(consumed, memory.withLock { $0.next } ?? consumed)
        let depth = UInt64(max(1, settings.confirmationDepth))
        guard head.number + 1 >= depth else { return }
        let confirmedTip = head.number + 1 - depth
        var ready: [L1InboxItem] = []
        var canonical: [UInt64: Digest32] = [:]
        for item in try await l1.inboxItems(fromID: from, limit: settings.maxPerPass) {
            guard item.l1BlockNumber <= confirmedTip else { break }
            if canonical[item.l1BlockNumber] == nil {
                canonical[item.l1BlockNumber] = try await l1.block(number: item.l1BlockNumber)?.hash
            }
            guard canonical[item.l1BlockNumber] == item.l1BlockHash else { break }  // a reorg since the read
            ready.append(item)
        }
        guard !ready.isEmpty else { return }
        let resets = memory.withLock { $0.resets }
        let taken = engine.enqueueInboxItems(ready) { [weak self] item, receipt in self?.answered(item, receipt) }
        memory.withLock { m in
            if taken > 0, m.term == term, m.resets == resets { m.next = from + UInt64(taken) }
        }
        guard taken > 0 else { return }
        logger.info("forced inbox transfers handed to the sequencer", metadata: [
            "from_id": "\(from)", "count": "\(taken)", "l1_head": "\(head.number)"])
    }

    /// A marker's receipt: a rejection other than "already waiting in the pool" makes the next
    /// pass start again from the state's inbox nonce.
    private func answered(_ item: L1InboxItem, _ receipt: Receipt) {
        guard receipt.status != .sequenced, receipt.reason != PoolRejection.duplicate.description else { return }
        memory.withLock { m in
            m.next = nil
            m.resets += 1
        }
        logger.warning("inbox item not sequenced; offered again from the inbox nonce", metadata: [
            "inbox_id": "\(item.id)", "reason": "\(receipt.reason)"])
    }
}
