import Foundation

/// The HTML rendering of a `SettlementReport` (`settlement report --html FILE`): one
/// self-contained page, with inline CSS and inline SVG charts (`SVGLineChart`), no scripts and no
/// external resources. Each section has its chart and its table (per-bucket tables fold away in
/// `<details>`). The page is well-formed XML (XHTML syntax), so XML tools can read it.
public enum ReportHTML {
    public static func render(_ report: SettlementReport) -> String {
        let range = report.range
        let title = "Settlement report \(ReportFormat.isoTime(range.from)) to \(ReportFormat.isoTime(range.to))"
        var body = "<h1>Settlement report</h1>\n"
        let span = ReportFormat.duration(microseconds: range.toMicroseconds - range.fromMicroseconds)
        body += "<p class=\"range\">\(Markup.escape(ReportFormat.isoTime(range.from))) to "
            + "\(Markup.escape(ReportFormat.isoTime(range.to))): \(span), "
            + "buckets of \(ReportFormat.duration(microseconds: range.bucketMicroseconds)), times UTC. "
            + "Generated \(Markup.escape(ReportFormat.isoTime(report.generatedAt))).</p>\n"
        body += summary(report)
        body += throughput(report)
        body += latency(report)
        body += stateSize(report)
        body += leaderTerms(report)
        body += finality(report)
        body += challenges(report)
        return """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <title>\(Markup.escape(title))</title>
            <style>\(style)</style>
            </head>
            <body>
            \(body)</body>
            </html>

            """
    }

    static let style = """
        body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 820px; color: #222; }
        h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
        table { border-collapse: collapse; margin: 0.5em 0; } td, th { padding: 2px 10px; border-bottom: 1px solid #eee; }
        th { text-align: left; background: #f4f4f4; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
        .chart { display: block; margin: 0.5em 0; } .chart-title { font-size: 13px; font-weight: 600; }
        .grid { stroke: #e4e4e4; } .y-label { font-size: 11px; text-anchor: end; fill: #555; }
        .x-label, .legend { font-size: 11px; fill: #555; } .no-data { font-size: 13px; fill: #999; }
        .empty { color: #777; font-style: italic; } summary { cursor: pointer; color: #555; }
        """

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"]

