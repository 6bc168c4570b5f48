import Foundation

/// A line chart of per-bucket values over a report's time range, as one inline `<svg>` element
/// (no scripts, no external resources, so the HTML report works offline and in mail).
///
/// The x axis is the range; each value sits at the middle of its bucket's part inside the range.
/// The y axis starts at 0 and has grid lines at a round step (1, 2, 2.5 or 5 times a power of
/// ten) up to the largest value. A run of
/// consecutive values is one `<polyline>` (a nil value breaks the line); with at most
/// `maximumMarkers` points per series every point also gets a `<circle>` whose `<title>` shows
/// the exact value on hover.
public struct SVGLineChart: Sendable {
    /// One line of the chart.
    public struct Series: Sendable {
        public var name: String
        /// A CSS color.
        public var color: String
        /// One value per bucket (nil: no value in that bucket).
        public var values: [Double?]

        public init(name: String, color: String, values: [Double?]) {
            self.name = name
            self.color = color
            self.values = values
        }
    }

    public static let maximumMarkers = 300

    public var title: String
    /// What the y values are (`tx/s`, `ms`, `accounts`).
    public var unit: String
    public var range: ReportRange
    /// The start of each bucket (the report's series' `start`s).
    public var bucketStarts: [Date]
    public var series: [Series]
    public var width = 760.0
    public var height = 260.0

    public init(title: String, unit: String, range: ReportRange, bucketStarts: [Date], series: [Series]) {
        self.title = title
        self.unit = unit
        self.range = range
        self.bucketStarts = bucketStarts
        self.series = series
    }

    static let left = 64.0, right = 16.0, top = 34.0, bottom = 30.0

    public func render() -> String {
        let plotWidth = width - Self.left - Self.right, plotHeight = height - Self.top - Self.bottom
        let largest = series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0
        // Grid lines at a round step, at most four of them above zero.
        let step = Self.roundedUp(largest / 4)
        let divisions = largest > 0 ? max(1, Int((largest / step * (1 - 1e-12)).rounded(.up))) : 4
        let yMax = step * Double(divisions)
        let from = range.from.timeIntervalSince1970, to = range.to.timeIntervalSince1970
        let bucket = Double(range.bucketMicroseconds) / 1e6
        func x(_ i: Int) -> Double {
            let start = bucketStarts[i].timeIntervalSince1970
            let middle = (max(start, from) + min(start + bucket, to)) / 2
            return Self.left + (middle - from) / (to - from) * plotWidth
        }
        func y(_ v: Double) -> Double { Self.top + plotHeight - v / yMax * plotHeight }

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="\(Markup.number(width))" \
            height="\(Markup.number(height))" viewBox="0 0 \(Markup.number(width)) \(Markup.number(height))" \
            role="img" aria-label="\(Markup.escape(title))">
            <title>\(Markup.escape(title))</title>
            <text x="\(Markup.number(Self.left))" y="18" class="chart-title">\(Markup.escape(title)) (\(Markup.escape(unit)))</text>

            """
        // Grid and y labels.
        for k in 0...divisions {
            let v = step * Double(k)
            svg += "<line x1=\"\(Markup.number(Self.left))\" y1=\"\(Markup.number(y(v)))\" x2=\"\(Markup.number(width - Self.right))\" "
                + "y2=\"\(Markup.number(y(v)))\" class=\"grid\"/>"
                + "<text x=\"\(Markup.number(Self.left - 6))\" y=\"\(Markup.number(y(v) + 4))\" class=\"y-label\">"
                + "\(Self.label(v))</text>\n"
        }
        // x labels: the range's start, end and three times between.
        for k in 0...4 {
            let t = from + (to - from) * Double(k) / 4
            let anchor = k == 0 ? "start" : k == 4 ? "end" : "middle"
            let label = ReportFormat.bucketLabel(Date(timeIntervalSince1970: t), in: range)
            svg += "<text x=\"\(Markup.number(Self.left + plotWidth * Double(k) / 4))\" y=\"\(Markup.number(height - 10))\" "
                + "text-anchor=\"\(anchor)\" class=\"x-label\">\(Markup.escape(label))</text>\n"
        }
        // Legend, right-aligned in the title row.
        var legendX = width - Self.right
        for s in series.reversed() {
            let w = Double(s.name.count) * 7 + 22
            legendX -= w
            svg += "<rect x=\"\(Markup.number(legendX))\" y=\"9\" width=\"12\" height=\"12\" fill=\"\(Markup.escape(s.color))\"/>"
                + "<text x=\"\(Markup.number(legendX + 16))\" y=\"19\" class=\"legend\">\(Markup.escape(s.name))</text>\n"
        }
        if largest == 0 && !series.contains(where: { $0.values.contains { $0 != nil } }) {
            svg += "<text x=\"\(Markup.number(Self.left + plotWidth / 2))\" y=\"\(Markup.number(Self.top + plotHeight / 2))\" "
                + "text-anchor=\"middle\" class=\"no-data\">no data in this range</text>\n"
        }
        for s in series {
            let points = s.values.indices.filter { $0 < bucketStarts.count }
            var run: [String] = []
            func flush() {
                if run.count > 1 {
                    svg += "<polyline fill=\"none\" stroke=\"\(Markup.escape(s.color))\" stroke-width=\"1.5\" "
                        + "points=\"\(run.joined(separator: " "))\"/>\n"
                }
                run = []
            }
            for i in points {
                guard let v = s.values[i] else { flush(); continue }
                run.append("\(Markup.number(x(i))),\(Markup.number(y(v)))")
            }
            flush()
            // Markers for every point of a short series; always for a point without neighbours,
            // which no line shows.
            let valued = points.filter { s.values[$0] != nil }
            for i in valued {
                let alone = (i == 0 || s.values[i - 1] == nil) && (i + 1 >= s.values.count || s.values[i + 1] == nil)
                guard valued.count <= Self.maximumMarkers || alone, let v = s.values[i] else { continue }
                let tip = "\(s.name) at \(ReportFormat.bucketLabel(bucketStarts[i], in: range)): \(Self.label(v)) \(unit)"
                svg += "<circle cx=\"\(Markup.number(x(i)))\" cy=\"\(Markup.number(y(v)))\" r=\"2.5\" fill=\"\(Markup.escape(s.color))\">"
                    + "<title>\(Markup.escape(tip))</title></circle>\n"
            }
        }
        return svg + "</svg>"
    }

    /// The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `v` (0.25 for v <= 0,
    /// so an empty chart has the steps of a 0...1 axis).
    static func roundedUp(_ v: Double) -> Double {
        guard v > 0, v.isFinite else { return 0.25 }
        let power = pow(10, floor(log10(v)))
        for m in [1, 2, 2.5, 5, 10] where m * power >= v * (1 - 1e-12) { return m * power }
        return 10 * power
    }

    /// A value for labels: integers as such, else up to three significant decimals.
    static func label(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(format: abs(v) >= 100 ? "%.1f" : abs(v) >= 1 ? "%.2f" : "%.3f", v)
    }
}
