import Synchronization

/// A point-in-time view of the engine's performance (the product's `PerformanceMetrics`).
public struct PerformanceSnapshot: Sendable {
    public var windowSeconds: Int
    /// Sequenced transactions per second over the window.
    public var tps: Double
    public var batchProcessingP50Micros: UInt64
    public var batchProcessingP99Micros: UInt64
    /// From receipt by the engine to the SEQUENCED answer (durable).
    public var confirmationLatencyP50Millis: Double
    public var confirmationLatencyP99Millis: Double
    public var pendingTransactions: Int
    public var stateAccounts: Int
    public var stateSizeBytes: Int
    public var stateGrowthBytesPerSecond: Double
    public var batchesCommitted: UInt64
    public var transactionsSequenced: UInt64
    public var transactionsRejected: UInt64
}

/// Collects what `PerformanceSnapshot` reports: per-second counters for the sliding window and
/// bounded reservoirs of recent latencies (most recent samples win; memory stays constant).
public final class MetricsRecorder: Sendable {
    private struct State {
        var perSecond = [UInt64](repeating: 0, count: 3600)   // ring indexed by second
        var secondStamp = [Int64](repeating: -1, count: 3600)
        var batchMicros = Reservoir(capacity: 4096)
        var confirmMicros = Reservoir(capacity: 65536)
        var batches: UInt64 = 0
        var sequenced: UInt64 = 0
        var rejected: UInt64 = 0
        var sizeSamples: [(at: ContinuousClock.Instant, bytes: Int)] = []
    }

    private let state = Lock(State())
    private let epoch = ContinuousClock.now

    public init() {}

    private func second(_ t: ContinuousClock.Instant) -> Int64 { (t - epoch).components.seconds }

    /// Records a committed batch: its processing time and its transactions' confirmation latency.
    public func recordBatch(processing: Duration, accepted: Int, rejected: Int,
                            latencies: [Duration], stateBytes: Int, now: ContinuousClock.Instant = .now) {
        state.withLock { s in
            count(&s, accepted: accepted, rejected: rejected, now: now)
            s.batchMicros.add(micros(processing))
            for l in latencies { s.confirmMicros.add(micros(l)) }
            s.sizeSamples.append((now, stateBytes))
            if s.sizeSamples.count > 4096 { s.sizeSamples.removeFirst(2048) }
        }
    }

    /// A batch another replica committed (a follower counts throughput; latencies are the
    /// leader's to measure).
    public func recordFollowedBatch(accepted: Int, rejected: Int, now: ContinuousClock.Instant = .now) {
        state.withLock { s in count(&s, accepted: accepted, rejected: rejected, now: now) }
    }

    /// Counts a batch's transactions into the per-second ring and the totals.
    private func count(_ s: inout State, accepted: Int, rejected: Int, now: ContinuousClock.Instant) {
        let sec = second(now)
        let i = Int(sec % 3600)
        if s.secondStamp[i] != sec { s.secondStamp[i] = sec; s.perSecond[i] = 0 }
        s.perSecond[i] += UInt64(accepted)
        s.batches += 1
        s.sequenced += UInt64(accepted)
        s.rejected += UInt64(rejected)
    }

    public func snapshot(windowSeconds: Int, pending: Int, accounts: Int, stateBytes: Int,
                         now: ContinuousClock.Instant = .now) -> PerformanceSnapshot {
        state.withLock { s in
            let window = max(1, min(windowSeconds, 3599))
            let nowSec = second(now)
            var total: UInt64 = 0
            // Whole seconds before the current one, so a partial second doesn't skew the rate.
            for k in 1...Int64(window) {
                let sec = nowSec - k
                if sec < 0 { break }
                let i = Int(sec % 3600)
                if s.secondStamp[i] == sec { total += s.perSecond[i] }
            }
            let covered = max(1, min(Int64(window), nowSec))
            let since = now - .seconds(window)
            var growth = 0.0
            if let first = s.sizeSamples.first(where: { $0.at >= since }), let last = s.sizeSamples.last, last.at > first.at {
                let dt = Double((last.at - first.at).components.seconds) + Double((last.at - first.at).components.attoseconds) / 1e18
                growth = Double(last.bytes - first.bytes) / dt
            }
            return PerformanceSnapshot(
                windowSeconds: window, tps: Double(total) / Double(covered),
                batchProcessingP50Micros: s.batchMicros.percentile(50), batchProcessingP99Micros: s.batchMicros.percentile(99),
                confirmationLatencyP50Millis: Double(s.confirmMicros.percentile(50)) / 1000,
                confirmationLatencyP99Millis: Double(s.confirmMicros.percentile(99)) / 1000,
                pendingTransactions: pending, stateAccounts: accounts, stateSizeBytes: stateBytes,
                stateGrowthBytesPerSecond: growth, batchesCommitted: s.batches,
                transactionsSequenced: s.sequenced, transactionsRejected: s.rejected)
        }
    }

    private func micros(_ d: Duration) -> UInt64 {
        UInt64(max(0, d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000))
    }
}

/// The most recent `capacity` samples, for percentiles.
struct Reservoir: Sendable {
    private var samples: [UInt64] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    mutating func add(_ v: UInt64) {
        if samples.count < capacity { samples.append(v) } else { samples[next] = v; next = (next + 1) % capacity }
    }

    func percentile(_ p: Int) -> UInt64 {
        guard !samples.isEmpty else { return 0 }
        let sorted = samples.sorted()
        let rank = min(sorted.count - 1, max(0, (sorted.count * p + 99) / 100 - 1))
        return sorted[rank]
    }
}
