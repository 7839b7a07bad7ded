/// Craft.io descriptions are rich text; dev tools get plain text with the structure kept: paragraphs stay
/// paragraphs, list items become `- ` lines, links keep their address, entities are decoded.
enum PlainText {
    static func from(html: String) -> String {
        guard html.contains("<") || html.contains("&") else { return html.trimmingWhitespace() }
        var text = ""
        var rest = Substring(html)
        var href: String?
        while let open = rest.firstIndex(of: "<") {
            text += rest[..<open]
            guard let close = rest[open...].firstIndex(of: ">") else {
                rest = rest[open...]
                break
            }
            let tag = rest[rest.index(after: open)..<close].lowercased()
            let name = tag.split(whereSeparator: { $0 == " " || $0 == "/" }).first.map(String.init) ?? ""
            switch name {
            case "br": text += "\n"
            case "p", "div", "ul", "ol", "h1", "h2", "h3", "h4": text += "\n\n"
            case "li" where !tag.hasPrefix("/"): text += "\n- "
            case "a" where !tag.hasPrefix("/"):
                href = attribute("href", in: String(rest[open...close]))
            case "a":
                // The link text stays readable; the address follows it.
                if let link = href { text += " (\(link))" }
                href = nil
            default: break
            }
            rest = rest[rest.index(after: close)...]
        }
        text += rest
        return decodeEntities(text).collapsingBlankLines()
    }

    private static func attribute(_ name: String, in tag: String) -> String? {
        guard let start = tag.range(of: "\(name)=\"") else { return nil }
        let value = tag[start.upperBound...]
        return value.firstIndex(of: "\"").map { String(value[..<$0]) }
    }

    private static func decodeEntities(_ text: String) -> String {
        [("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")]
            .reduce(text) { $0.replacingOccurrences(of: $1.0, with: $1.1) }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return String(slice)
    }

    /// Trims each line and keeps at most one blank line in a row.
    func collapsingBlankLines() -> String {
        var lines: [String] = []
        for line in split(separator: "\n", omittingEmptySubsequences: false).map({ String($0).trimmingWhitespace() }) {
            if line.isEmpty && (lines.last?.isEmpty ?? true) { continue }
            lines.append(line)
        }
        return lines.joined(separator: "\n").trimmingWhitespace()
    }
}
