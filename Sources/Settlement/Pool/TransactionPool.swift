import Synchronization

/// Called once with a transaction's final answer (SEQUENCED after commit, or REJECTED).
public typealias ReceiptHandler = @Sendable (Receipt) -> Void

/// Why the pool refused a transaction at the door.
public enum PoolRejection: Error, Sendable, Equatable, CustomStringConvertible {
    case full(capacity: Int)
    case duplicate
    case nonceTooLow(got: UInt64, expected: UInt64)
    case nonceTooFarAhead(got: UInt64, expected: UInt64, limit: Int)

    public var description: String {
        switch self {
        case .full(let c): "transaction pool is full (\(c) pending); retry later"
        case .duplicate: "transaction already submitted"
        case .nonceTooLow(let g, let e): "nonce \(g) already used: the sender's next nonce is \(e)"
        case .nonceTooFarAhead(let g, let e, let l): "nonce \(g) is more than \(l) ahead of the sender's next nonce \(e)"
        }
    }
}

/// Validated transactions waiting to be sequenced.
///
/// - Bounded by `capacity` (ready plus held).
/// - Per sender, nonces are strict: the next expected nonce is ready at once; later ones (up to
///   `maxFutureNonces` ahead) are held until the gap fills or `futureTimeout` passes.
/// - Batches are taken round-robin across senders, so one busy sender cannot starve others.
/// - The pool learns a sender's starting nonce from `nonceSource` (the executed state) the first
///   time it sees the sender, and keeps the sender's entry while any of its transactions is in
///   the pool or in a batch not yet executed, so its view of the nonce never goes stale.
public final class TransactionPool: Sendable {
    public struct Entry: Sendable {
        public let tx: ValidatedTransfer
        public let onReceipt: ReceiptHandler
    }

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
        var readyCount: Int { ready.count - readyHead }
    }

    private struct State {
        var senders: [Address: SenderQueue] = [:]
        var rotation: [Address] = []
        var ids: Set<Digest32> = []
        var readyCount = 0
        var heldCount = 0
        var oldestReady: ContinuousClock.Instant?
        var waiter: (minimum: Int, continuation: CheckedContinuation<Void, Never>)?
        /// A nudge that came while nobody waited: the next wait returns at once (not lost).
        var nudgePending = false
    }

    public let capacity: Int
    public let maxFutureNonces: Int
    public let futureTimeout: Duration
    private let nonceSource: @Sendable (Address) -> UInt64
    private let state = Mutex(State())

    public init(capacity: Int, maxFutureNonces: Int, futureTimeout: Duration,
                nonceSource: @escaping @Sendable (Address) -> UInt64) {
        self.capacity = capacity
        self.maxFutureNonces = maxFutureNonces
        self.futureTimeout = futureTimeout
        self.nonceSource = nonceSource
    }

    /// Transactions in the pool (ready and held).
    public var count: Int { state.withLock { $0.readyCount + $0.heldCount } }

    /// Whether `id` is waiting in the pool.
    public func contains(_ id: Digest32) -> Bool { state.withLock { $0.ids.contains(id) } }

    /// Adds a validated transaction; `onReceipt` is called once it is sequenced or rejected.
    /// `overCapacity` admits it even to a full pool: for transactions the engine had already
    /// accepted once (a chain rollback offers them again), which must not be turned away.
    public func add(_ tx: ValidatedTransfer, overCapacity: Bool = false, onReceipt: @escaping ReceiptHandler) throws(PoolRejection) {
        let entry = Entry(tx: tx, onReceipt: onReceipt)
        let wake: CheckedContinuation<Void, Never>? = try state.withLock { (s: inout State) throws(PoolRejection) in
            if !overCapacity && s.readyCount + s.heldCount >= capacity { throw .full(capacity: capacity) }
            if s.ids.contains(tx.id) { throw .duplicate }
            let sender = tx.sender
            var q = s.senders[sender] ?? SenderQueue(expectedNonce: nonceSource(sender))
            let nonce = tx.transfer.nonce
            if nonce < q.expectedNonce {
                if q.readyCount == 0 && q.held.isEmpty && q.inFlight == 0 { s.senders[sender] = nil }
                throw .nonceTooLow(got: nonce, expected: q.expectedNonce)
            }
            if nonce > q.expectedNonce {
                guard nonce - q.expectedNonce <= UInt64(maxFutureNonces) else {
                    throw .nonceTooFarAhead(got: nonce, expected: q.expectedNonce, limit: maxFutureNonces)
                }
                guard q.held[nonce] == nil else { throw .nonceTooLow(got: nonce, expected: q.expectedNonce) }
                q.held[nonce] = Held(entry: entry, expires: tx.receivedAt + futureTimeout)
                s.heldCount += 1
                s.ids.insert(tx.id)
                s.senders[sender] = q
                return nil
            }
            s.ids.insert(tx.id)
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
            s.senders[sender] = q
            if s.oldestReady == nil { s.oldestReady = tx.receivedAt }
            if let w = s.waiter, s.readyCount >= w.minimum {
                s.waiter = nil
                return w.continuation
            }
            return nil
        }
        wake?.resume()
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
    public func takeBatch(max: Int) -> [Entry] {
        state.withLock { s in
            var out: [Entry] = []
            out.reserveCapacity(min(max, s.readyCount))
            var emptied = false
            var stoppedAt = 0
            while out.count < max && s.readyCount > 0 {
                var progressed = false
                var i = 0
                let end = s.rotation.count
                while i < end && out.count < max {
                    let sender = s.rotation[i]
                    i += 1
                    guard var q = s.senders[sender], q.readyCount > 0 else { continue }
                    out.append(q.ready[q.readyHead])
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
            if q.readyCount == 0 && q.held.isEmpty && q.inFlight == 0 {
                s.senders[sender] = nil
            } else {
                s.senders[sender] = q
            }
        }
    }

    /// Removes held transactions whose gap did not fill in time and returns them (to be rejected).
    public func expireHeld(now: ContinuousClock.Instant = .now) -> [(Entry, UInt64)] {
        state.withLock { s in
            guard s.heldCount > 0 else { return [] }
            var out: [(Entry, UInt64)] = []
            for (sender, var q) in s.senders where !q.held.isEmpty {
                for (nonce, h) in q.held where h.expires <= now {
                    q.held[nonce] = nil
                    out.append((h.entry, q.expectedNonce))
                    s.heldCount -= 1
                    s.ids.remove(h.entry.tx.id)
                }
                if q.readyCount == 0 && q.held.isEmpty && q.inFlight == 0 { s.senders[sender] = nil } else { s.senders[sender] = q }
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
