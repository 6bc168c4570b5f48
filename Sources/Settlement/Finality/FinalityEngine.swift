import Foundation
import Logging
import Synchronization

/// Carries durable batches to finality on L1 (the product's finality engine, with the commitment
/// poster of the optimistic rollup).
///
/// One pass (`step()`), run every `pollInterval` while this replica is the sequencer:
/// 0. **Roll back**: a reverted commitment whose batches are still in the live chain (a lost
///    game) gets its rollback from the `ChainReverter` first; nothing is posted until it is done.
/// 1. **Post**: every `l1_settlement_interval`, the durable batches after the last commitment
///    (at most `max_batches_per_commitment`, and as many whole batches as fit in one L1
///    transaction, `BatchData.maxCommitmentBytes`: the rest go in the next commitment) become one
///    commitment — previous root, new root, batch range, the data root of the compressed data
///    (`BatchData`, `BatchDataTree`) — sent with its data, a bond and, when the data holds
///    shielded lane transactions, the SnarkPack aggregate of their spend proofs
///    (`LaneAggregate`, built on a thread of its own: seconds of CPU). Their transactions become
///    POSTED.
/// 2. **Follow L1**: the hashes of recently seen blocks are re-read; a different hash at the
///    same height is a reorg (logged with its depth). Each unsettled commitment's receipt is
///    read: included `l1_confirmation_depth` deep → L1_CONFIRMED; its receipt gone after it had
///    been included (dropped by a reorg), or still missing `repostAfterBlocks` after posting →
///    posted again, in order (a reorg deeper than the confirmation depth un-confirms).
/// 3. **Finalize**: an L1-confirmed commitment whose challenge period (in L1 time, from its
///    block's timestamp) is over and that the arbiter holds final (`L1Client.isFinal`: no game
///    open on it or any earlier commitment, every earlier period over), after every earlier
///    commitment was finalized, is FINALIZED: prefix-closed, so no challenge can revert it any
///    more (a lost game on a parent would revert it too). An included commitment the arbiter
///    no longer holds was reverted by a lost challenge: REVERTED, as soon as that is seen, and
///    rolled back at once (step 0). The next commitment takes the next unused index and chains
///    to the newest commitment not reverted, as the arbiter requires.
/// 4. **Defend**: with a `ProposerDefense`, every challenge game against our commitments gets
///    its next move (a failure there is logged and does not stop the other duties).
///
/// Posting is fenced by the leader's term (`leaderTerm`): the commitment, with the hash of the L1
/// transaction that will carry it, is recorded under the term fence *before* it is sent, so a
/// deposed leader posts nothing and a crash after sending leaves a record that the next leader
/// re-sends (the same L1 transaction, or one the arbiter refuses while it holds the first). A
/// commitment the L1 holds that this database does not know — posted before a crash by a version
/// that recorded after sending, or by a racing leader — is adopted when it is exactly the one
/// this engine would post next, and refused loudly otherwise (docs/engine-recovery.md).
///
/// Every status change is stored (`FinalityStore`: the commitment, and its batches' L1 status
/// that `GetSettlementStatus` reports) before subscribers hear of it.
public final class FinalityEngine: Sendable {
    public struct Settings: Sendable {
        public var settlementInterval: Duration
        public var confirmationDepth: Int
        public var challengePeriodMs: UInt64
        public var maxBatchesPerCommitment: Int
        /// L1 address that posts commitments (the proposer) and the bond it puts up.
        public var proposer: L1Address
        public var bond: UInt256
        /// A commitment with no receipt after this many blocks is sent again.
        public var repostAfterBlocks: UInt64 = 16
        public var pollInterval: Duration = .milliseconds(500)
        /// Test and demo only: post the commitment with this index with a wrong new root.
        public var faultInjectWrongRootAt: UInt64?
        /// The keys that aggregate a commitment's shielded lane (from the aggregation SRS); nil:
        /// data with lane transactions is not posted (posting pauses, logged).
        public var laneAggregation: LaneProverKeys?

        public init(settlementInterval: Duration, confirmationDepth: Int, challengePeriodMs: UInt64,
                    maxBatchesPerCommitment: Int, proposer: L1Address, bond: UInt256) {
            self.settlementInterval = settlementInterval
            self.confirmationDepth = confirmationDepth
            self.challengePeriodMs = challengePeriodMs
            self.maxBatchesPerCommitment = maxBatchesPerCommitment
            self.proposer = proposer
            self.bond = bond
        }
    }

