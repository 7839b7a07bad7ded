import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One answer from `httpExchange`: status, headers (names lowercased) and body.
public struct TestHTTPResponse: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: Data

    public var text: String { String(decoding: body, as: UTF8.self) }
    /// The body as a JSON object; empty when it is not one.
    public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
}

/// Answers redirects as they are instead of following them, and keeps no cookies: a test sees each `Location` and
/// `Set-Cookie` and sends exactly the cookies it means to.
private final class RedirectRefuser: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

private let literalSession: URLSession = {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpShouldSetCookies = false
    configuration.httpCookieAcceptPolicy = .never
    return URLSession(configuration: configuration, delegate: RedirectRefuser(), delegateQueue: nil)
}()

/// The tests' one HTTP client: a request over URLSession to `url`, with an optional bearer token and body.
/// With `literally`, redirects are returned, not followed, and cookies are neither stored nor sent unless given.
public func httpExchange(
    _ url: String, method: String = "GET", bearer: String? = nil, headers: [String: String] = [:], body: Data? = nil, literally: Bool = false
) async throws -> TestHTTPResponse {
    guard let target = URL(string: url) else { throw URLError(.badURL) }
    var request = URLRequest(url: target)
    request.httpMethod = method
    request.httpBody = body
    if body != nil && headers["Content-Type"] == nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
    if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    let (data, response) = try await (literally ? literalSession : URLSession.shared).data(for: request)
    guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
    var fields: [String: String] = [:]
    for (name, value) in http.allHeaderFields {
        if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
    }
    return TestHTTPResponse(status: http.statusCode, headers: fields, body: data)
}
