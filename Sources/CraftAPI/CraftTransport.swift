import Foundation
import OutboundHTTP

/// The part both forms share: URLs, the key header, JSON, and turning Craft's errors (`{"message": ...}`)
/// into `CraftError`s.
struct CraftTransport: Sendable {
    let baseURL: URL
    let apiKey: String
    let dialect: CraftDialect
    let http: any HTTPClient

    private var keyHeader: String { dialect == .guide ? "x-craft-api-key" : "x-api-key" }

    func url(_ path: String, query: [(String, String)] = []) -> URL {
        var components = URLComponents(url: baseURL.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        return components.url!
    }

    func get<T: Decodable>(_ url: URL, as type: T.Type, operation: String) async throws(CraftError) -> T {
        try await getWithHeaders(url, as: type, operation: operation).value
    }

    /// The decoded body and the response's headers (lowercased names), for paging hints such as `Link`.
    func getWithHeaders<T: Decodable>(_ url: URL, as type: T.Type, operation: String) async throws(CraftError) -> (value: T, headers: [String: String]) {
        let response = try await send(OutboundRequest(url: url, headers: headers(), operation: operation))
        return (try decode(type, from: response.body, operation: operation), response.headers)
    }

    /// The `rel="next"` target of a `Link` header (RFC 8288), only when it stays on Craft.io's own origin: the key
    /// goes with every request, and must not follow a link elsewhere.
    func nextLink(_ header: String?) -> URL? {
        guard let header else { return nil }
        for part in header.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = pieces.first, target.hasPrefix("<"), target.hasSuffix(">"),
                pieces.dropFirst().contains(where: { $0.replacingOccurrences(of: " ", with: "").lowercased() == "rel=\"next\"" || $0.lowercased() == "rel=next" }),
                let url = URL(string: String(target.dropFirst().dropLast()), relativeTo: baseURL)?.absoluteURL
            else { continue }
            guard url.scheme == baseURL.scheme, url.host == baseURL.host, url.port == baseURL.port else { return nil }
            return url
        }
        return nil
    }

    func put(_ url: URL, body: some Encodable, operation: String) async throws(CraftError) {
        let data: Data
        do {
            data = try JSONEncoder().encode(body)
        } catch {
            throw .malformedResponse(operation: operation, detail: "could not encode the request: \(error)")
        }
        var headers = headers()
        headers["Content-Type"] = "application/json"
        _ = try await send(OutboundRequest(method: "PUT", url: url, headers: headers, body: data, operation: operation))
    }

    private func headers() -> [String: String] {
        [keyHeader: apiKey, "Accept": "application/json"]
    }

    private func send(_ request: OutboundRequest) async throws(CraftError) -> OutboundResponse {
        let response: OutboundResponse
        do {
            response = try await http.send(request)
        } catch {
            throw .unreachable(error)
        }
        guard !response.isSuccess else { return response }
        let message = Self.message(in: response.body)
        switch response.status {
        case 401: throw .unauthorized(operation: request.operation, message: message)
        case 403: throw .forbidden(operation: request.operation, message: message)
        case 404: throw .notFound(operation: request.operation, message: message)
        case 500...: throw .serverError(operation: request.operation, status: response.status, message: message)
        default: throw .rejected(operation: request.operation, status: response.status, message: message)
        }
    }

    func decode<T: Decodable>(_ type: T.Type, from data: Data, operation: String) throws(CraftError) -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw .malformedResponse(operation: operation, detail: "\(error)")
        }
    }

    /// Craft's error body is `{"message": "...", "details": ...}`; the published document makes `details` an object,
    /// other answers carry a string or a list: any JSON shape is shown, compactly, after the message.
    static func message(in body: Data) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) as? [String: Any],
            let message = object["message"] as? String
        else {
            return String(decoding: body.prefix(200), as: UTF8.self)
        }
        guard let details = object["details"], !(details is NSNull) else { return message }
        let rendered: String
        if let text = details as? String {
            rendered = text
        } else if let data = try? JSONSerialization.data(withJSONObject: details, options: [.sortedKeys, .fragmentsAllowed]) {
            rendered = String(decoding: data, as: UTF8.self)
        } else {
            rendered = "\(details)"
        }
        return "\(message) (details: \(rendered.prefix(500)))"
    }
}
