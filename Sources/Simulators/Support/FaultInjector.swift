import Foundation
import HTTPServer
import Synchronization

/// Faults a simulator applies on demand, per target ("craft", "github", "jira"): fail the next N calls with a
/// status (and `Retry-After`), add latency, or perform the next N creates and then reset the connection
/// without answering (the case that tempts a client into creating a duplicate).
public final class FaultInjector: Sendable {
    public struct Fault: Sendable, Codable, Equatable {
        public var target: String
        public var failNext: Int?
        public var status: Int?
        public var retryAfter: String?
        public var latencyMs: Int?
        public var resetAfterCreate: Int?
        /// The next N creates are performed and then answered 502, as a gateway that lost the origin's answer would.
        public var failAfterCreate: Int?
        /// Extra headers on the injected failures (GitHub's `x-ratelimit-remaining: 0`, say).
        public var headers: [String: String]?

        public init(
            target: String, failNext: Int? = nil, status: Int? = nil, retryAfter: String? = nil, latencyMs: Int? = nil,
            resetAfterCreate: Int? = nil, failAfterCreate: Int? = nil, headers: [String: String]? = nil
        ) {
            self.failAfterCreate = failAfterCreate
            self.target = target
            self.failNext = failNext
            self.status = status
            self.retryAfter = retryAfter
            self.latencyMs = latencyMs
            self.resetAfterCreate = resetAfterCreate
            self.headers = headers
        }
    }

    private let faults = Mutex<[String: Fault]>([:])

    public init() {}

    public func set(_ fault: Fault) {
        faults.withLock { $0[fault.target] = fault }
    }

    public func clear() {
        faults.withLock { $0.removeAll() }
    }

    /// Applied before a call is served: waits the latency, then answers with the failure if one is due.
    func before(target: String) async throws -> HTTPResponse? {
        let (latency, failure) = faults.withLock { faults -> (Int?, HTTPResponse?) in
            guard var fault = faults[target] else { return (nil, nil) }
            var failure: HTTPResponse?
            if let remaining = fault.failNext, remaining > 0 {
                fault.failNext = remaining - 1
                let status = fault.status ?? 503
                var response = HTTPResponse(
                    status: HTTPStatus(status, "Injected Fault"), headers: [.contentType: "application/json"],
                    body: Array(#"{"message":"injected fault \#(status)"}"#.utf8))
                if let retryAfter = fault.retryAfter { response.headers[.retryAfter] = retryAfter }
                for (name, value) in fault.headers ?? [:] { response.headers[HTTPHeaderName(name)] = value }
                failure = response
            }
            faults[target] = fault
            return (fault.latencyMs, failure)
        }
        if let latency, latency > 0 { try await Task.sleep(for: .milliseconds(latency)) }
        return failure
    }

    /// Applied after a create was performed: true when the connection should be reset instead of answered.
    func shouldResetAfterCreate(target: String) -> Bool {
        take(\.resetAfterCreate, target: target)
    }

    /// Applied after a create was performed: true when it should be answered 502 although it happened.
    func shouldFailAfterCreate(target: String) -> Bool {
        take(\.failAfterCreate, target: target)
    }

    private func take(_ counter: WritableKeyPath<Fault, Int?>, target: String) -> Bool {
        faults.withLock { faults in
            guard var fault = faults[target], let remaining = fault[keyPath: counter], remaining > 0 else { return false }
            fault[keyPath: counter] = remaining - 1
            faults[target] = fault
            return true
        }
    }
}

/// Counts calls per endpoint ("GET /item/:id"), for tests and `/_sim/state`.
public final class CallCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    public init() {}

    func record(_ endpoint: String) { counts.withLock { $0[endpoint, default: 0] += 1 } }
    public var snapshot: [String: Int] { counts.withLock { $0 } }
    public func count(_ endpoint: String) -> Int { counts.withLock { $0[endpoint] ?? 0 } }
}

extension HTTPRequest {
    func decodeJSON<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch {
            throw HTTPError(.badRequest, "invalid JSON body: \(error)")
        }
    }
}

/// Simulated APIs answer errors in their own shape: `{"message": "..."}` for Craft.io.
func messageResponse(_ status: HTTPStatus, _ message: String) -> HTTPResponse {
    (try? HTTPResponse.json(["message": message], status: status)) ?? HTTPResponse(status: status)
}
