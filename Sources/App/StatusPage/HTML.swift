/// HTML text that is safe by construction: every interpolated `String` (or number, or date text) is escaped,
/// only other `HTML` values go in as they are. Craft titles and tool payloads are untrusted, so there is no way
/// to put a plain string into a page unescaped.
struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    private(set) var text: String

    init(stringLiteral literal: String) { text = literal }
    init(stringInterpolation: Interpolation) { text = stringInterpolation.text }

    var description: String { text }

    struct Interpolation: StringInterpolationProtocol {
        var text = ""
        init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity * 2) }
        mutating func appendLiteral(_ literal: String) { text += literal }
        mutating func appendInterpolation(_ html: HTML) { text += html.text }
        mutating func appendInterpolation(_ html: [HTML]) { for part in html { text += part.text } }
        mutating func appendInterpolation(_ value: some CustomStringConvertible) { text += HTML.escape(value.description) }
        mutating func appendInterpolation(_ value: String?) { text += HTML.escape(value ?? "") }
    }

    /// Escapes the five characters that matter in text and in quoted attribute values
    /// (https://html.spec.whatwg.org/multipage/syntax.html#escapingString).
    static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else { return text }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count + 16)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    static func join(_ parts: [HTML], separator: HTML = "") -> HTML {
        var result = HTML("")
        for (index, part) in parts.enumerated() {
            if index > 0 { result.text += separator.text }
            result.text += part.text
        }
        return result
    }
}