    private struct Memory {
        var lastPost: ContinuousClock.Instant?
        /// Recently seen canonical blocks (number → hash), for reorg detection.
        var seen: [UInt64: Digest32] = [:]
        /// L1 head when each unsettled commitment was (re)posted.
        var postedAtBlock: [UInt64: UInt64] = [:]
        var attempts: [UInt64: UInt64] = [:]
        var reorgs = 0
        /// The index at which posting stopped after a revert (logged once).
        var pausedAt: UInt64?
        /// The first batch of a rollback asked for by `requestRollback` (not yet done).
        var requestedRollback: UInt64?
        /// A batch too large for one commitment that stopped posting (logged once).
        var oversizedBatch: UInt64?
        /// Lane aggregates of recent commitments (index → data hash and bytes), for re-posts.
        var aggregates: [UInt64: (data: Digest32, bytes: [UInt8])] = [:]
        /// The commitment index whose lane aggregate could not be built (logged once).
        var laneBlocked: UInt64?
    }

    public let settings: Settings
    private let l1: any L1Client
    private let store: any FinalityStore
    private let domain: SigningDomain
    private let events: StatusEvents
    private let durableHead: @Sendable () -> UInt64
    private let logger: Logger
    private let defense: ProposerDefense?
    private let reverter: (any ChainReverter)?
    /// The leader's durable batches not yet committed, when the engine keeps them: commitment data
    /// and POSTED events come from there, from the store otherwise.
    private let recentBatches: RecentBatches?
    /// The leader's current term (nil: not leading, post nothing); nil closure: posting unfenced
    /// (single-process tests).
    private let leaderTerm: (@Sendable () -> UInt64?)?
    private let memory = Lock(Memory())

    public init(settings: Settings, l1: any L1Client, store: any FinalityStore, domain: SigningDomain, events: StatusEvents,
                durableHead: @escaping @Sendable () -> UInt64, logger: Logger, defense: ProposerDefense? = nil,
                reverter: (any ChainReverter)? = nil, recentBatches: RecentBatches? = nil,
                leaderTerm: (@Sendable () -> UInt64?)? = nil) {
        self.leaderTerm = leaderTerm
        self.defense = defense
        self.reverter = reverter
        self.recentBatches = recentBatches
        self.settings = settings
        self.l1 = l1
        self.store = store
        self.domain = domain
        self.events = events
        self.durableHead = durableHead
        self.logger = logger
    }

    /// Reorgs noticed so far.
    public var reorgsDetected: Int { memory.withLock { $0.reorgs } }

    /// Runs `step()` every `pollInterval` while `isActive()` (the sequencer), until cancelled.
    public func run(isActive: @escaping @Sendable () -> Bool) async {
        while !Task.isCancelled {
            if isActive() {
                do { try await step() } catch {
                    logger.warning("finality step failed", metadata: ["error": "\(error)"])
                }
            }
            try? await Task.sleep(for: settings.pollInterval)
        }
    }

    /// One pass: roll back after a lost game, post if due, follow L1, finalize, answer challenge games.
    public func step() async throws {
        let head = try await l1.head()
        try await detectReorg(head: head)
        var rolledBack = try await rollBackIfOwed()
        if rolledBack { rolledBack = try await rollBackIfRequested() }
        if rolledBack { try await postIfDue(head: head) }
        // Oldest first: a commitment finalizes only after every earlier one did (prefix-closed).
        var earlierFinal = true
        for var record in try await store.unsettledCommitments() {
            try await advance(&record, head: head, earlierFinal: earlierFinal)
            if record.status != .finalized && record.status != .reverted { earlierFinal = false }
        }
        if rolledBack { _ = try await rollBackIfOwed() }
        if let defense {
            do { try await defense.step(head: head) } catch {
                logger.error("answering challenge games failed", metadata: ["error": "\(error)"])
            }
        }
    }

    // MARK: Rollback

