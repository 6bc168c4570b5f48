import Foundation
import GRPC
import Histogram
import Settlement
import SettlementAPI
import Synchronization

/// A pre-signed, pre-encoded `SubmitTransactionsRequest`: the bytes sent as they are.
struct PreparedTransfer: Sendable {
    /// The request's `client_sequence`: the transfer's index in the run.
    let sequence: Int
    /// The encoded `SubmitTransactionsRequest`.
    let bytes: [UInt8]
}

/// Counters and the latency histogram of one streaming run, shared by the connections' sender
/// and receiver tasks and the progress display.
final class LoadStats: Sendable {
    struct State {
        /// Send time (monotonic ns) by sequence; 0 until sent.
        var sentAt: [UInt64]
        var answered: [Bool]
        var sent = 0
        var sequenced = 0
        var rejected = 0
        var reasons: [String: Int] = [:]
        /// Submit → SEQUENCED receipt, microseconds.
        var latency = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000,
                                        numberOfSignificantValueDigits: .three)
        var firstSend: UInt64 = 0
        var lastSend: UInt64 = 0
        var lastSequenced: UInt64 = 0
        /// Streams that ended with an error, with the error.
        var streamErrors: [String] = []
        /// Receipts whose client_sequence matched nothing sent (or came twice).
        var unmatched = 0
        /// The longest time between two consecutive SEQUENCED receipts (ns) and when it ended
        /// (monotonic ns): during a failover, how long no client heard SEQUENCED.
        var longestGap: UInt64 = 0
        var longestGapEnd: UInt64 = 0
        /// Every gap of at least `LoadStats.reportedGap` between consecutive SEQUENCED receipts
        /// (start, end; monotonic ns), the first 100.
        var gaps: [(start: UInt64, end: UInt64)] = []
    }

    /// Gaps between SEQUENCED receipts at least this long are listed (ns).
    static let reportedGap: UInt64 = 250_000_000

    let state: Lock<State>

    init(capacity: Int) {
        state = Lock(State(sentAt: [UInt64](repeating: 0, count: capacity),
                            answered: [Bool](repeating: false, count: capacity)))
    }

    func recordSend(_ sequence: Int, at t: UInt64) {
        state.withLock { s in
            s.sentAt[sequence] = t
            s.sent += 1
            if s.firstSend == 0 { s.firstSend = t }
            s.lastSend = t
        }
    }

    func recordReceipt(_ r: SettlementV1.TransactionReceipt, at t: UInt64) {
        state.withLock { s in
            let i = Int(clamping: r.clientSequence)
            guard i < s.sentAt.count, s.sentAt[i] != 0, !s.answered[i] else {
                s.unmatched += 1
                return
            }
            s.answered[i] = true
            if r.status == .sequenced {
                s.sequenced += 1
                if s.lastSequenced != 0, t > s.lastSequenced {
                    let gap = t - s.lastSequenced
                    if gap > s.longestGap {
                        s.longestGap = gap
                        s.longestGapEnd = t
                    }
                    if gap >= Self.reportedGap, s.gaps.count < 100 { s.gaps.append((s.lastSequenced, t)) }
                }
                s.lastSequenced = t
                s.latency.record(max(1, (t &- s.sentAt[i]) / 1_000))
            } else {
                s.rejected += 1
                let reason = r.status == .rejected ? Self.normalise(r.rejectionReason)
                    : "unexpected receipt status \(r.status)"
                s.reasons[reason, default: 0] += 1
            }
        }
    }

    func recordStreamError(_ message: String) { state.withLock { $0.streamErrors.append(message) } }

    /// Sent but not yet answered.
    var outstanding: Int { state.withLock { $0.sent - $0.sequenced - $0.rejected } }

    func snapshot() -> State { state.withLock { $0 } }

    /// A reason with its numbers replaced by `N`, so that rejections group by kind
    /// ("nonce N does not match the account nonce N").
    static func normalise(_ reason: String) -> String {
        var out = ""
        var inNumber = false
        for c in reason {
            if c.isASCII, c.isNumber {
                if !inNumber { out.append("N") }
                inNumber = true
            } else {
                inNumber = false
                out.append(c)
            }
        }
        return out.isEmpty ? "(no reason given)" : out
    }
}

/// A counting window: at most `limit` transfers of one connection awaiting their receipts.
final class InFlightWindow: Sendable {
    private struct State {
        var inFlight = 0
        var waiter: CheckedContinuation<Void, Never>?
    }

    let limit: Int
    private let state = Lock(State())

    init(limit: Int) { self.limit = max(1, limit) }

