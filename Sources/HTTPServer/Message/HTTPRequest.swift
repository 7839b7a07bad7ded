import Compression
/// A request's head: everything before the body, validated by the parser.
public struct HTTPRequestHead: Sendable {
    public var method: HTTPMethod
    /// The request-target exactly as received (RFC 9112 §3.2).
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// The path, percent-decoded. For an absolute-form target, the path part of the URI.
    public var path: String
    /// The path's segments, each percent-decoded on its own so that an encoded `/` stays inside its segment.
    public var pathSegments: [String]
    /// Query parameters in order, `+` and percent-escapes decoded.
    public var query: [(name: String, value: String)]
    /// How the body is delimited, decided from the head (RFC 9112 §6.3).
    public var bodyFraming: BodyFraming

    public enum BodyFraming: Sendable, Equatable {
        case none
        case contentLength(Int)
        case chunked
    }

    /// Whether the connection may serve another request after this one (RFC 9112 §9.3).
    public var keepAlive: Bool {
        let options = headers.listElements(.connection).map { $0.lowercased() }
        if options.contains("close") { return false }
        if version == .http1_0 { return options.contains("keep-alive") }
        return true
    }

    /// Whether the client waits for `100 Continue` before sending its body (RFC 9110 §10.1.1).
    /// An HTTP/1.0 client cannot understand 100, so its expectation is ignored.
    public var expectsContinue: Bool {
        version != .http1_0 && bodyFraming != .none && headers[.expect]?.lowercased() == "100-continue"
    }

    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }
}

/// A complete request as handlers see it: the head, the whole body (decoded from `Content-Encoding: gzip` unless
/// the route asked for the bytes as sent), and what the router and server learnt about it.
public struct HTTPRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: [UInt8]
    /// Parameters captured by the route pattern (`:id`).
    public var parameters: [String: String] = [:]
    /// Identifies the request in logs and error bodies.
    public var requestID: String = ""
    /// The TCP peer's address (`203.0.113.7`), for per-client limits and logs; nil for requests made in memory.
    /// Behind a proxy this is the proxy: forwarded headers are not trusted, since anyone can send them.
    public var clientAddress: String?
    /// How `body` is still encoded: `.identity` unless the route takes its content as sent (`Router.add(…,
    /// content: .asSent)`), when it decodes with `decodedBody()` once it knows the body is worth decoding.
    public var contentCoding = ContentCoding.identity
    /// The most `decodedBody()` may produce: the route's limit and the server's `decompressedBody`, whichever is less.
    public var decodedBodyLimit = Int.max

    public init(head: HTTPRequestHead, body: [UInt8] = []) {
        self.head = head
        self.body = body
    }

    public var method: HTTPMethod { head.method }
    public var path: String { head.path }
    public var headers: HTTPHeaders { head.headers }
}

extension HTTPRequest {
    /// The body as an HTML form's fields (`application/x-www-form-urlencoded`,
    /// https://url.spec.whatwg.org/#application/x-www-form-urlencoded); the first value of a repeated name wins.
    /// Nil when the body is not such a form or is malformed.
    public func formFields() -> [String: String]? {
        guard headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true,
            let text = String(validating: body, as: UTF8.self),
            let pairs = try? RequestTarget.parseQuery(Substring(text))
        else { return nil }
        return Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// The cookies the client sent (RFC 6265 §5.4: `Cookie: a=1; b=2`); the first of a repeated name wins.
    public var cookies: [String: String] {
        guard let header = headers[.cookie] else { return [:] }
        var cookies: [String: String] = [:]
        for pair in header.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            if cookies[name] == nil { cookies[name] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return cookies
    }
}

/// The content codings the server decodes (RFC 9110 §8.4.1).
public enum ContentCoding: Sendable, Equatable {
    case identity
    case gzip

    /// The coding `Content-Encoding` names; 415 for any other (RFC 9110 §15.5.16), since content in a coding the
    /// server cannot decode cannot be used.
    public static func of(_ head: HTTPRequestHead) throws(HTTPError) -> ContentCoding {
        let codings = head.headers.listElements(.contentEncoding).map { $0.lowercased() }.filter { $0 != "identity" }
        guard !codings.isEmpty else { return .identity }
        guard codings.count == 1, codings[0] == "gzip" || codings[0] == "x-gzip" else {
            throw HTTPError(.unsupportedMediaType, "Content-Encoding '\(codings.joined(separator: ", "))' is not supported; send gzip or identity")
        }
        return .gzip
    }
}

extension HTTPRequest {
    /// The body with its content coding undone, at most `decodedBodyLimit` bytes (413 beyond: a few KiB of gzip
    /// can inflate to gigabytes). Call it on a worker (`WorkerPool`) when the body is large.
    public func decodedBody() throws(HTTPError) -> [UInt8] {
        switch contentCoding {
        case .identity:
            return body
        case .gzip:
            do {
                return try Zlib.decompress(body, framing: .gzip, limit: decodedBodyLimit)
            } catch .tooLarge(let limit) {
                throw HTTPError(.contentTooLarge, "body decompresses to more than \(limit) bytes")
            } catch {
                throw HTTPError(.badRequest, "gzip body could not be decoded: \(error)")
            }
        }
    }
}