    /// Has the chain rolled back past every reverted commitment; false while one is still owed
    /// (no reverter, or it failed: retried next step).
    private func rollBackIfOwed() async throws -> Bool {
        guard let owed = try await store.pendingRollback() else { return true }
        guard let reverter else {
            let first = memory.withLock { m in m.pausedAt == owed.commitment.index ? false : { m.pausedAt = owed.commitment.index; return true }() }
            if first {
                logger.error("posting paused: commitment \(owed.commitment.index) was reverted on L1 and nothing here can roll the chain back")
            }
            return false
        }
        logger.warning("rolling the chain back after a lost challenge", metadata: [
            "commitment": "\(owed.commitment.index)", "from_batch": "\(owed.commitment.firstBatch)"])
        try await reverter.revertChain(fromBatch: owed.commitment.firstBatch, commitmentIndex: owed.commitment.index)
        memory.withLock { m in
            m.lastPost = nil
            m.pausedAt = nil
        }
        return true
    }

    /// Asks for the chain to be rolled back from `fromBatch` on at the next step (before anything
    /// is posted): a deposit credited in that batch was removed or changed by an L1 reorg deeper
    /// than the confirmation depth. Possible only while no commitment holds the batch yet; after
    /// that a validator's challenge reverts the commitment, and the rollback follows from it.
    public func requestRollback(fromBatch: UInt64) {
        memory.withLock { m in m.requestedRollback = min(m.requestedRollback ?? fromBatch, fromBatch) }
    }

    /// Notes that the chain was reverted from `fromBatch` on (a step of `SettlementNode`'s ordered
    /// revert): a requested rollback the revert covers is done, a paused posting may go on, and
    /// the re-sequenced batches are posted at the next step rather than a settlement interval later.
    public func chainReverted(fromBatch: UInt64) {
        memory.withLock { m in
            if let requested = m.requestedRollback, requested >= fromBatch { m.requestedRollback = nil }
            m.lastPost = nil
            m.pausedAt = nil
        }
    }

    /// Does a requested rollback; false while one is still owed (retried next step).
    private func rollBackIfRequested() async throws -> Bool {
        guard let from = memory.withLock({ $0.requestedRollback }) else { return true }
        guard let reverter else { return true }
        if let held = try await store.latestCommitment(), held.commitment.lastBatch >= from {
            logger.critical("batch \(from) must be undone but commitment \(held.commitment.index) already holds it: a validator's challenge will revert it, and the rollback follows from that",
                            metadata: ["commitment": "\(held.commitment.index)", "batch": "\(from)"])
            memory.withLock { $0.requestedRollback = nil }
            return true
        }
        guard from <= durableHead() else {
            memory.withLock { $0.requestedRollback = nil }
            return true
        }
        logger.warning("rolling the chain back: a credited deposit was lost to a deep L1 reorg", metadata: ["from_batch": "\(from)"])
        try await reverter.revertChain(fromBatch: from, commitmentIndex: nil)
        memory.withLock { m in if m.requestedRollback == from { m.requestedRollback = nil } }
        return true
    }

    // MARK: Posting

    /// Posts every `settlementInterval`; while more batches wait than one commitment may carry,
    /// up to `maxCommitmentsPerStep` go out at once.
    private func postIfDue(head: L1BlockHeader) async throws {
        let due = memory.withLock { m in m.lastPost.map { ContinuousClock.now - $0 >= settings.settlementInterval } ?? true }
        guard due else { return }
        for _ in 0..<Self.maxCommitmentsPerStep {
            guard try await postNext(head: head) else { return }
        }
    }

    static let maxCommitmentsPerStep = 8

    /// The longest prefix of `batches` whose data fits in one commitment
    /// (`BatchData.maxCommitmentBytes`) with at most `maxLane` lane transactions (what one
    /// aggregate serves): empty only when the first batch alone does not fit (the sequencer
    /// bounds every batch so it does).
    static func fittingPrefix(of batches: [BatchData.Batch], domain: SigningDomain,
                              maxLane: Int = LaneAggregate.maxProofCount) -> [BatchData.Batch] {
        var sizer = BatchData.Sizer(domain: domain)
        var count = 0, lane = 0
        for batch in batches {
            sizer.add(batch)
            lane += batch.shielded.count
            guard sizer.size <= BatchData.maxCommitmentBytes, lane <= maxLane else { break }
            count += 1
        }
        return Array(batches.prefix(count))
    }

