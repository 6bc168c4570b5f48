/// Escaping for the HTML report, which is also well-formed XML (XHTML with inline SVG), so that
/// any XML parser can check it.
enum Markup {
    /// `text` with `&`, `<`, `>`, `"` and `'` replaced by entities: safe in element content and
    /// in quoted attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A coordinate with one decimal.
    static func number(_ v: Double) -> String {
        String(format: "%.1f", v)
    }
}
