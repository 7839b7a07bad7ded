/// Turns a parsed request line and fields into a validated head: the message-level rules of RFC 9112 §3.2 and §6.
enum HeadValidator {
    static func validate(
        method: HTTPMethod, target: String, version: HTTPVersion, headers: HTTPHeaders, limits: HTTPLimits
    ) throws(HTTPParseError) -> HTTPRequestHead {
        try validateHost(headers, version: version)
        let framing = try bodyFraming(headers, version: version, limits: limits)
        if let expectation = headers[.expect], expectation.lowercased() != "100-continue" {
            // RFC 9110 §10.1.1: an expectation we cannot meet is answered 417.
            throw .unsupportedExpectation(expectation)
        }
        let parsedTarget = try RequestTarget.parse(target, method: method)
        return HTTPRequestHead(
            method: method, target: target, version: version, headers: headers,
            path: parsedTarget.path, pathSegments: parsedTarget.pathSegments,
            query: parsedTarget.query.map { ($0.name, $0.value) }, bodyFraming: framing)
    }

    /// RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host, with more than one Host,
    /// or with an invalid Host value.
    private static func validateHost(_ headers: HTTPHeaders, version: HTTPVersion) throws(HTTPParseError) {
        let hosts = headers.values(.host)
        if version == .http1_1 && hosts.isEmpty { throw .invalidHost("missing") }
        if hosts.count > 1 { throw .invalidHost("repeated") }
        if let host = hosts.first, !host.utf8.allSatisfy(ByteClass.isHostByte) {
            throw .invalidHost("characters outside the URI host grammar")
        }
    }

    private static func bodyFraming(
        _ headers: HTTPHeaders, version: HTTPVersion, limits: HTTPLimits
    ) throws(HTTPParseError) -> HTTPRequestHead.BodyFraming {
        let hasContentLength = headers.contains(.contentLength)
        if headers.contains(.transferEncoding) {
            // RFC 9112 §6.1: a request with both may be an attempt at smuggling; the server MUST close after
            // answering it, and we refuse it outright.
            if hasContentLength { throw .contentLengthWithTransferEncoding }
            // RFC 9112 §6.1: Transfer-Encoding was added in HTTP/1.1; an HTTP/1.0 message carrying it is faulty framing.
            if version == .http1_0 { throw .invalidTransferEncoding("not defined in HTTP/1.0") }
            let codings = headers.listElements(.transferEncoding).map {
                $0.split(separator: ";").first.map { $0.trimmingOWS().lowercased() } ?? ""
            }
            // RFC 9112 §6.3 (4): if chunked is not the final coding of a request, the length cannot be
            // determined: 400 and close. RFC 9112 §7: chunked MUST NOT be applied more than once.
            guard codings.last == "chunked" else { throw .invalidTransferEncoding("final coding is not chunked") }
            guard codings.filter({ $0 == "chunked" }).count == 1 else {
                throw .invalidTransferEncoding("chunked applied more than once")
            }
            guard codings.allSatisfy({ ByteClass.isToken($0.utf8) }) else {
                throw .invalidTransferEncoding("coding is not a token")
            }
            // RFC 9112 §6.1: a transfer coding we do not understand SHOULD be answered 501.
            if let other = codings.first(where: { $0 != "chunked" }) { throw .unsupportedTransferCoding(other) }
            return .chunked
        }
        guard hasContentLength else { return .none }
        let length = try contentLength(headers.values(.contentLength))
        // Refused from the declared length, before any of the body is read.
        guard length <= limits.body else { throw .bodyTooLarge(limit: limits.body) }
        return length == 0 ? .none : .contentLength(length)
    }

    /// Content-Length = 1*DIGIT (RFC 9110 §8.6). A list of identical values ("5, 5") or two identical lines MAY be
    /// taken as one (RFC 9112 §6.3 (5)); we refuse them too, since a strict receiver cannot be desynchronised from a
    /// proxy that reads them differently. Signs, hex and overflow are unrecoverable errors.
    static func contentLength(_ lines: [String]) throws(HTTPParseError) -> Int {
        guard lines.count < 2 else { throw .invalidContentLength("sent more than once") }
        guard let text = lines.first.map({ $0.trimmingOWS() }), !text.isEmpty else { throw .invalidContentLength("empty") }
        guard text.utf8.allSatisfy(ByteClass.isDigit) else {
            throw .invalidContentLength("'\(text.prefix(32))' is not a decimal number")
        }
        guard let value = Int(text) else { throw .invalidContentLength("overflows") }
        return value
    }
}