    /// Posts the next commitment; false when no durable batch waits for one.
    private func postNext(head: L1BlockHeader) async throws -> Bool {
        let last = try await store.latestCommitment()
        let from = (last?.commitment.lastBatch ?? 0) + 1
        let upTo = min(durableHead(), from + UInt64(settings.maxBatchesPerCommitment) - 1)
        guard upTo >= from else { return false }
        let (prevRoot, held, heldBatches) = try await batchData(from: from, to: upTo)
        // As many whole batches as fit in one L1 transaction; the rest go in the next commitment.
        let batches = Self.fittingPrefix(of: heldBatches, domain: domain,
                                         maxLane: settings.laneAggregation?.verifier.maxLaneTransactions ?? LaneAggregate.maxProofCount)
        guard let lastBatch = batches.last else {
            let first = memory.withLock { m in m.oversizedBatch == from ? false : { m.oversizedBatch = from; return true }() }
            if first {
                logger.critical("posting paused: batch \(from) alone exceeds what one commitment may carry (\(BatchData.maxCommitmentBytes) bytes of data, or more shielded transactions than one aggregate serves)",
                                metadata: ["batch": "\(from)"])
            }
            return false
        }
        let to = lastBatch.number
        let newRoot = to == upTo ? held : try await batchData(from: to, to: to).newRoot
        let data = BatchData.encode(batches, domain: domain)
        let transfers = batches.flatMap(\.transfers)
        let index = try await nextIndex()
        var claimed = newRoot
        if index == settings.faultInjectWrongRootAt {
            claimed = Keccak256.hash(newRoot.bytes + Array("fault injection".utf8))
            logger.critical("FAULT INJECTION: posting commitment \(index) with a wrong root", metadata: [
                "true_root": "\(newRoot)", "posted_root": "\(claimed)"])
        }
        let commitment = L1Commitment(index: index, firstBatch: from, lastBatch: to,
                                      prevRoot: last?.commitment.newRoot ?? prevRoot, newRoot: claimed,
                                      dataRoot: BatchDataTree(batches).dataRoot(domain: domain, firstBatch: from))
        // The data is encoded from `batches`: without a lane there, it has none (no decoding).
        let aggregate: [UInt8]
        do {
            aggregate = batches.allSatisfy(\.shielded.isEmpty) ? [] : try await laneAggregate(index: index, data: data)
        } catch {
            let first = memory.withLock { m in m.laneBlocked == index ? false : { m.laneBlocked = index; return true }() }
            if first {
                logger.critical("posting paused: the lane aggregate of the next commitment cannot be built",
                                metadata: ["index": "\(index)", "error": "\(error)"])
            }
            return false
        }
        var term: UInt64?
        if let leaderTerm {
            guard let current = leaderTerm() else { return false }
            term = current
        }
        func record(hash: Digest32) -> CommitmentRecord {
            CommitmentRecord(commitment: commitment, data: data, transactionCount: transfers.count,
                             calldataGas: BatchData.calldataGas(data),
                             uncompressedCalldataGas: BatchData.uncompressedCalldataGas(transfers),
                             l1TransactionHash: hash, status: .posted)
        }
        if try await l1.commitmentData(index: index) != nil {
            // The L1 holds a commitment at `index` that this database does not know.
            guard let hash = try await postingTransaction(of: commitment) else {
                // Not ours: another proposer, or a database restored from an older backup.
                let first = memory.withLock { m in m.pausedAt == index ? false : { m.pausedAt = index; return true }() }
                if first {
                    logger.error("posting paused: the L1 already holds a different commitment at the next index, unknown to this database",
                                 metadata: ["index": "\(index)"])
                }
                return false
            }
            // Exactly the commitment we would post: ours, sent before a crash lost its record (or by
            // the leader before us). Adopt it; following L1 confirms it as usual.
            try await store.recordCommitment(record(hash: hash), term: term)
            logger.notice("adopted a commitment of ours found on L1 but not in the database", metadata: [
                "index": "\(index)", "l1_tx": "\(hash)"])
            memory.withLock { m in
                m.lastPost = .now
                m.pausedAt = nil
            }
            try await publish(record(hash: hash), status: .posted)
            recentBatches?.discard(through: to)
            return true
        }
        // The intent first, under the term fence; then the L1 transaction it names.
        let transaction = postingTransaction(commitment, data: data, aggregate: aggregate)
        let posted = record(hash: transaction.hash)
        try await store.recordCommitment(posted, term: term)
        let hash = try await l1.submit(transaction)
        let record = posted
        if hash != transaction.hash {
            logger.error("the L1 named the posting transaction differently from its hash", metadata: ["index": "\(index)"])
        }
        memory.withLock { m in
            m.lastPost = .now
            m.postedAtBlock[commitment.index] = head.number
        }
        let perTx = transfers.isEmpty ? 0 : Double(data.count) / Double(transfers.count)
        logger.info("commitment posted", metadata: [
            "index": "\(commitment.index)", "batches": "\(from)...\(to)", "transactions": "\(transfers.count)",
            "bytes_per_tx": "\(String(format: "%.1f", perTx)) (uncompressed \(BatchData.uncompressedTransferSize))",
            "gas_per_tx": "\(transfers.isEmpty ? 0 : record.calldataGas / transfers.count) (uncompressed \(transfers.isEmpty ? 0 : record.uncompressedCalldataGas / transfers.count))",
        ])
        try await publish(record, status: .posted)
        recentBatches?.discard(through: to)
        return true
    }

