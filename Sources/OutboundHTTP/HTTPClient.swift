import Foundation

/// An outbound HTTP request, described without any transport.
public struct OutboundRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [String: String]
    public var body: Data?
    /// What the request is for, in words an operator understands ("Craft.io: list items"); errors name it.
    public var operation: String
    /// Whether sending it twice does no more than sending it once. A create is not: after a reset or a 502 its
    /// outcome is unknown, and only the caller (who can look for its marker) may decide to send it again.
    public var isIdempotent: Bool

    public init(
        method: String = "GET", url: URL, headers: [String: String] = [:], body: Data? = nil, operation: String, isIdempotent: Bool? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.operation = operation
        self.isIdempotent = isIdempotent ?? ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].contains(method.uppercased())
    }
}

/// A response: status, headers with lowercased names, and the whole body.
public struct OutboundResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
    public var isSuccess: Bool { (200..<300).contains(status) }
}

/// Sends requests. The engine and the clients talk to this protocol, never to URLSession, so tests can put
/// anything behind it.
public protocol HTTPClient: Sendable {
    func send(_ request: OutboundRequest) async throws(OutboundError) -> OutboundResponse
}

/// Why a request got no usable answer. Never carries request headers, where credentials live.
public enum OutboundError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No response: DNS, connect, TLS, reset or timeout.
    case transport(operation: String, reason: String)
    /// Retries were used up; `last` says how the final attempt ended.
    case exhausted(operation: String, attempts: Int, last: String)
    /// The server asked (429/503 with `Retry-After`) to wait longer than we wait in line: nothing was done, and the
    /// caller should hold its calls for `wait`.
    case throttled(operation: String, status: Int, wait: Duration)
    case cancelled(operation: String)

    public var description: String {
        switch self {
        case .transport(let operation, let reason): "\(operation): no response (\(reason))"
        case .exhausted(let operation, let attempts, let last): "\(operation): gave up after \(attempts) attempts; last: \(last)"
        case .throttled(let operation, let status, let wait): "\(operation): HTTP \(status) asking to wait \(wait), longer than we wait in line"
        case .cancelled(let operation): "\(operation): cancelled"
        }
    }
}
