import Synchronization

/// Called once with a transaction's final answer (SEQUENCED after commit, or REJECTED).
public typealias ReceiptHandler = @Sendable (Receipt) -> Void

/// Validated transactions waiting to be sequenced.
///
/// - Bounded by `capacity` (ready plus held).
/// - Per sender, nonces are strict: the next expected nonce is ready at once; later ones (up to
///   `maxFutureNonces` ahead) are held until the gap fills or `futureTimeout` passes.
/// - Batches are taken round-robin across senders, so one busy sender cannot starve others.
/// - The pool learns a sender's starting nonce from `accountSource` (the executed state) the first
///   time it sees the sender, and keeps the sender's entry while any of its transactions is in
///   the pool or in a batch not yet executed, so its view of the nonce never goes stale.
/// - Admission (docs/admission.md), all in memory, O(1) per transfer: the sender's balance at the
///   executed state must cover this transfer's value + fee plus that of its transfers still
///   ahead of it (waiting here, or taken into a batch the state does not reflect yet); a sender
///   holds at most `maxPerSender` transfers; a full pool lets a next-nonce transfer of a lighter
///   sender evict the newest transfer of the heaviest sender. Refused transfers cost no storage.
public final class TransactionPool: Sendable {
    public struct Entry: Sendable {
        public let tx: ValidatedTransfer
        public let onReceipt: ReceiptHandler
        /// Submissions of this transfer `onReceipt` answers (the first, plus resubmissions
        /// attached while it waited: see `add`).
        var copies = 1
    }

    /// Most submissions of one transfer that may wait on the same pool entry (the first plus
    /// resubmissions): a client resubmitting in a loop cannot grow a receipt handler list
    /// without bound. Beyond it a resubmission is told to retry later.
    public static let maxCopiesPerEntry = 16

    private struct Held {
        let entry: Entry
        let expires: ContinuousClock.Instant
    }

    private struct SenderQueue {
        var expectedNonce: UInt64
        var ready: [Entry] = []
        var readyHead = 0
        var held: [UInt64: Held] = [:]
        var inFlight = 0
        var inRotation = false
        /// Value + fee of the ready and held transfers.
        var waitingCost = UInt256.zero
        /// Taken transfers not known to be reflected in the state yet, in nonce order, with
        /// their value + fee (`takenHead` is the first live one; the sum is `takenCost`).
        var taken: [(nonce: UInt64, cost: UInt256)] = []
        var takenHead = 0
        var takenCost = UInt256.zero
        var readyCount: Int { ready.count - readyHead }
        /// Transfers this sender has in the pool (its share).
        var count: Int { readyCount + held.count }
        var isIdle: Bool { readyCount == 0 && held.isEmpty && inFlight == 0 }

        /// Forgets taken transfers with a nonce below `nonce` (executed: the state reflects them).
        mutating func forgetTaken(below nonce: UInt64) {
            while takenHead < taken.count && taken[takenHead].nonce < nonce {
                takenCost = takenCost.saturatingSub(taken[takenHead].cost)
                takenHead += 1
            }
            if takenHead == taken.count && takenHead > 0 {
                taken.removeAll(keepingCapacity: true)
                takenHead = 0
            }
        }
    }

    private struct State {
        var senders: [Address: SenderQueue] = [:]
        var rotation: [Address] = []
        var ids: Set<Digest32> = []
        var readyCount = 0
        var heldCount = 0
        /// The sender with the most transfers in the pool as last seen at admission (the eviction
        /// victim; approximate: it is re-elected as soon as another sender adds more).
        var heaviest: Address?
        var oldestReady: ContinuousClock.Instant?
        var waiter: (minimum: Int, continuation: CheckedContinuation<Void, Never>)?
        /// A nudge that came while nobody waited: the next wait returns at once (not lost).
        var nudgePending = false
    }

    public let capacity: Int
    public let maxFutureNonces: Int
    public let futureTimeout: Duration
    /// Most transfers one sender may have in the pool (ready and held).
    public let maxPerSender: Int
    private let accountSource: @Sendable (Address) -> Account
    private let state = Lock(State())

    /// `accountSource` reads an account from the executed (in-memory) state; it is called with and
    /// without the pool's lock held, so it must not take the pool's lock.
    public init(capacity: Int, maxFutureNonces: Int, futureTimeout: Duration, maxPerSender: Int? = nil,
                accountSource: @escaping @Sendable (Address) -> Account) {
        self.capacity = capacity
        self.maxFutureNonces = maxFutureNonces
        self.futureTimeout = futureTimeout
        self.maxPerSender = maxPerSender ?? capacity
        self.accountSource = accountSource
    }