    /// A table; `numeric` columns are right-aligned.
    static func table(_ headers: [String], numeric: Set<Int> = [], _ rows: [[String]]) -> String {
        func cell(_ tag: String, _ i: Int, _ text: String) -> String {
            "<\(tag)\(numeric.contains(i) ? " class=\"n\"" : "")>\(Markup.escape(text))</\(tag)>"
        }
        var html = "<table>\n<tr>" + headers.enumerated().map { cell("th", $0, $1) }.joined() + "</tr>\n"
        for row in rows { html += "<tr>" + row.enumerated().map { cell("td", $0, $1) }.joined() + "</tr>\n" }
        return html + "</table>\n"
    }

    static func folded(_ label: String, _ content: String) -> String {
        "<details><summary>\(Markup.escape(label))</summary>\n\(content)</details>\n"
    }

    static func empty(_ text: String) -> String { "<p class=\"empty\">\(Markup.escape(text))</p>\n" }

    static func chart(_ report: SettlementReport, _ title: String, unit: String, starts: [Date],
                      _ series: [(String, [Double?])]) -> String {
        let lines = series.enumerated().map { i, s in
            SVGLineChart.Series(name: s.0, color: colors[i % colors.count], values: s.1)
        }
        return SVGLineChart(title: title, unit: unit, range: report.range, bucketStarts: starts, series: lines).render() + "\n"
    }

    static func summary(_ report: SettlementReport) -> String {
        let s = report.summary
        let rows = [
            ["batches", String(s.batches)],
            ["first batch", ReportFormat.integer(s.firstBatch)], ["last batch", ReportFormat.integer(s.lastBatch)],
            ["accepted", String(s.accepted)], ["rejected (by execution)", String(s.rejected)],
            ["accepted/s (average)", ReportFormat.rate(s.acceptedPerSecond)],
            ["accepted/s (busiest second)", String(s.peakAcceptedPerSecond)],
        ]
        return "<h2>Summary</h2>\n" + table(["", "value"], numeric: [1], rows)
    }

    static func throughput(_ report: SettlementReport) -> String {
        let b = report.throughput
        var html = "<h2>Throughput</h2>\n"
        html += chart(report, "Transactions committed per second", unit: "tx/s", starts: b.map(\.start),
                      [("accepted", b.map { $0.acceptedPerSecond }), ("rejected", b.map { $0.rejectedPerSecond })])
        let rows = b.map { [ReportFormat.bucketLabel($0.start, in: report.range), String($0.batches), String($0.accepted),
                            String($0.rejected), ReportFormat.rate($0.acceptedPerSecond), ReportFormat.rate($0.rejectedPerSecond)] }
        return html + folded("per bucket", table(["bucket", "batches", "accepted", "rejected", "accepted/s", "rejected/s"],
                                                 numeric: [1, 2, 3, 4, 5], rows))
    }

    static func latency(_ report: SettlementReport) -> String {
        var html = "<h2>Latency</h2>\n"
        html += table(["metric", "samples", "p50 ms", "p90 ms", "p99 ms", "max ms", "mean ms"], numeric: [1, 2, 3, 4, 5, 6],
                      report.latency.map { d in
                          [d.metric.title, String(d.samples), ReportFormat.milliseconds(d.p50), ReportFormat.milliseconds(d.p90),
                           ReportFormat.milliseconds(d.p99), ReportFormat.milliseconds(d.max), ReportFormat.milliseconds(d.mean)]
                      })
        let l = report.latencySeries
        html += chart(report, "Latency per bucket", unit: "ms", starts: l.map(\.start), [
            ("batch p50", l.map { $0.batchProcessing.p50 }), ("batch p99", l.map { $0.batchProcessing.p99 }),
            ("confirmation p50", l.map { $0.confirmation.p50 }), ("confirmation p99", l.map { $0.confirmation.p99 }),
        ])
        let rows = l.map { b in
            [ReportFormat.bucketLabel(b.start, in: report.range), ReportFormat.milliseconds(b.batchProcessing.p50),
             ReportFormat.milliseconds(b.batchProcessing.p90), ReportFormat.milliseconds(b.batchProcessing.p99),
             ReportFormat.milliseconds(b.batchProcessing.max), ReportFormat.milliseconds(b.confirmation.p50),
             ReportFormat.milliseconds(b.confirmation.p90), ReportFormat.milliseconds(b.confirmation.p99),
             ReportFormat.milliseconds(b.confirmation.max)]
        }
        return html + folded("per bucket", table(["bucket", "batch p50", "p90", "p99", "max", "confirmation p50", "p90", "p99", "max"],
                                                 numeric: Set(1...8), rows))
    }

    static func stateSize(_ report: SettlementReport) -> String {
        let s = report.stateSize
        var html = "<h2>State size</h2>\n"
        guard s.contains(where: { $0.accounts != nil }) else {
            return html + empty("No batch up to the range's end records its account count (batches.account_count is 0: not recorded).")
        }
        html += chart(report, "Accounts in the state", unit: "accounts", starts: s.map(\.start),
                      [("accounts", s.map { $0.accounts.map(Double.init) })])
        let rows = s.map { [ReportFormat.bucketLabel($0.start, in: report.range), ReportFormat.integer($0.batch),
                            ReportFormat.integer($0.accounts), ReportFormat.signed($0.growth)] }
        return html + folded("per bucket", table(["bucket", "batch", "accounts", "growth"], numeric: [1, 2, 3], rows))
    }

    static func leaderTerms(_ report: SettlementReport) -> String {
        let html = "<h2>Leader terms</h2>\n"
        guard !report.leaderTerms.isEmpty else { return html + empty("No leadership terms recorded in the range.") }
        let rows = report.leaderTerms.map { l in
            [String(l.term), l.holder, l.endpoint, l.previous ?? "-", ReportFormat.isoTime(l.acquiredAt),
             ReportFormat.time(l.endedAt), String(l.batches), ReportFormat.milliseconds(l.handoverGapMs)]
        }
        return html + table(["term", "holder", "endpoint", "previous", "acquired", "ended", "batches", "handover gap ms"],
                            numeric: [0, 6, 7], rows)
            + "<p>Leader changes in the range: \(report.leaderChanges).</p>\n"
    }

    static func finality(_ report: SettlementReport) -> String {
        let f = report.finality
        var html = "<h2>Finality</h2>\n"
        guard report.hasFinalityData else { return html + empty("No L1 commitments recorded yet.") }
        html += chart(report, "Finality progress", unit: "batch number", starts: f.map(\.start), [
            ("head", f.map { $0.headBatch.map(Double.init) }), ("posted", f.map { $0.postedBatch.map(Double.init) }),
            ("confirmed", f.map { $0.confirmedBatch.map(Double.init) }), ("finalized", f.map { $0.finalizedBatch.map(Double.init) }),
        ])
        let rows = f.map { b in
            [ReportFormat.bucketLabel(b.start, in: report.range), String(b.posted), String(b.confirmed), String(b.finalized),
             String(b.reverted), ReportFormat.integer(b.headBatch), ReportFormat.integer(b.postedBatch),
             ReportFormat.integer(b.confirmedBatch), ReportFormat.integer(b.finalizedBatch)]
        }
        return html + folded("per bucket", table(["bucket", "posted", "confirmed", "finalized", "reverted", "head",
                                                  "posted to", "confirmed to", "final to"], numeric: Set(1...8), rows))
    }

    static func challenges(_ report: SettlementReport) -> String {
        let c = report.challenges
        var html = "<h2>Challenges</h2>\n"
        guard report.hasChallengeData else { return html + empty("No challenges recorded in the range.") }
        html += chart(report, "Challenge activity", unit: "challenges", starts: c.map(\.start), [
            ("opened", c.map { Double($0.opened) }), ("resolved", c.map { Double($0.resolved) }),
            ("open", c.map { Double($0.openAtEnd) }),
        ])
        let rows = c.map { b in
            [ReportFormat.bucketLabel(b.start, in: report.range), String(b.opened), String(b.resolved),
             String(b.challengerWins), String(b.proposerWins), String(b.openAtEnd)]
        }
        return html + folded("per bucket", table(["bucket", "opened", "resolved", "challenger won", "proposer won", "open at end"],
                                                 numeric: Set(1...5), rows))
    }
}
