import Foundation

/// Everything `settlement report` shows for one time range, as read from the reporting
/// functions of migration `0004_reporting` in one read-only snapshot (`SettlementReportLoader`).
///
/// Series have one element per bucket of `range`, in time order, empty buckets included (zero
/// counts, nil latencies). Latencies are in milliseconds. Renderings: `ReportText`, `ReportHTML`.
public struct SettlementReport: Sendable, Equatable {
    public var range: ReportRange
    /// The database's clock when the report was read.
    public var generatedAt: Date
    public var summary: Summary
    /// `report_throughput`.
    public var throughput: [ThroughputBucket]
    /// `report_latency`: one distribution per `LatencyMetric`, in its order.
    public var latency: [LatencyDistribution]
    /// `report_latency_series`.
    public var latencySeries: [LatencyBucket]
    /// `report_state_size`.
    public var stateSize: [StateSizeBucket]
    /// `report_leadership`: the terms active during the range.
    public var leaderTerms: [LeaderTerm]
    /// `report_finality`.
    public var finality: [FinalityBucket]
    /// `report_challenge_activity`.
    public var challenges: [ChallengeBucket]

    public init(range: ReportRange, generatedAt: Date, summary: Summary, throughput: [ThroughputBucket],
                latency: [LatencyDistribution], latencySeries: [LatencyBucket], stateSize: [StateSizeBucket],
                leaderTerms: [LeaderTerm], finality: [FinalityBucket], challenges: [ChallengeBucket]) {
        self.range = range
        self.generatedAt = generatedAt
        self.summary = summary
        self.throughput = throughput
        self.latency = latency
        self.latencySeries = latencySeries
        self.stateSize = stateSize
        self.leaderTerms = leaderTerms
        self.finality = finality
        self.challenges = challenges
    }

    /// `report_summary`: totals over the range (genesis excluded).
    public struct Summary: Sendable, Equatable {
        public var batches: Int64
        /// The first and last batch committed in the range; nil when none was.
        public var firstBatch: Int64?
        public var lastBatch: Int64?
        public var accepted: Int64
        /// Rejected by execution (nonce, balance, ...); earlier rejections are not stored.
        public var rejected: Int64
        /// Accepted transactions per second over the whole range.
        public var acceptedPerSecond: Double
        /// Accepted transactions in the busiest calendar second.
        public var peakAcceptedPerSecond: Int64

        public init(batches: Int64, firstBatch: Int64?, lastBatch: Int64?, accepted: Int64, rejected: Int64,
                    acceptedPerSecond: Double, peakAcceptedPerSecond: Int64) {
            self.batches = batches
            self.firstBatch = firstBatch
            self.lastBatch = lastBatch
            self.accepted = accepted
            self.rejected = rejected
            self.acceptedPerSecond = acceptedPerSecond
            self.peakAcceptedPerSecond = peakAcceptedPerSecond
        }
    }

    /// The latency distribution of `metric`, if the report has it.
    public func latency(_ metric: LatencyMetric) -> LatencyDistribution? {
        latency.first { $0.metric == metric }
    }

    /// Terms begun inside the range that moved the lease to another replica (a term whose previous
    /// holder is the same replica, re-acquiring after its lease lapsed, is not a change).
    public var leaderChanges: Int {
        leaderTerms.filter { term in
            term.acquiredAt >= range.from && term.previous.map { $0 != term.holder } == true
        }.count
    }

    /// True when any L1 commitment event (posting, confirmation, finality, revert) falls in the
    /// range or any commitment covers a batch by its end: the finality section has something to show.
    public var hasFinalityData: Bool {
        finality.contains { $0.posted + $0.confirmed + $0.finalized + $0.reverted > 0 || $0.postedBatch != nil }
    }

    /// True when a challenge was opened, resolved or open during the range.
    public var hasChallengeData: Bool {
        challenges.contains { $0.opened + $0.resolved + $0.openAtEnd > 0 }
    }
}