    /// Value + fee (saturating: an overflowing transfer is refused at admission).
    static func cost(_ tx: ValidatedTransfer) -> UInt256 {
        tx.transfer.value.checkedAdd(tx.transfer.fee) ?? .max
    }

    /// Transactions in the pool (ready and held).
    public var count: Int { state.withLock { $0.readyCount + $0.heldCount } }

    /// Whether `id` is waiting in the pool.
    public func contains(_ id: Digest32) -> Bool { state.withLock { $0.ids.contains(id) } }

    /// Adds a validated transaction; `onReceipt` is called once it is sequenced or rejected.
    /// A resubmission of a transfer still waiting here (same id) is attached to it: `onReceipt`
    /// gets the first copy's answer, whatever it turns out to be (SEQUENCED, or REJECTED if it is
    /// refused later), never a refusal of its own while the first copy may still go through.
    /// Done under the pool's lock, so the entry cannot leave meanwhile (once it has left — taken
    /// into a batch — the resubmission's nonce is below the sender's next one: `.nonceTooLow`,
    /// which the engine answers from the batch or the store).
    /// `overCapacity` admits it even to a full pool and skips the share and balance checks: for
    /// transactions the engine had already accepted once (a chain rollback offers them again),
    /// which must not be turned away. Deposits (from `Address.bridge`) skip the share and balance
    /// checks, not the capacity. A transfer evicted to make room gets a REJECTED receipt.
    public func add(_ tx: ValidatedTransfer, overCapacity: Bool = false, onReceipt: @escaping ReceiptHandler) throws(PoolRejection) {
        let entry = Entry(tx: tx, onReceipt: onReceipt)
        let sender = tx.sender
        // Read before taking the pool's lock (the sequencer holds the state's lock while it
        // executes a batch); a consistent (balance, nonce) pair, however stale, is enough: see
        // `admit`. A sender seen for the first time is read again under the lock.
        // Deposits and inbox markers (from the L1, holding no balance) are checked by execution only.
        let admits = !overCapacity && sender != .bridge && sender != .inbox
        let snapshot = admits ? accountSource(sender) : nil
        let (wake, evicted) = try state.withLock { (s: inout State) throws(PoolRejection) -> (CheckedContinuation<Void, Never>?, Entry?) in
            if s.ids.contains(tx.id) {
                try Self.attach(entry, in: &s)
                return (nil, nil)
            }
            var q: SenderQueue
            var account = snapshot
            if let existing = s.senders[sender] {
                q = existing
            } else {
                let fresh = accountSource(sender)
                account = admits ? fresh : nil
                q = SenderQueue(expectedNonce: fresh.nonce)
            }
            let nonce = tx.transfer.nonce
            if nonce < q.expectedNonce { throw .nonceTooLow(got: nonce, expected: q.expectedNonce) }
            if nonce > q.expectedNonce {
                guard nonce - q.expectedNonce <= UInt64(maxFutureNonces) else {
                    throw .nonceTooFarAhead(got: nonce, expected: q.expectedNonce, limit: maxFutureNonces)
                }
                guard q.held[nonce] == nil else { throw .nonceTooLow(got: nonce, expected: q.expectedNonce) }
            }
            let cost = Self.cost(tx)
            var evicted: Entry?
            if let account {
                try Self.admit(tx, cost: cost, account: account, queue: &q, maxPerSender: maxPerSender)
            }
            if !overCapacity {
                if s.readyCount + s.heldCount >= capacity {
                    guard nonce == q.expectedNonce, let e = Self.evictForLighter(sender, count: q.count, in: &s) else {
                        throw .full(capacity: capacity)
                    }
                    evicted = e
                }
            }
            s.ids.insert(tx.id)
            q.waitingCost = q.waitingCost.saturatingAdd(cost)
            if nonce > q.expectedNonce {
                q.held[nonce] = Held(entry: entry, expires: tx.receivedAt + futureTimeout)
                s.heldCount += 1
                Self.noteWeight(sender, q, in: &s)
                s.senders[sender] = q
                return (nil, evicted)
            }
            q.ready.append(entry)
            q.expectedNonce += 1
            s.readyCount += 1
            // Promote held successors that are now contiguous.
            while let h = q.held.removeValue(forKey: q.expectedNonce) {
                q.ready.append(h.entry)
                q.expectedNonce += 1
                s.readyCount += 1
                s.heldCount -= 1
            }
            if !q.inRotation {
                q.inRotation = true
                s.rotation.append(sender)
            }
            Self.noteWeight(sender, q, in: &s)
            s.senders[sender] = q
            if s.oldestReady == nil { s.oldestReady = tx.receivedAt }
            if let w = s.waiter, s.readyCount >= w.minimum {
                s.waiter = nil
                return (w.continuation, evicted)
            }
            return (nil, evicted)
        }
        if let evicted {
            evicted.onReceipt(.rejected(evicted.tx.id,
                "evicted from the full transaction pool: the sender held the largest share; resubmit later"))
        }
        wake?.resume()
    }

