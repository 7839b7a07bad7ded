/// Reads a request head as its bytes arrive and refuses it at the first byte or line that makes it invalid,
/// instead of waiting for the whole head (or the header timeout): a TLS ClientHello sent to the plain port is
/// answered 400 from its first byte, a bad `Content-Length` as soon as its line has arrived.
///
/// Each completed field line is parsed right away, so the head is never scanned twice.
struct HeadScanner: Sendable {
    struct Head {
        var method: HTTPMethod
        var target: String
        var version: HTTPVersion
        var headers: HTTPHeaders
    }

    /// RFC 9112 §2.2 asks a server to ignore "at least one" empty line before a request line (old clients send
    /// CRLF after a POST body); a few are tolerated, a flood is refused.
    static let maxLeadingEmptyLines = 4

    // Positions are relative to the buffer's first unread byte, which stays put until the head is consumed.
    private var scanned = 0
    private var lineStart = 0
    private var leadingEmptyLines = 0
    /// SP bytes seen so far in the request line, and where its current part (method, target, version) starts.
    private var requestLineSpaces = 0
    private var partStart = 0
    private var requestLine: (method: HTTPMethod, target: String, version: HTTPVersion)?
    /// Where the header section starts, once the request line has ended.
    private var headerStart = 0
    private var headers = HTTPHeaders()

    mutating func scan(_ buffer: inout ByteBuffer, limits: HTTPLimits) throws(HTTPParseError) -> Head? {
        let bytes = buffer.readable
        let base = bytes.startIndex
        var index = base + scanned
        while index < bytes.endIndex {
            let byte = bytes[index]
            let position = index - base
            if byte == ByteClass.lf {
                // RFC 9112 §2.2 allows a recipient to accept a bare LF as a line end; we do not, since parsers that
                // disagree on line ends are how requests get smuggled past proxies.
                guard index > base, bytes[index - 1] == ByteClass.cr else { throw .bareLineFeed }
                let line = bytes[(base + lineStart)..<(index - 1)]
                lineStart = position + 1
                if let requestLine {
                    if line.isEmpty {
                        let head = Head(
                            method: requestLine.method, target: requestLine.target, version: requestLine.version,
                            headers: headers)
                        buffer.consume(lineStart)
                        self = HeadScanner()
                        return head
                    }
                    try addField(line, limits: limits)
                } else if line.isEmpty {
                    // RFC 9112 §2.2: a server SHOULD ignore empty lines received before the request line.
                    leadingEmptyLines += 1
                    guard leadingEmptyLines <= Self.maxLeadingEmptyLines else {
                        throw .malformedRequestLine("more than \(Self.maxLeadingEmptyLines) empty lines before it")
                    }
                    partStart = lineStart
                } else {
                    let (method, target, version) = try RequestLineParser.parse(line)
                    requestLine = (method, target, version)
                    headerStart = lineStart
                }
            } else if byte == ByteClass.cr {
                if index + 1 < bytes.endIndex, bytes[index + 1] != ByteClass.lf { throw .bareCarriageReturn }
            } else if requestLine == nil {
                try checkRequestLineByte(byte, at: position)
            } else if position == lineStart, byte == ByteClass.space || byte == ByteClass.tab {
                // RFC 9112 §2.2 and §5.2: whitespace before the first field line, or obs-fold later, is refused
                // from its first byte.
                throw .malformedField(headers.count == 0 ? "whitespace before the first field" : "obsolete line folding")
            }
            index += 1
            try checkLimits(endingAt: index - base, limits: limits)
        }
        // A CR at the very end is looked at again with the next bytes: only then can we tell CRLF from a bare CR.
        scanned = index - base
        if scanned > lineStart, bytes[index - 1] == ByteClass.cr { scanned -= 1 }
        // Skipped empty lines are dropped at once so that they never accumulate in the buffer.
        if requestLine == nil && lineStart > 0 {
            buffer.consume(lineStart)
            scanned -= lineStart
            partStart -= lineStart
            lineStart = 0
        }
        return nil
    }

    /// The request line byte by byte (RFC 9112 §3): `method SP request-target SP HTTP-version`, each part
    /// refused at its first impossible byte. The whole line is parsed again once complete.
    private mutating func checkRequestLineByte(_ byte: UInt8, at position: Int) throws(HTTPParseError) {
        let offset = position - partStart
        if byte == ByteClass.space {
            guard offset > 0, requestLineSpaces < 2 else {
                throw .malformedRequestLine("expected method, target and version separated by single spaces")
            }
            requestLineSpaces += 1
            partStart = position + 1
            return
        }
        switch requestLineSpaces {
        case 0:
            guard ByteClass.isToken(byte) else { throw .invalidMethod }
        case 1:
            guard ByteClass.isTargetByte(byte) else { throw .invalidTarget("characters outside visible ASCII") }
        default:
            // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3); any other major version is answered 505.
            let expected: Bool = switch offset {
            case 0..<5: byte == Self.httpSlash[offset]
            case 5, 7: ByteClass.isDigit(byte)
            case 6: byte == UInt8(ascii: ".")
            default: false
            }
            guard expected else { throw .malformedRequestLine("invalid HTTP version") }
            if offset == 5 && byte != UInt8(ascii: "1") {
                throw .unsupportedVersion("HTTP/\(Character(Unicode.Scalar(byte))).x")
            }
        }
    }

    private static let httpSlash = Array("HTTP/".utf8)

    /// Parses one field line as soon as it has arrived. The framing fields are checked here, so a bad or second
    /// Content-Length is refused without waiting for the rest of the head.
    private mutating func addField(_ line: ArraySlice<UInt8>, limits: HTTPLimits) throws(HTTPParseError) {
        guard headers.count < limits.headerFields else { throw .tooManyHeaderFields(limit: limits.headerFields) }
        let field = try FieldLineParser.parse(line)
        if field.name == .contentLength {
            if headers.contains(.contentLength) { throw .invalidContentLength("sent more than once") }
            _ = try HeadValidator.contentLength([field.value])
        }
        headers.add(field.name, field.value)
    }

    private func checkLimits(endingAt end: Int, limits: HTTPLimits) throws(HTTPParseError) {
        if requestLine == nil {
            // The request line so far, its CR excluded.
            if end - lineStart > limits.requestLine + 1 { throw .requestLineTooLong(limit: limits.requestLine) }
        } else if end - headerStart > limits.headerSection {
            throw .headerSectionTooLarge(limit: limits.headerSection)
        }
    }
}
