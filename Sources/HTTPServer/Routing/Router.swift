/// Something that answers requests. Errors it throws are rendered by the server: an `HTTPError` as
/// itself, anything else as a logged 500.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest) async throws -> HTTPResponse

    /// The largest body, after transfer and content decoding, that the request with this head may carry. Asked
    /// once the head has arrived and before any of the body is read, so an unwanted body is never buffered.
    func bodyLimit(for head: HTTPRequestHead) -> Int

    /// Whether the handler for this head wants the body as sent, still in its `Content-Encoding`, and decodes it
    /// itself (`HTTPRequest.decodedBody()`) once it knows the body is worth decoding.
    func takesContentAsSent(_ head: HTTPRequestHead) -> Bool
}

extension HTTPResponder {
    /// No limit of the responder's own: the server's `HTTPLimits.body` applies.
    public func bodyLimit(for head: HTTPRequestHead) -> Int { .max }
    public func takesContentAsSent(_ head: HTTPRequestHead) -> Bool { false }
}

/// What a route's handler receives of a request body.
public enum RouteContent: Sendable {
    /// Decoded from its `Content-Encoding` by the server before the handler runs.
    case decoded
    /// As sent: the handler decodes it when it chooses (a webhook, after checking who sent it).
    case asSent
}

/// Matches method and path to a handler. Patterns are literal segments and `:name` parameters
/// (`/api/v1/mappings/:id`); a path that matches with another method is answered 405 with `Allow`.
///
/// Each route has a body limit: GET, HEAD, DELETE and OPTIONS routes take none, others take `defaultBodyLimit`
/// unless given their own. A request that matches no route of its method may carry up to `unroutedBodyLimit`, so
/// that a webhook sent to a wrong path is answered 404 (or 405), which says what is wrong, rather than 413.
public struct Router: HTTPResponder {
    public typealias Handler = @Sendable (HTTPRequest) async throws -> HTTPResponse

    private struct Route: Sendable {
        var method: HTTPMethod
        var pattern: String
        var segments: [Segment]
        var bodyLimit: Int
        var content: RouteContent
        var handler: Handler
    }

    private enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    private var routes: [Route] = []
    /// The body limit of routes whose method takes a body and that were given no limit of their own.
    public var defaultBodyLimit: Int

    public init(defaultBodyLimit: Int = 1 << 20) {
        self.defaultBodyLimit = defaultBodyLimit
    }

    public mutating func add(
        _ method: HTTPMethod, _ pattern: String, bodyLimit: Int? = nil, content: RouteContent = .decoded, _ handler: @escaping Handler
    ) {
        let segments = pattern.split(separator: "/").map { part -> Segment in
            part.hasPrefix(":") ? .parameter(String(part.dropFirst())) : .literal(String(part))
        }
        let takesNoBody: Set<HTTPMethod> = [.get, .head, .delete, .options]
        let limit = bodyLimit ?? (takesNoBody.contains(method) ? 0 : defaultBodyLimit)
        routes.append(Route(method: method, pattern: pattern, segments: segments, bodyLimit: limit, content: content, handler: handler))
    }

    /// Every route, in the order added: method and pattern.
    public var registered: [(method: HTTPMethod, pattern: String)] { routes.map { ($0.method, $0.pattern) } }

    public mutating func get(_ pattern: String, _ handler: @escaping Handler) { add(.get, pattern, handler) }
    public mutating func post(_ pattern: String, bodyLimit: Int? = nil, content: RouteContent = .decoded, _ handler: @escaping Handler) {
        add(.post, pattern, bodyLimit: bodyLimit, content: content, handler)
    }

    /// What a request to no route may carry before it is answered 404/405: enough for any webhook ping, too little
    /// to be worth sending for nothing.
    public static let unroutedBodyLimit = 64 * 1024

    public func bodyLimit(for head: HTTPRequestHead) -> Int {
        route(for: head)?.bodyLimit ?? Self.unroutedBodyLimit
    }

    public func takesContentAsSent(_ head: HTTPRequestHead) -> Bool {
        route(for: head)?.content == .asSent
    }

    private func route(for head: HTTPRequestHead) -> Route? {
        let method = head.method == .head ? .get : head.method
        return routes.first { $0.method == method && Self.match($0.segments, head.pathSegments) != nil }
    }

    public func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        var allowed: [HTTPMethod] = []
        for route in routes {
            guard let parameters = Self.match(route.segments, request.head.pathSegments) else { continue }
            // RFC 9110 §9.3.2: HEAD is answered as GET would be; the server leaves out the content.
            if route.method == request.method || (request.method == .head && route.method == .get) {
                var request = request
                request.parameters = parameters
                var response = try await route.handler(request)
                response.routePattern = route.pattern
                return response
            }
            allowed.append(route.method)
        }
        if allowed.isEmpty {
            throw HTTPError(.notFound, "no route for \(request.method) \(request.path)")
        }
        if allowed.contains(.get) { allowed.append(.head) }
        // RFC 9110 §15.5.6: a 405 response MUST carry Allow.
        throw HTTPError(
            .methodNotAllowed, "\(request.method) is not allowed here",
            headers: [.allow: allowed.map(\.rawValue).joined(separator: ", ")])
    }

    private static func match(_ pattern: [Segment], _ path: [String]) -> [String: String]? {
        guard pattern.count == path.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, value) in zip(pattern, path) {
            switch segment {
            case .literal(let literal): guard literal == value else { return nil }
            case .parameter(let name): parameters[name] = value
            }
        }
        return parameters
    }
}
