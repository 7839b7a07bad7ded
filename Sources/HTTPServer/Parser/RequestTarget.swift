/// The parts of a request-target that routing needs (RFC 9112 §3.2).
struct RequestTarget: Equatable {
    var path: String
    var pathSegments: [String]
    var query: [Pair]

    struct Pair: Equatable {
        var name: String
        var value: String
    }

    static func parse(_ target: String, method: HTTPMethod) throws(HTTPParseError) -> RequestTarget {
        var rest = Substring(target)
        if rest == "*" {
            // RFC 9112 §3.2.4: asterisk-form is only for a server-wide OPTIONS.
            guard method == .options else { throw .invalidTarget("'*' is only valid with OPTIONS") }
            return RequestTarget(path: "*", pathSegments: [], query: [])
        }
        if !rest.hasPrefix("/") {
            // RFC 9112 §3.2.2: absolute-form; the authority is ignored in favour of routing by path.
            guard let schemeEnd = rest.range(of: "://"),
                ["http", "https"].contains(rest[..<schemeEnd.lowerBound].lowercased())
            else {
                throw .invalidTarget("must start with '/' or be an absolute http(s) URI")
            }
            rest = rest[schemeEnd.upperBound...]
            guard let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else {
                return RequestTarget(path: "/", pathSegments: [], query: [])
            }
            guard authorityEnd > rest.startIndex else { throw .invalidTarget("empty authority") }
            rest = rest[authorityEnd...]
            if rest.hasPrefix("?") { rest = "/" + rest }
        }
        // A fragment is never sent in a request-target (RFC 9112 §3.2.1 has no '#').
        guard !rest.utf8.contains(UInt8(ascii: "#")) else { throw .invalidTarget("fragment in request target") }

        let rawPath: Substring
        var query: [Pair] = []
        if let questionMark = rest.utf8.firstIndex(of: UInt8(ascii: "?")) {
            rawPath = rest[..<questionMark]
            query = try parseQuery(rest[rest.index(after: questionMark)...])
        } else {
            rawPath = rest
        }
        let path = try PercentDecoding.decode(rawPath)
        let segments = try rawPath.split(separator: "/", omittingEmptySubsequences: true).map {
            (segment) throws(HTTPParseError) in try PercentDecoding.decode(segment)
        }
        return RequestTarget(path: path, pathSegments: segments, query: query)
    }

    /// application/x-www-form-urlencoded pairs: `a=1&b=two+words`.
    static func parseQuery(_ text: Substring) throws(HTTPParseError) -> [Pair] {
        var pairs: [Pair] = []
        for element in text.split(separator: "&", omittingEmptySubsequences: true) {
            let nameAndValue = element.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try PercentDecoding.decode(nameAndValue[0], plusIsSpace: true)
            let value = nameAndValue.count > 1 ? try PercentDecoding.decode(nameAndValue[1], plusIsSpace: true) : ""
            pairs.append(Pair(name: name, value: value))
        }
        return pairs
    }
}

/// Percent-decoding (RFC 3986 §2.1). A `%` not followed by two hex digits is an error, not literal text,
/// and a decoded NUL is refused: nothing downstream expects one in a path.
enum PercentDecoding {
    static func decode(_ text: Substring, plusIsSpace: Bool = false) throws(HTTPParseError) -> String {
        let needsDecoding = text.utf8.contains { $0 == UInt8(ascii: "%") || (plusIsSpace && $0 == UInt8(ascii: "+")) }
        guard needsDecoding else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(ByteClass.hexValue),
                    let low = iterator.next().flatMap(ByteClass.hexValue)
                else { throw .invalidTarget("malformed percent-escape") }
                let decoded = UInt8(high << 4 | low)
                guard decoded != 0 else { throw .invalidTarget("percent-encoded NUL") }
                bytes.append(decoded)
            case UInt8(ascii: "+") where plusIsSpace:
                bytes.append(ByteClass.space)
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