    /// Attaches `copy` (a resubmission of a transfer waiting in the pool) to the waiting entry:
    /// its handler is then called with the same receipt.
    private static func attach(_ copy: Entry, in s: inout State) throws(PoolRejection) {
        let nonce = copy.tx.transfer.nonce
        guard var q = s.senders[copy.tx.sender] else { throw .duplicate }
        func chained(_ e: Entry) throws(PoolRejection) -> Entry {
            guard e.copies < maxCopiesPerEntry else { throw .tooManyCopies(limit: maxCopiesPerEntry) }
            let first = e.onReceipt, second = copy.onReceipt
            return Entry(tx: e.tx, onReceipt: { r in first(r); second(r) }, copies: e.copies + 1)
        }
        if let h = q.held[nonce], h.entry.tx.id == copy.tx.id {
            q.held[nonce] = Held(entry: try chained(h.entry), expires: h.expires)
        } else if let i = q.ready[q.readyHead...].firstIndex(where: { $0.tx.id == copy.tx.id }) {
            q.ready[i] = try chained(q.ready[i])
        } else {
            // `ids` and the queues disagree: cannot happen; refuse rather than lose the answer.
            throw .duplicate
        }
        s.senders[copy.tx.sender] = q
    }

    /// The per-sender checks (share, then balance) against `account`, a consistent snapshot of the
    /// sender's executed state. Taken transfers with a nonce below the snapshot's are reflected in
    /// its balance and forgotten; every other transfer of the sender still here or taken counts as
    /// already spent. (A stale snapshot only misses credits, which makes the check stricter; the
    /// executor checks the balance again in any case.)
    private static func admit(_ tx: ValidatedTransfer, cost: UInt256, account: Account, queue q: inout SenderQueue,
                              maxPerSender: Int) throws(PoolRejection) {
        if q.count >= maxPerSender { throw .senderShare(limit: maxPerSender) }
        guard tx.transfer.value.checkedAdd(tx.transfer.fee) != nil else { throw .costOverflows }
        q.forgetTaken(below: account.nonce)
        let pending = q.waitingCost.saturatingAdd(q.takenCost)
        guard let total = pending.checkedAdd(cost), total <= account.balance else {
            throw .insufficientBalance(has: account.balance, pending: pending, needs: cost)
        }
    }

    /// Re-elects the heaviest sender when `sender` now holds more than it.
    /// (Never the bridge: a deposit is never evicted.)
    private static func noteWeight(_ sender: Address, _ q: SenderQueue, in s: inout State) {
        guard s.heaviest != sender, sender != .bridge, sender != .inbox else { return }
        if let h = s.heaviest, let hq = s.senders[h], hq.count >= q.count { return }
        s.heaviest = sender
    }

    /// Frees one slot of a full pool for `sender` (holding `count`) by evicting the newest transfer
    /// of the heaviest sender, when that one holds at least two more than `sender`: its highest
    /// held (future) nonce, else the last of its ready transfers (never its only one, never one
    /// already taken into a batch). Nil when there is nothing fair to evict.
    private static func evictForLighter(_ sender: Address, count: Int, in s: inout State) -> Entry? {
        guard let victim = s.heaviest, victim != sender, var v = s.senders[victim], v.count >= count + 2 else { return nil }
        let entry: Entry
        if let top = v.held.keys.max() {
            entry = v.held.removeValue(forKey: top)!.entry
            s.heldCount -= 1
        } else if v.readyCount >= 2 {
            entry = v.ready.removeLast()
            v.expectedNonce -= 1
            s.readyCount -= 1
        } else {
            return nil
        }
        v.waitingCost = v.waitingCost.saturatingSub(cost(entry.tx))
        s.ids.remove(entry.tx.id)
        s.senders[victim] = v
        return entry
    }