    /// The index of the next commitment: one more than any recorded, unless the newest records are
    /// reverted commitments the L1 never took (posted while their parent was being reverted, and
    /// refused): their indices are free on L1 and taken again (the arbiter expects its own count).
    private func nextIndex() async throws -> UInt64 {
        let recorded = try await store.nextCommitmentIndex()
        var onL1 = recorded
        while onL1 > 0, recorded - onL1 < Self.maxIndexReconciliation, try await l1.commitmentData(index: onL1 - 1) == nil {
            onL1 -= 1
        }
        guard onL1 < recorded else { return recorded }
        // Records above the L1's count that are still moving are in flight (not included yet): keep going after them.
        let inFlight = try await store.unsettledCommitments().contains { $0.commitment.index >= onL1 }
        if inFlight { return recorded }
        logger.notice("reusing commitment indices the L1 never took", metadata: ["from": "\(onL1)", "recorded_up_to": "\(recorded - 1)"])
        return onL1
    }

    /// How far below the recorded count `nextIndex()` looks for the L1's count.
    static let maxIndexReconciliation: UInt64 = 1_024

    /// Batches `from...to` with the roots around them: from the batches the engine still holds,
    /// else read back from the store (after a restart or a change of leader). Both give the same
    /// transfers in the same order, so the same data bytes.
    private func batchData(from: UInt64, to: UInt64) async throws
        -> (prevRoot: Digest32, newRoot: Digest32, batches: [BatchData.Batch]) {
        if let held = recentBatches?.batchData(from: from, to: to) { return held }
        if recentBatches != nil {
            logger.info("commitment data read from the store (batches not held)", metadata: ["batches": "\(from)...\(to)"])
        }
        return try await store.batchData(from: from, to: to)
    }

    /// The accepted transactions of batches `from...to` (those in `among` when given), held or read.
    private func acceptedTransactionIds(from: UInt64, to: UInt64, among: Set<Digest32>?) async throws
        -> [(batch: UInt64, id: Digest32)] {
        if let held = recentBatches?.acceptedTransactionIds(from: from, to: to, among: among) { return held }
        if let among { return try await store.acceptedTransactionIds(from: from, to: to, among: among) }
        return try await store.acceptedTransactionIds(from: from, to: to)
    }

    private func submit(_ c: L1Commitment, data: [UInt8]) async throws -> Digest32 {
        // Unsettled commitments are read without their data (`FinalityStore.unsettledCommitments`):
        // a commitment posted again takes it from the store. Encoded data is never empty.
        let data = data.isEmpty ? try await store.commitmentData(index: c.index) ?? [] : data
        let aggregate = try await laneAggregate(index: c.index, data: data)
        return try await l1.submit(postingTransaction(c, data: data, aggregate: aggregate))
    }

    /// The L1 transaction that posts `c` (attempt numbers in the nonce: a re-post is a new transaction).
    private func postingTransaction(_ c: L1Commitment, data: [UInt8], aggregate: [UInt8]) -> L1Transaction {
        let attempt = memory.withLock { m in defer { m.attempts[c.index, default: 0] += 1 }; return m.attempts[c.index, default: 0] }
        return L1Transaction(sender: settings.proposer, call: .postCommitment(c, data: data, bond: settings.bond, aggregate: aggregate),
                             nonce: c.index << 16 | (attempt & 0xffff))
    }

