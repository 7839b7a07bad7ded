import Foundation

/// A response with a complete body. The server adds `Content-Length`, `Date` and `Connection`,
/// and compresses the body when the client accepts gzip.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The route pattern that produced this response, for metrics and logs; never sent.
    public var routePattern: String?
    /// Set when the handler threw `AbortConnection`: the connection is reset instead of answered.
    var abortsConnection = false

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func text(_ text: String, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: Array(text.utf8))
    }

    private static let jsonEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// Encodes `value` as a JSON body with sorted keys, so answers are stable to read and to test.
    public static func json(_ value: some Encodable, status: HTTPStatus = .ok) throws -> HTTPResponse {
        let data = try jsonEncoder.encode(value)
        return HTTPResponse(status: status, headers: [.contentType: "application/json"], body: Array(data))
    }
}
