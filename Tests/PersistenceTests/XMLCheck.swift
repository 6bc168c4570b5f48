import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Parses a document as XML (well-formedness: libxml2 through Foundation's `XMLParser`) and
/// collects what the report tests look at: element counts, the text of `td` and `title`
/// elements, and every parse error.
final class XMLCheck: NSObject, XMLParserDelegate {
    private(set) var elements: [String: Int] = [:]
    private(set) var texts: [String] = []
    private(set) var errors: [String] = []
    private var collecting: String?

    static func parse(_ document: String) -> XMLCheck {
        let check = XMLCheck()
        let parser = XMLParser(data: Data(document.utf8))
        parser.delegate = check
        // XMLParser may report success after recovering from an error: look at both.
        if !parser.parse() || parser.parserError != nil, check.errors.isEmpty {
            check.errors.append(parser.parserError.map { "\($0)" } ?? "parse failed")
        }
        return check
    }

    var wellFormed: Bool { errors.isEmpty }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements[elementName, default: 0] += 1
        if elementName == "td" || elementName == "title" { collecting = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        collecting? += string
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        if let text = collecting, elementName == "td" || elementName == "title" {
            texts.append(text)
            collecting = nil
        }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        errors.append("line \(parser.lineNumber): \(parseError)")
    }
}
