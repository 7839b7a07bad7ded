import Foundation
import OutboundHTTP

/// What a call that answers nothing worth reading (204 No Content, or a body craft-sync ignores) decodes to.
struct NoContent: Decodable {}

/// JSON over an `HTTPClient` for one tool: fixed auth headers, and non-2xx answers turned into `DevToolError`s
/// with the tool's own error message.
struct JSONTransport: Sendable {
    let tool: String
    let baseURL: URL
    let headers: [String: String]
    let http: any HTTPClient
    /// Pulls the human message out of the tool's error body.
    let errorMessage: @Sendable (Data) -> String?
    /// Tells rate limits (and their waits) from other answers; the tool's own classifier where it has one.
    var classify: RetryingHTTPClient.Classifier = RetryingHTTPClient.standard

    /// The `message` string of an error body such as `{"message": "Not Found"}`: how GitHub and Azure DevOps say
    /// what went wrong.
    @Sendable static func message(in body: Data) -> String? {
        (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["message"] as? String
    }

    func url(_ path: String, query: [(String, String)] = []) -> URL {
        var components = URLComponents(url: baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        return components.url!
    }

    func request<T: Decodable>(
        _ method: String, _ url: URL, body: (any Encodable & Sendable)? = nil, contentType: String = "application/json", as type: T.Type,
        operation: String, idempotent: Bool? = nil
    ) async throws(DevToolError) -> T {
        let data = try await data(method, url, body: body, contentType: contentType, operation: operation, idempotent: idempotent)
        // A 204 (Jira's answer to an edit) has nothing to decode.
        if data.isEmpty, let nothing = NoContent() as? T { return nothing }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw .malformedResponse(tool: tool, operation: operation, detail: "\(error)")
        }
    }

    /// The answer's body as it came, for callers that read it more than one way.
    func data(
        _ method: String, _ url: URL, body: (any Encodable & Sendable)? = nil, contentType: String = "application/json", operation: String,
        idempotent: Bool? = nil
    ) async throws(DevToolError) -> Data {
        var headers = headers
        var data: Data?
        if let body {
            headers["Content-Type"] = contentType
            do {
                data = try JSONEncoder().encode(body)
            } catch {
                throw .malformedResponse(tool: tool, operation: operation, detail: "could not encode the request: \(error)")
            }
        }
        let response: OutboundResponse
        do {
            response = try await http.send(OutboundRequest(method: method, url: url, headers: headers, body: data, operation: operation, isIdempotent: idempotent))
        } catch {
            throw .unreachable(tool: tool, error)
        }
        guard response.isSuccess else {
            let message = errorMessage(response.body) ?? String(decoding: response.body.prefix(200), as: UTF8.self)
            // Reached only when the HTTP layer did not retry: a create's 429 comes back here, for its caller to wait
            // after renewing its claim.
            let decision = classify(response, Date())
            if case .retryAfter(let wait) = decision, response.status != 503 {
                throw .throttled(tool: tool, operation: operation, status: response.status, retryAfter: wait)
            }
            if response.status == 429 { throw .throttled(tool: tool, operation: operation, status: 429, retryAfter: nil) }
            switch response.status {
            case 401: throw .unauthorized(tool: tool, operation: operation, message: message)
            case 403: throw .forbidden(tool: tool, operation: operation, message: message)
            case 404: throw .notFound(tool: tool, operation: operation, message: message)
            case 500...: throw .serverError(tool: tool, operation: operation, status: response.status, message: message)
            default: throw .rejected(tool: tool, operation: operation, status: response.status, message: message)
            }
        }
        return response.body
    }
}
