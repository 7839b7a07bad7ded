import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The production `HTTPClient`: Foundation's URLSession with connect and request timeouts and a User-Agent.
public final class URLSessionHTTPClient: HTTPClient {
    private let session: URLSession
    private let userAgent: String

    /// `maxConnectionsPerHost` bounds parallel calls to one host; it must not be below the intake concurrency
    /// (URLSession's default is 6).
    public init(
        requestTimeout: TimeInterval = 30, resourceTimeout: TimeInterval = 120, maxConnectionsPerHost: Int = 16,
        userAgent: String = "craft-sync/0.1"
    ) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = maxConnectionsPerHost
        configuration.timeoutIntervalForRequest = requestTimeout
        configuration.timeoutIntervalForResource = resourceTimeout
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
        self.userAgent = userAgent
    }

    public func send(_ request: OutboundRequest) async throws(OutboundError) -> OutboundResponse {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.httpBody = request.body
        urlRequest.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        do {
            let (data, response) = try await session.data(for: urlRequest)
            guard let http = response as? HTTPURLResponse else {
                throw OutboundError.transport(operation: request.operation, reason: "not an HTTP response")
            }
            var headers: [String: String] = [:]
            for (name, value) in http.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers[name] = value }
            }
            return OutboundResponse(status: http.statusCode, headers: headers, body: data)
        } catch let error as OutboundError {
            throw error
        } catch is CancellationError {
            throw .cancelled(operation: request.operation)
        } catch {
            // URLError's description names the URL, never headers; keep only its code and message.
            let reason = (error as? URLError).map { "URLError \($0.code.rawValue): \($0.localizedDescription)" } ?? "\(error)"
            throw .transport(operation: request.operation, reason: reason)
        }
    }
}