    /// When the oldest ready transaction arrived (nil when none is ready).
    public var oldestReady: ContinuousClock.Instant? { state.withLock { $0.oldestReady } }

    /// Ready transactions.
    public var readyCount: Int { state.withLock { $0.readyCount } }

    /// Suspends until at least `minimum` transactions are ready or `deadline` passes. (Wake-ups
    /// may come early; callers re-check.)
    public func waitForReady(minimum: Int, deadline: ContinuousClock.Instant) async {
        var timer: Task<Void, Never>?
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now: Bool = state.withLock { s in
                if s.nudgePending {
                    s.nudgePending = false
                    return true
                }
                if s.readyCount >= minimum || deadline <= .now { return true }
                s.waiter?.continuation.resume()
                s.waiter = (minimum, c)
                return false
            }
            if now {
                c.resume()
            } else {
                // Armed only after the waiter is installed, so its wake-up cannot be lost.
                timer = Task { [weak self] in
                    try? await Task.sleep(until: deadline, clock: .continuous)
                    self?.wakeWaiter()
                }
            }
        }
        timer?.cancel()
    }

    /// Wakes a waiting `waitForReady` early (its caller re-checks its conditions); if nobody is
    /// waiting, the next `waitForReady` returns at once, so a nudge is never lost.
    public func nudge() {
        let w: CheckedContinuation<Void, Never>? = state.withLock { s in
            guard let w = s.waiter else {
                s.nudgePending = true
                return nil
            }
            s.waiter = nil
            return w.continuation
        }
        w?.resume()
    }

    private func wakeWaiter() {
        let w = state.withLock { s in defer { s.waiter = nil }; return s.waiter }
        w?.continuation.resume()
    }

    /// Takes up to `max` ready transactions, one per sender per round, in nonce order per sender.
    /// `onTaken` runs under the pool's lock with the taken entries, before any of them can be
    /// resubmitted (found missing from the pool): the engine registers them there as in flight,
    /// so a resubmission racing with the take finds them in one place or the other.
    ///
    /// `maxDataBytes` bounds the sum of the taken transactions' `BatchData.maxEncodedBytes(of:)`:
    /// the sequencer passes `BatchData.maxBatchTransfersBytes`, so every batch's data fits in one
    /// commitment. The take stops at the first transaction that would exceed it.
    public func takeBatch(max: Int, maxDataBytes: Int = .max, onTaken: ([Entry]) -> Void = { _ in }) -> [Entry] {
        state.withLock { s in
            var out: [Entry] = []
            out.reserveCapacity(min(max, s.readyCount))
            var emptied = false
            var stoppedAt = 0
            var dataBytes = 0
            var full = false
            while out.count < max && s.readyCount > 0 && !full {
                var progressed = false
                var i = 0
                let end = s.rotation.count
                while i < end && out.count < max {
                    let sender = s.rotation[i]
                    guard var q = s.senders[sender], q.readyCount > 0 else {
                        i += 1
                        continue
                    }
                    let e = q.ready[q.readyHead]
                    let size = BatchData.maxEncodedBytes(of: e.tx.signed)
                    guard size <= maxDataBytes - dataBytes else {
                        full = true
                        break
                    }
                    dataBytes += size
                    i += 1
                    out.append(e)
                    let c = Self.cost(e.tx)
                    q.waitingCost = q.waitingCost.saturatingSub(c)
                    q.taken.append((e.tx.transfer.nonce, c))
                    q.takenCost = q.takenCost.saturatingAdd(c)
                    q.readyHead += 1
                    q.inFlight += 1
                    s.readyCount -= 1
                    progressed = true
                    if q.readyCount == 0 {
                        q.ready.removeAll(keepingCapacity: false)
                        q.readyHead = 0
                        q.inRotation = false
                        emptied = true
                    }
                    s.senders[sender] = q
                }
                stoppedAt = i
                if !progressed { break }
            }
            // The next batch starts with the sender after the last one served (fairness).
            if stoppedAt > 0 && stoppedAt < s.rotation.count {
                s.rotation = Array(s.rotation[stoppedAt...] + s.rotation[..<stoppedAt])
            }
            if emptied {
                s.rotation = s.rotation.filter { s.senders[$0]?.inRotation == true }
            }
            for e in out { s.ids.remove(e.tx.id) }
            if !out.isEmpty { onTaken(out) }
            s.oldestReady = s.readyCount == 0 ? nil : s.senders.values.lazy
                .filter { $0.readyCount > 0 }.map { $0.ready[$0.readyHead].tx.receivedAt }.min()
            return out
        }
    }

    /// The executor's verdict on a taken transaction. On rejection the sender's nonce goes back to
    /// the rejected one, and its later ready transactions are held again (they can proceed if the
    /// sender resubmits that nonce, or expire).
    public func executed(_ tx: ValidatedTransfer, accepted: Bool) {
        state.withLock { s in
            let sender = tx.sender
            guard var q = s.senders[sender] else { return }
            q.inFlight -= 1
            // Accepted: the state reflects it; rejected: it spends nothing.
            q.forgetTaken(below: tx.transfer.nonce &+ 1)
            if !accepted, tx.transfer.nonce < q.expectedNonce {
                let nonce = tx.transfer.nonce
                var kept: [Entry] = []
                for e in q.ready[q.readyHead...] {
                    if e.tx.transfer.nonce > nonce {
                        q.held[e.tx.transfer.nonce] = Held(entry: e, expires: .now + futureTimeout)
                        s.heldCount += 1
                        s.readyCount -= 1
                    } else {
                        kept.append(e)
                    }
                }
                q.ready = kept
                q.readyHead = 0
                q.expectedNonce = nonce
            }
            if q.isIdle {
                s.senders[sender] = nil
            } else {
                s.senders[sender] = q
            }
        }
    }

    /// The shielded lane accepted a shield of `sender` with nonce `nonce`: the account's next nonce
    /// is `nonce + 1` now, so transfers held for that gap become ready (a transfer submitted right
    /// after its account's shield, or one offered again after a chain revert behind a reverted
    /// shield) instead of expiring. Only when the pool expected exactly `nonce` next and has no
    /// ready transfer of `sender` (otherwise the gap is not the shield's).
    public func nonceUsedByShield(_ sender: Address, nonce: UInt64) {
        let promoted: Bool = state.withLock { s in
            guard var q = s.senders[sender], q.expectedNonce == nonce, q.readyCount == 0,
                  q.held[nonce &+ 1] != nil else { return false }
            q.expectedNonce = nonce + 1
            while let h = q.held.removeValue(forKey: q.expectedNonce) {
                q.ready.append(h.entry)
                q.expectedNonce += 1
                s.readyCount += 1
                s.heldCount -= 1
                if s.oldestReady == nil { s.oldestReady = h.entry.tx.receivedAt }
            }
            if !q.inRotation {
                q.inRotation = true
                s.rotation.append(sender)
            }
            s.senders[sender] = q
            return true
        }
        if promoted { nudge() }
    }

    /// Removes held transactions whose gap did not fill in time and returns them (to be rejected).
    public func expireHeld(now: ContinuousClock.Instant = .now) -> [(Entry, UInt64)] {
        state.withLock { s in
            guard s.heldCount > 0 else { return [] }
            var out: [(Entry, UInt64)] = []
            for (sender, var q) in s.senders where !q.held.isEmpty {
                for (nonce, h) in q.held where h.expires <= now {
                    q.held[nonce] = nil
                    q.waitingCost = q.waitingCost.saturatingSub(Self.cost(h.entry.tx))
                    out.append((h.entry, q.expectedNonce))
                    s.heldCount -= 1
                    s.ids.remove(h.entry.tx.id)
                }
                if q.isIdle { s.senders[sender] = nil } else { s.senders[sender] = q }
            }
            return out
        }
    }

    /// Empties the pool (ready and held) and forgets every sender, returning the entries per
    /// sender in nonce order: when this replica stops being the sequencer they go to the new one.
    public func drainAll() -> [Entry] {
        state.withLock { s in
            var out: [Entry] = []
            out.reserveCapacity(s.readyCount + s.heldCount)
            for q in s.senders.values {
                out.append(contentsOf: q.ready[q.readyHead...])
                out.append(contentsOf: q.held.sorted { $0.key < $1.key }.map(\.value.entry))
            }
            let waiter = s.waiter
            s = State()
            s.waiter = waiter
            return out
        }
    }
}

extension UInt256 {
    /// `self + o`, or `.max` on overflow (pool bookkeeping never traps).
    fileprivate func saturatingAdd(_ o: UInt256) -> UInt256 { checkedAdd(o) ?? .max }
    /// `self - o`, or zero on underflow.
    fileprivate func saturatingSub(_ o: UInt256) -> UInt256 { checkedSub(o) ?? .zero }
}
