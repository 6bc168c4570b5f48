/// A plain-text table: a header, a rule, and rows, each column as wide as its widest cell,
/// numbers right-aligned. Widths count characters (the report's cells are ASCII but for `µ`).
public struct TextTable: Sendable {
    public enum Alignment: Sendable { case left, right }

    public var columns: [(title: String, alignment: Alignment)]
    public var rows: [[String]] = []

    public init(_ columns: [(String, Alignment)]) {
        self.columns = columns.map { (title: $0.0, alignment: $0.1) }
    }

    /// Appends a row; missing cells are empty, extra cells are dropped.
    public mutating func append(_ cells: [String]) {
        rows.append((0..<columns.count).map { $0 < cells.count ? cells[$0] : "" })
    }

    /// The table, each line prefixed by `indent`, without a trailing newline; `header: false`
    /// leaves out the titles and the rule (key/value lists).
    public func render(indent: String = "  ", header: Bool = true) -> String {
        var widths = columns.map { header ? $0.title.count : 0 }
        for row in rows {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return columns[i].alignment == .left ? cell + pad : pad + cell
            }
            var text = indent + padded.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        var lines: [String] = []
        if header {
            lines.append(line(columns.map(\.title)))
            lines.append(indent + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        }
        lines += rows.map(line)
        return lines.joined(separator: "\n")
    }
}
