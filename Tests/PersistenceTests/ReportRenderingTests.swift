import Foundation
import Persistence
import PostgresDriver
import Reporting
import XCTest

/// `ReportText` and `ReportHTML` on the hand-constructed workload (`ReportFixture`): the tables
/// hold the report's values, aligned; the HTML is well-formed XML with its charts and tables.
final class ReportRenderingTests: PostgresTestCase {
    private func fixtureReport() async throws -> SettlementReport {
        let conn = try await connect()
        try await ReportFixture.install(on: conn)
        let report = try await SettlementReportLoader().load(try ReportFixture.range(), on: conn)
        await conn.close()
        return report
    }

    func testTextTablesHoldTheValuesInAlignedColumns() async throws {
        let text = ReportText.render(try await fixtureReport())
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[0].hasPrefix("Settlement report: 2024-01-01T00:00:00.5Z to 2024-01-01T00:00:05Z"), lines[0])
        XCTAssertTrue(lines[0].contains("buckets of 1s"), lines[0])

        func row(startingWith prefix: String, after header: String) -> [String]? {
            guard let h = lines.firstIndex(where: { $0.hasPrefix(header) }),
                  let r = lines[h...].first(where: { $0.hasPrefix(prefix) }) else { return nil }
            return r.split(separator: " ").map(String.init)
        }
        XCTAssertEqual(row(startingWith: "  00:00:01", after: "Throughput"), ["00:00:01", "2", "4", "1", "4.0", "1.0"])
        XCTAssertEqual(row(startingWith: "  batch processing", after: "Latency over"),
                       ["batch", "processing", "4", "25.0", "37.0", "39.7", "40.0", "25.0"])
        XCTAssertEqual(row(startingWith: "  confirmation", after: "Latency over"),
                       ["confirmation", "8", "200.0", "330.0", "393.0", "400.0", "200.0"])
        XCTAssertEqual(row(startingWith: "  00:00:04", after: "State size"), ["00:00:04", "4", "15", "+3"])
        XCTAssertEqual(row(startingWith: "     2", after: "Leader terms"),
                       ["2", "b", "host-b:50051", "2024-01-01T00:00:02.5Z", "-", "2", "1500.0"])
        XCTAssertEqual(row(startingWith: "  00:00:03", after: "Finality"), ["00:00:03", "0", "0", "1", "0", "3", "2", "2", "2"])
        XCTAssertEqual(row(startingWith: "  00:00:02", after: "Challenges"), ["00:00:02", "1", "0", "0", "0", "1"])
        XCTAssertTrue(text.contains("leader changes in the range: 1"))

        // Alignment: in the throughput table every right-aligned column ends where its header does.
        let header = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("  bucket    batches") })
        let ends = ["batches", "accepted", "rejected", "accepted/s", "rejected/s"].map { lines[header].range(of: $0)!.upperBound }
        for line in lines[(header + 2)..<(header + 7)] {
            for end in ends {
                let offset = lines[header].distance(from: lines[header].startIndex, to: end)
                let chars = Array(line)
                XCTAssertTrue(offset <= chars.count && chars[offset - 1] != " ", "misaligned: \(line)")
                XCTAssertTrue(offset == chars.count || chars[offset] == " ", "misaligned: \(line)")
            }
        }
    }

    func testHTMLIsWellFormedSelfContainedAndHoldsChartsAndValues() async throws {
        let report = try await fixtureReport()
        let html = ReportHTML.render(report)
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertFalse(html.contains("<script"), "no JavaScript")
        XCTAssertFalse(html.contains("src="), "no external resources")
        XCTAssertFalse(html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/", with: "").contains("http"),
                       "no links out of the page")

        XCTAssertFalse(XMLCheck.parse("<p><b></p>").wellFormed, "the parser checks well-formedness")
        let xml = XMLCheck.parse(html)
        XCTAssertTrue(xml.wellFormed, "\(xml.errors)")
        // Throughput, latency, state size, finality, challenges: five charts; every section has data.
        XCTAssertEqual(xml.elements["svg"], 5)
        XCTAssertGreaterThanOrEqual(xml.elements["polyline"] ?? 0, 4)
        XCTAssertEqual(xml.elements["table"], 8)
        for value in ["39.7", "393.0", "1500.0", "host-b:50051", "+3", "accepted at 00:00:04: 4 tx/s"] {
            XCTAssertTrue(xml.texts.contains { $0.contains(value) }, "\(value) is not in a cell or chart title")
        }

        // The throughput chart's accepted line has one point per bucket, at the bucket's middle.
        let accepted = try XCTUnwrap(html.range(of: "<polyline fill=\"none\" stroke=\"#1f77b4\""))
        let points = html[accepted.upperBound...].prefix { $0 != "/" }
        XCTAssertEqual(points.split(separator: " ").filter { $0.contains(",") }.count, report.throughput.count)
    }

    func testChartsOfAnEmptyRangeSayNoData() throws {
        let range = try ReportRange(from: ReportFixture.at(0), to: ReportFixture.at(60), bucket: .seconds(10))
        let starts = (0..<6).map { ReportFixture.at(Double($0 * 10)) }
        let svg = SVGLineChart(title: "Empty", unit: "ms", range: range, bucketStarts: starts,
                               series: [.init(name: "p50", color: "#000", values: Array(repeating: nil, count: 6))]).render()
        XCTAssertTrue(svg.contains("no data in this range"))
        XCTAssertFalse(svg.contains("<polyline"))
        XCTAssertTrue(XMLCheck.parse(svg).wellFormed)
    }
}
