import Foundation

// The rows of a `SettlementReport`, one type per reporting function (migration 0004). Bucket
// starts are epoch-aligned and may precede the range's start; `seconds` is the part inside it.

/// `report_throughput`: batches and transactions committed in one bucket.
public struct ThroughputBucket: Sendable, Equatable {
    public var start: Date
    public var seconds: Double
    public var batches: Int64
    public var accepted: Int64
    public var rejected: Int64
    public var acceptedPerSecond: Double
    public var rejectedPerSecond: Double

    public init(start: Date, seconds: Double, batches: Int64, accepted: Int64, rejected: Int64,
                acceptedPerSecond: Double, rejectedPerSecond: Double) {
        self.start = start
        self.seconds = seconds
        self.batches = batches
        self.accepted = accepted
        self.rejected = rejected
        self.acceptedPerSecond = acceptedPerSecond
        self.rejectedPerSecond = rejectedPerSecond
    }
}

/// The latencies `report_latency` measures (its `metric` column).
public enum LatencyMetric: String, Sendable, CaseIterable {
    /// Batch closed → its commit (`batches.committed_at - created_at`).
    case batchProcessing = "batch_processing"
    /// Accepted transaction received → its batch's commit.
    case confirmation
    /// L1 commitment posted → confirmed on L1.
    case l1Confirmation = "l1_confirmation"
    /// L1 commitment posted → final.
    case finality
    /// Challenge opened → resolved.
    case challengeResolution = "challenge_resolution"

    /// A label for tables and charts.
    public var title: String {
        switch self {
        case .batchProcessing: "batch processing"
        case .confirmation: "confirmation"
        case .l1Confirmation: "L1 confirmation"
        case .finality: "finality"
        case .challengeResolution: "challenge resolution"
        }
    }
}

/// `report_latency`: one metric's distribution over the range (milliseconds; nil without samples).
public struct LatencyDistribution: Sendable, Equatable {
    public var metric: LatencyMetric
    public var samples: Int64
    public var p50: Double?
    public var p90: Double?
    public var p99: Double?
    public var max: Double?
    public var mean: Double?

    public init(metric: LatencyMetric, samples: Int64, p50: Double?, p90: Double?, p99: Double?,
                max: Double?, mean: Double?) {
        self.metric = metric
        self.samples = samples
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.max = max
        self.mean = mean
    }
}

/// Percentiles of one bucket (milliseconds; nil without samples).
public struct Percentiles: Sendable, Equatable {
    public var p50: Double?
    public var p90: Double?
    public var p99: Double?
    public var max: Double?

    public init(p50: Double?, p90: Double?, p99: Double?, max: Double?) {
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.max = max
    }
}

/// `report_latency_series`: batch processing and confirmation latency in one bucket.
public struct LatencyBucket: Sendable, Equatable {
    public var start: Date
    public var batchProcessing: Percentiles
    public var confirmation: Percentiles

    public init(start: Date, batchProcessing: Percentiles, confirmation: Percentiles) {
        self.start = start
        self.batchProcessing = batchProcessing
        self.confirmation = confirmation
    }
}

/// `report_state_size`: accounts after the newest batch committed by the bucket's end (nil while
/// unknown: batches before migration 0003 record none), and the growth since the previous bucket.
public struct StateSizeBucket: Sendable, Equatable {
    public var start: Date
    public var batch: Int64?
    public var accounts: Int64?
    public var growth: Int64?

    public init(start: Date, batch: Int64?, accounts: Int64?, growth: Int64?) {
        self.start = start
        self.batch = batch
        self.accounts = accounts
        self.growth = growth
    }
}

/// `report_leadership`: one leadership term (whole-term figures).
public struct LeaderTerm: Sendable, Equatable {
    public var term: Int64
    public var holder: String
    public var endpoint: String
    /// The lease's holder before this term (this same replica when it re-acquired a lapsed
    /// lease); nil for the first term.
    public var previous: String?
    public var acquiredAt: Date
    /// When the next term began; nil for the current one.
    public var endedAt: Date?
    public var batches: Int64
    public var firstBatchAt: Date?
    public var lastBatchAt: Date?
    /// First batch of this term minus the last batch of the previous one (failover as clients
    /// see it); nil when either term committed nothing.
    public var handoverGapMs: Double?

    public init(term: Int64, holder: String, endpoint: String, previous: String?, acquiredAt: Date, endedAt: Date?,
                batches: Int64, firstBatchAt: Date?, lastBatchAt: Date?, handoverGapMs: Double?) {
        self.term = term
        self.holder = holder
        self.endpoint = endpoint
        self.previous = previous
        self.acquiredAt = acquiredAt
        self.endedAt = endedAt
        self.batches = batches
        self.firstBatchAt = firstBatchAt
        self.lastBatchAt = lastBatchAt
        self.handoverGapMs = handoverGapMs
    }
}

/// `report_finality`: L1 commitment events in one bucket and the high-water marks at its end.
public struct FinalityBucket: Sendable, Equatable {
    public var start: Date
    public var posted: Int64
    public var confirmed: Int64
    public var finalized: Int64
    public var reverted: Int64
    /// The newest committed batch.
    public var headBatch: Int64?
    /// The highest batch covered by a posted / confirmed / finalized, not reverted, commitment.
    public var postedBatch: Int64?
    public var confirmedBatch: Int64?
    public var finalizedBatch: Int64?

    public init(start: Date, posted: Int64, confirmed: Int64, finalized: Int64, reverted: Int64, headBatch: Int64?,
                postedBatch: Int64?, confirmedBatch: Int64?, finalizedBatch: Int64?) {
        self.start = start
        self.posted = posted
        self.confirmed = confirmed
        self.finalized = finalized
        self.reverted = reverted
        self.headBatch = headBatch
        self.postedBatch = postedBatch
        self.confirmedBatch = confirmedBatch
        self.finalizedBatch = finalizedBatch
    }
}

/// `report_challenge_activity`: fraud-proof challenges in one bucket.
public struct ChallengeBucket: Sendable, Equatable {
    public var start: Date
    public var opened: Int64
    public var resolved: Int64
    public var challengerWins: Int64
    public var proposerWins: Int64
    /// Challenges open at the bucket's end.
    public var openAtEnd: Int64

    public init(start: Date, opened: Int64, resolved: Int64, challengerWins: Int64, proposerWins: Int64,
                openAtEnd: Int64) {
        self.start = start
        self.opened = opened
        self.resolved = resolved
        self.challengerWins = challengerWins
        self.proposerWins = proposerWins
        self.openAtEnd = openAtEnd
    }
}
