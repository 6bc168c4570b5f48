import Foundation

/// The plain-text rendering of a `SettlementReport` (what `settlement report` prints): a header,
/// then one aligned table per section. Sections without data say so in one line instead of a
/// table of zeros (finality and challenges stay empty until the finality work writes them).
public enum ReportText {
    public static func render(_ report: SettlementReport) -> String {
        let range = report.range
        var out: [String] = []
        out.append("Settlement report: \(ReportFormat.isoTime(range.from)) to \(ReportFormat.isoTime(range.to))"
                   + " (\(ReportFormat.duration(microseconds: range.toMicroseconds - range.fromMicroseconds)),"
                   + " buckets of \(ReportFormat.duration(microseconds: range.bucketMicroseconds)), times UTC)\n"
                   + "generated \(ReportFormat.isoTime(report.generatedAt))")
        out.append(section("Summary", summary(report)))
        out.append(section("Throughput per bucket (transactions committed; rejected = by execution)", throughput(report)))
        out.append(section("Latency over the range (ms)", latency(report)))
        out.append(section("Latency per bucket (ms)", latencySeries(report)))
        out.append(section("State size (accounts after the newest batch by the bucket's end)", stateSize(report)))
        out.append(section("Leader terms active in the range", leaderTerms(report)))
        out.append(section("Finality (L1 commitments)", finality(report)))
        out.append(section("Challenges", challenges(report)))
        return out.joined(separator: "\n\n") + "\n"
    }

    static func section(_ title: String, _ body: String) -> String { title + "\n" + body }

    static func summary(_ report: SettlementReport) -> String {
        let s = report.summary
        var t = TextTable([("", .left), ("", .left)])
        let batches = s.firstBatch.map { "\(s.batches) (#\($0) to #\(s.lastBatch ?? $0))" } ?? "\(s.batches)"
        t.append(["batches", batches])
        t.append(["accepted", String(s.accepted)])
        t.append(["rejected", String(s.rejected)])
        t.append(["accepted/s (average)", ReportFormat.rate(s.acceptedPerSecond)])
        t.append(["accepted/s (busiest second)", String(s.peakAcceptedPerSecond)])
        return t.render(header: false)
    }

    static func throughput(_ report: SettlementReport) -> String {
        guard report.summary.batches > 0 else { return "  no batches committed in the range" }
        var t = TextTable([("bucket", .left), ("batches", .right), ("accepted", .right), ("rejected", .right),
                           ("accepted/s", .right), ("rejected/s", .right)])
        for b in report.throughput {
            t.append([ReportFormat.bucketLabel(b.start, in: report.range), String(b.batches), String(b.accepted),
                      String(b.rejected), ReportFormat.rate(b.acceptedPerSecond), ReportFormat.rate(b.rejectedPerSecond)])
        }
        return t.render()
    }

    static func latency(_ report: SettlementReport) -> String {
        var t = TextTable([("metric", .left), ("samples", .right), ("p50", .right), ("p90", .right), ("p99", .right),
                           ("max", .right), ("mean", .right)])
        for d in report.latency {
            t.append([d.metric.title, String(d.samples), ReportFormat.milliseconds(d.p50), ReportFormat.milliseconds(d.p90),
                      ReportFormat.milliseconds(d.p99), ReportFormat.milliseconds(d.max), ReportFormat.milliseconds(d.mean)])
        }
        return t.render()
    }

    static func latencySeries(_ report: SettlementReport) -> String {
        guard report.summary.batches > 0 else { return "  no batches committed in the range" }
        var t = TextTable([("bucket", .left), ("batch p50", .right), ("batch p99", .right), ("batch max", .right),
                           ("confirm p50", .right), ("confirm p99", .right), ("confirm max", .right)])
        for b in report.latencySeries {
            t.append([ReportFormat.bucketLabel(b.start, in: report.range),
                      ReportFormat.milliseconds(b.batchProcessing.p50), ReportFormat.milliseconds(b.batchProcessing.p99),
                      ReportFormat.milliseconds(b.batchProcessing.max), ReportFormat.milliseconds(b.confirmation.p50),
                      ReportFormat.milliseconds(b.confirmation.p99), ReportFormat.milliseconds(b.confirmation.max)])
        }
        return t.render()
    }

    static func stateSize(_ report: SettlementReport) -> String {
        guard report.stateSize.contains(where: { $0.accounts != nil }) else {
            return "  no batch up to the range's end records its account count (batches.account_count is 0: not recorded)"
        }
        var t = TextTable([("bucket", .left), ("batch", .right), ("accounts", .right), ("growth", .right)])
        for b in report.stateSize {
            t.append([ReportFormat.bucketLabel(b.start, in: report.range), ReportFormat.integer(b.batch),
                      ReportFormat.integer(b.accounts), ReportFormat.signed(b.growth)])
        }
        return t.render()
    }

    static func leaderTerms(_ report: SettlementReport) -> String {
        guard !report.leaderTerms.isEmpty else { return "  no leadership terms recorded (a single engine without a lease)" }
        var t = TextTable([("term", .right), ("holder", .left), ("endpoint", .left), ("acquired", .left),
                           ("ended", .left), ("batches", .right), ("handover gap ms", .right)])
        for l in report.leaderTerms {
            t.append([String(l.term), l.holder, l.endpoint, ReportFormat.isoTime(l.acquiredAt), ReportFormat.time(l.endedAt),
                      String(l.batches), ReportFormat.milliseconds(l.handoverGapMs)])
        }
        return t.render() + "\n  leader changes in the range: \(report.leaderChanges)"
    }

    static func finality(_ report: SettlementReport) -> String {
        guard report.hasFinalityData else { return "  no L1 commitments recorded yet" }
        var t = TextTable([("bucket", .left), ("posted", .right), ("confirmed", .right), ("finalized", .right),
                           ("reverted", .right), ("head", .right), ("posted to", .right), ("confirmed to", .right),
                           ("final to", .right)])
        for b in report.finality {
            t.append([ReportFormat.bucketLabel(b.start, in: report.range), String(b.posted), String(b.confirmed),
                      String(b.finalized), String(b.reverted), ReportFormat.integer(b.headBatch),
                      ReportFormat.integer(b.postedBatch), ReportFormat.integer(b.confirmedBatch),
                      ReportFormat.integer(b.finalizedBatch)])
        }
        return t.render()
    }

    static func challenges(_ report: SettlementReport) -> String {
        guard report.hasChallengeData else { return "  no challenges recorded in the range" }
        var t = TextTable([("bucket", .left), ("opened", .right), ("resolved", .right), ("challenger won", .right),
                           ("proposer won", .right), ("open at end", .right)])
        for b in report.challenges {
            t.append([ReportFormat.bucketLabel(b.start, in: report.range), String(b.opened), String(b.resolved),
                      String(b.challengerWins), String(b.proposerWins), String(b.openAtEnd)])
        }
        return t.render()
    }
}