    /// The lane aggregate that goes with `data` as commitment `index`'s (empty when the data holds
    /// no lane transaction): the lane read back from the data bytes, so it is exactly what the
    /// arbiter decodes. Built on a Dispatch thread, off the cooperative threads the sequencer
    /// needs (seconds of CPU at 256 proofs); kept for re-posts of the same data (aggregation is
    /// deterministic, so a re-post carries the same bytes).
    private func laneAggregate(index: UInt64, data: [UInt8]) async throws -> [UInt8] {
        let digest = Keccak256.hash(data)
        if let held = memory.withLock({ $0.aggregates[index] }), held.data == digest { return held.bytes }
        let lane = LaneAggregate.lane(of: try BatchData.decode(data).batches)
        guard !lane.isEmpty else { return [] }
        guard let keys = settings.laneAggregation else { throw LaneAggregationUnavailable(laneCount: lane.count) }
        let bytes = try await withCheckedThrowingContinuation { (done: CheckedContinuation<[UInt8], any Error>) in
            DispatchQueue.global(qos: .utility).async {
                done.resume(with: Result { try LaneAggregate.aggregate(lane: lane, keys: keys) })
            }
        }
        memory.withLock { m in
            m.aggregates[index] = (digest, bytes)
            if m.aggregates.count > Self.heldAggregates, let oldest = m.aggregates.keys.min() { m.aggregates[oldest] = nil }
        }
        logger.info("lane aggregate built", metadata: ["index": "\(index)", "lane_transactions": "\(lane.count)",
                                                      "bytes": "\(bytes.count)"])
        return bytes
    }

    /// Lane aggregates kept for re-posts.
    static let heldAggregates = 16

    /// Data with shielded lane transactions and no aggregation keys (`--shielded-aggregation-srs`).
    struct LaneAggregationUnavailable: Error, CustomStringConvertible {
        let laneCount: Int
        var description: String {
            "the data holds \(laneCount) shielded lane transactions and no aggregation SRS is configured (--shielded-aggregation-srs)"
        }
    }

    /// The hash of the L1 transaction that posted exactly `c` as our proposer, if the arbiter
    /// holds it (nil: it holds none at that index, or another one).
    private func postingTransaction(of c: L1Commitment) async throws -> Digest32? {
        guard let held = try await l1.commitments(fromIndex: c.index).first, held.commitment == c else { return nil }
        let receipts = try await l1.receipts(fromBlock: held.block.number, toBlock: held.block.number)
        return receipts.first { $0.events.contains(.commitmentPosted(c, proposer: settings.proposer)) }?.transactionHash
    }

    // MARK: Following L1

    private func detectReorg(head: L1BlockHeader) async throws {
        let recent = memory.withLock { m in m.seen.sorted { $0.key > $1.key } }
        var forkBelow: UInt64?
        for (number, hash) in recent where number <= head.number {
            guard let now = try await l1.block(number: number) else { continue }
            if now.hash == hash { break }
            forkBelow = number
        }
        if let fork = forkBelow {
            let depth = (recent.first?.key ?? fork) - fork + 1
            logger.warning("L1 reorg detected", metadata: ["from_block": "\(fork)", "depth": "\(depth)"])
            memory.withLock { m in
                m.reorgs += 1
                m.seen = m.seen.filter { $0.key < fork }
            }
        }
        memory.withLock { m in
            m.seen[head.number] = head.hash
            if m.seen.count > 256, let oldest = m.seen.keys.min() { m.seen[oldest] = nil }
        }
    }

