import Foundation
import OutboundHTTP
import Synchronization

/// Any JSON, re-encoded as it came: what a recorder keeps of a body.
public indirect enum AnyJSON: Codable, Sendable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([AnyJSON]), object([String: AnyJSON])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([AnyJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: AnyJSON].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The JSON in `data`, or nil when it is not JSON.
    public init?(data: Data?) {
        guard let data, !data.isEmpty, let value = try? JSONDecoder().decode(AnyJSON.self, from: data) else { return nil }
        self = value
    }
}

/// One request a client sent and what came back.
public struct RecordedExchange: Codable, Sendable {
    /// Who sent it (a tool's name, an API form): the record's reader groups by it.
    public var tool: String
    public var method: String
    public var path: String
    public var query: [[String]]
    public var headers: [String: String]
    public var body: AnyJSON?
    public var status: Int
    public var response: AnyJSON?

    public init(
        tool: String, method: String, path: String, query: [[String]] = [], headers: [String: String] = [:], body: AnyJSON?, status: Int = 0,
        response: AnyJSON? = nil
    ) {
        self.tool = tool
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.status = status
        self.response = response
    }
}

/// Forwards to a real client and records every exchange (contract and shape tests hold them to published documents).
public final class RecordingHTTPClient: HTTPClient {
    let inner: any HTTPClient
    let tool: String
    private let recorded = Mutex<[RecordedExchange]>([])
    /// Request headers worth checking against a document (versions, media types); never credentials.
    static let keptHeaders: Set<String> = ["accept", "content-type", "x-github-api-version"]

    public init(tool: String, inner: any HTTPClient = URLSessionHTTPClient(requestTimeout: 15)) {
        self.tool = tool
        self.inner = inner
    }

    public var exchanges: [RecordedExchange] { recorded.withLock { $0 } }

    public func send(_ request: OutboundRequest) async throws(OutboundError) -> OutboundResponse {
        let components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
        var exchange = RecordedExchange(
            // The path as sent (GitLab's `acme%2Fmobile` project id stays one segment).
            tool: tool, method: request.method, path: components?.percentEncodedPath ?? request.url.path,
            query: (components?.queryItems ?? []).map { [$0.name, $0.value ?? ""] },
            headers: Dictionary(request.headers.map { ($0.key.lowercased(), $0.value) }.filter { Self.keptHeaders.contains($0.0) }, uniquingKeysWith: { a, _ in a }),
            body: AnyJSON(data: request.body), status: 0, response: nil)
        do {
            let response = try await inner.send(request)
            exchange.status = response.status
            exchange.response = AnyJSON(data: response.body)
            recorded.withLock { $0.append(exchange) }
            return response
        } catch {
            recorded.withLock { $0.append(exchange) }
            throw error
        }
    }
}
