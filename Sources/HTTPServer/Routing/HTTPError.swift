import Foundation

/// An error that renders itself as a response: `{"error":{"status":404,"message":"..."}}`.
/// Handlers throw it for anything the client should hear about; the message must be fit for the client's eyes.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPStatus
    public var message: String
    public var headers: HTTPHeaders

    public init(_ status: HTTPStatus, _ message: String? = nil, headers: HTTPHeaders = [:]) {
        self.status = status
        self.message = message ?? status.reason
        self.headers = headers
    }

    public var description: String { "\(status.code) \(message)" }

    /// The JSON error body, carrying the request id so a user can quote it and an operator find the log line.
    public func response(requestID: String?) -> HTTPResponse {
        struct Body: Encodable {
            struct Detail: Encodable {
                var status: Int
                var message: String
                var requestId: String?
            }
            var error: Detail
        }
        let body = Body(error: .init(status: status.code, message: message, requestId: requestID))
        var response = (try? HTTPResponse.json(body, status: status)) ?? HTTPResponse(status: status)
        for field in headers { response.headers[field.name] = field.value }
        return response
    }
}

/// Thrown by a handler to drop the connection without any answer (a TCP reset). Only the simulators use it, to
/// mimic a server that performed a request but whose response never arrived.
public struct AbortConnection: Error, Sendable {
    public init() {}
}