    /// Waits for a free slot and takes it. (One sender per window.)
    func acquire() async {
        let free = state.withLock { s -> Bool in
            if s.inFlight < limit {
                s.inFlight += 1
                return true
            }
            return false
        }
        if free { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.inFlight < limit {
                    s.inFlight += 1
                    return true
                }
                s.waiter = c
                return false
            }
            if now { c.resume() }
        }
    }

    /// Frees a slot (a receipt arrived), handing it to the waiting sender if there is one.
    func release() {
        let w = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let w = s.waiter {
                s.waiter = nil
                return w // the slot passes to the waiter: inFlight unchanged
            }
            s.inFlight -= 1
            return nil
        }
        w?.resume()
    }

    /// Wakes a waiting sender without giving it a slot (the run is ending).
    func abandon() {
        let w = state.withLock { s -> CheckedContinuation<Void, Never>? in
            defer { s.waiter = nil }
            return s.waiter
        }
        w?.resume()
    }

    var inFlight: Int { state.withLock { $0.inFlight } }
}

/// How one streaming run behaves.
struct StreamPlan: Sendable {
    /// Transfers per second over all connections; 0 sends as fast as the window allows.
    var rate: Double
    /// In-flight transfers per connection.
    var windowPerConnection: Int
    /// Stop sending at this monotonic time (ns); 0 for no limit.
    var sendDeadline: UInt64
    /// After sending, how long to wait for the remaining receipts.
    var drainTimeout: Duration
}

/// Streams prepared transfers over `SubmitTransactions` calls, one per connection, each with its
/// own list (a sender's transfers always go on the same stream, in nonce order).
enum LoadStreams {
    /// `SubmitTransactions`, called with pre-encoded requests (`RawMessage`), hence by path.
    static let path = SettlementV1.SettlementMethods.submitTransactions.path

    /// Runs every connection's stream to its end; errors are recorded in `stats`, not thrown.
    static func run(clients: [RPCClient], lists: [[PreparedTransfer]], plan: StreamPlan, stats: LoadStats) async {
        await withTaskGroup(of: Void.self) { group in
            let perConnectionRate = plan.rate / Double(lists.count)
            for (i, list) in lists.enumerated() where !list.isEmpty {
                let client = clients[i % clients.count]
                group.addTask {
                    do {
                        try await stream(client: client, list: list, rate: perConnectionRate, plan: plan, stats: stats)
                    } catch {
                        stats.recordStreamError("connection \(i + 1): \(error)")
                    }
                }
            }
        }
    }

    private static func stream(client: RPCClient, list: [PreparedTransfer], rate: Double, plan: StreamPlan,
                               stats: LoadStats) async throws {
        let window = InFlightWindow(limit: plan.windowPerConnection)
        try await client.bidirectionalStreaming(path, as: SettlementV1.TransactionReceipt.self) {
            (writer: RequestWriter<RawMessage>, responses: ResponseStream<SettlementV1.TransactionReceipt>) in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await send(list, writer: writer, window: window, rate: rate, plan: plan, stats: stats)
                }
                do {
                    for try await receipt in responses {
                        stats.recordReceipt(receipt, at: nowNanos())
                        window.release()
                    }
                } catch {
                    window.abandon()
                    group.cancelAll()
                    throw error
                }
                window.abandon()
                try await group.waitForAll()
            }
        }
    }

    /// The sender side: paced, windowed sends; then waits for the receipts (bounded) and
    /// half-closes, or cancels the call when they do not all come in time.
    private static func send(_ list: [PreparedTransfer], writer: RequestWriter<RawMessage>, window: InFlightWindow,
                             rate: Double, plan: StreamPlan, stats: LoadStats) async throws {
        let start = nowNanos()
        let interval = rate > 0 ? 1e9 / rate : 0
        for (n, t) in list.enumerated() {
            if Task.isCancelled { return }
            if plan.sendDeadline != 0, nowNanos() >= plan.sendDeadline { break }
            if interval > 0 {
                let due = start + UInt64(Double(n) * interval)
                let now = nowNanos()
                // Sleep only when more than a millisecond ahead: sends go out in small bursts.
                if due > now + 1_000_000 { try await Task.sleep(nanoseconds: due - now) }
            }
            await window.acquire()
            if Task.isCancelled { return }
            stats.recordSend(t.sequence, at: nowNanos())
            try await writer.call.send(t.bytes)
        }
        // Drain: every receipt, or give up after the timeout.
        let drainEnd = ContinuousClock.now + plan.drainTimeout
        while window.inFlight > 0 {
            if ContinuousClock.now >= drainEnd {
                let missing = window.inFlight
                writer.call.cancel(RPCError(.deadlineExceeded, "\(missing) receipts still missing after the drain timeout"))
                throw RPCError(.deadlineExceeded, "\(missing) receipts still missing after the drain timeout")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        writer.finish()
    }
}