    private func advance(_ record: inout CommitmentRecord, head: L1BlockHeader, earlierFinal: Bool) async throws {
        let before = record
        // Statuses passed on the way (a slow step can confirm and finalize at once; subscribers
        // still hear each step).
        var passed: [CommitmentStatus] = []
        if let receipt = try await l1.receipt(record.l1TransactionHash), receipt.blockNumber <= head.number {
            guard receipt.succeeded else {
                // Refused while the arbiter holds this very commitment: another transaction of ours
                // posted it first (a re-post racing the original, or the leader before us). Follow that one.
                if let other = try await postingTransaction(of: record.commitment), other != record.l1TransactionHash {
                    logger.notice("commitment posted by another of our transactions: following it", metadata: [
                        "index": "\(record.commitment.index)", "l1_tx": "\(other)"])
                    record.l1TransactionHash = other
                    try await store.updateCommitment(record)
                    return
                }
                logger.error("the L1 arbiter refused a commitment", metadata: [
                    "index": "\(record.commitment.index)", "events": "\(receipt.events)"])
                return
            }
            if let block = try await l1.block(number: receipt.blockNumber), block.hash == receipt.blockHash {
                record.l1Block = block
                // Included but no longer held by the arbiter: a lost game reverted it (at once, not
                // only when its challenge period ends).
                let held = try await l1.commitments(fromIndex: record.commitment.index).first
                if held?.commitment != record.commitment {
                    record.status = .reverted
                    logger.warning("commitment reverted on L1", metadata: [
                        "index": "\(record.commitment.index)", "batches": "\(record.commitment.firstBatch)...\(record.commitment.lastBatch)"])
                } else {
                    if record.status == .posted && head.number + 1 >= block.number + UInt64(settings.confirmationDepth) {
                        record.status = .l1Confirmed
                        passed.append(.l1Confirmed)
                    }
                    if earlierFinal, record.status == .l1Confirmed, head.timestampMs >= block.timestampMs + settings.challengePeriodMs,
                       try await l1.isFinal(record.commitment.index) {
                        record.status = .finalized
                    }
                }
            }
        } else {
            let postedAt = memory.withLock { $0.postedAtBlock[record.commitment.index] }
            let lost = record.l1Block != nil
            let stale = postedAt.map { head.number >= $0 + settings.repostAfterBlocks } ?? true
            if lost || stale {
                if record.status == .l1Confirmed {
                    logger.warning("a reorg deeper than the confirmation depth dropped a confirmed commitment",
                                   metadata: ["index": "\(record.commitment.index)"])
                }
                record.l1TransactionHash = try await submit(record.commitment, data: record.data)
                record.l1Block = nil
                record.status = .posted
                memory.withLock { $0.postedAtBlock[record.commitment.index] = head.number }
                logger.notice("commitment posted again", metadata: [
                    "index": "\(record.commitment.index)", "reason": "\(lost ? "dropped by an L1 reorg" : "not included yet")"])
            }
        }
        guard record.status != before.status || record.l1TransactionHash != before.l1TransactionHash
            || record.l1Block?.hash != before.l1Block?.hash else { return }
        guard record.status != before.status else {
            try await store.updateCommitment(record)
            return
        }
        if passed.last != record.status { passed.append(record.status) }
        // Each step stored (and so NOTIFYed to followers) and published in order.
        for status in passed {
            var step = record
            step.status = status
            try await store.updateCommitment(step)
            try await publish(step, status: status)
        }
    }

    private func publish(_ record: CommitmentRecord, status: CommitmentStatus) async throws {
        // With a reverter, the rollback tells subscribers (of every batch it undoes, not only
        // this commitment's) and then sequences the transactions again.
        if status == .reverted && reverter != nil { return }
        let c = record.commitment
        // Only the events a subscriber will receive are built: a commitment holds ~185,000
        // transactions at full load and usually nobody follows them one by one.
        let ids: [(batch: UInt64, id: Digest32)]
        switch events.interest(in: status.transactionStatus) {
        case .none: ids = []
        case .ids(let wanted): ids = try await acceptedTransactionIds(from: c.firstBatch, to: c.lastBatch, among: wanted)
        case .all: ids = try await acceptedTransactionIds(from: c.firstBatch, to: c.lastBatch, among: nil)
        }
        if !ids.isEmpty {
            let now = UInt64(Date().timeIntervalSince1970 * 1000)
            events.publish(ids.map { StatusEvent(id: $0.id, status: status.transactionStatus, reason: "", batchNumber: $0.batch,
                                                 stateRoot: c.newRoot, atMs: now) })
        }
        logger.info("commitment status", metadata: ["index": "\(c.index)", "status": "\(status.rawValue)",
                                                    "batches": "\(c.firstBatch)...\(c.lastBatch)"])
    }
}
