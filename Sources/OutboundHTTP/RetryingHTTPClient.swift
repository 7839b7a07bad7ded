import Foundation
import Support

/// Retries what is worth retrying: transport failures, and the responses `classify` marks (by default 408,
/// 429, 5xx). Other responses, 4xx included, are returned for the caller to turn into an error that says
/// what to fix. A request that is not idempotent is never retried here: after a reset or a 5xx (a gateway's 503
/// included) its outcome is unknown, and even after a 429 the caller must renew whatever it holds (a create's
/// claim) before trying again, so the answer goes back to the caller, who knows how.
public struct RetryingHTTPClient: HTTPClient {
    public typealias Classifier = @Sendable (OutboundResponse, Date) -> RetryDecision

    let inner: any HTTPClient
    let policy: RetryPolicy
    let clock: any SyncClock
    let classify: Classifier

    public init(inner: any HTTPClient, policy: RetryPolicy, clock: any SyncClock, classify: @escaping Classifier = RetryingHTTPClient.standard) {
        self.inner = inner
        self.policy = policy
        self.clock = clock
        self.classify = classify
    }

    /// 429 and 503 wait for `Retry-After` when given; other 5xx and 408 back off.
    public static let standard: Classifier = { response, now in
        switch response.status {
        case 429, 503:
            if let wait = RetryAfter.parse(response.header("retry-after"), now: now) { return .retryAfter(wait) }
            return .retry
        case 408, 500..<600: return .retry
        default: return .accept
        }
    }

    public func send(_ request: OutboundRequest) async throws(OutboundError) -> OutboundResponse {
        var attempt = 0
        while true {
            attempt += 1
            let result: Result<OutboundResponse, OutboundError>
            do {
                result = .success(try await inner.send(request))
            } catch {
                result = .failure(error)
            }
            let wait: Duration
            let outcome: String
            switch result {
            case .success(let response):
                switch classify(response, clock.now()) {
                case .accept:
                    return response
                case .retry:
                    guard request.isIdempotent else { return response }
                    wait = policy.backoff(attempt: attempt)
                case .retryAfter(let serverWait):
                    guard request.isIdempotent else { return response }
                    guard serverWait <= policy.maxServerWait else {
                        throw .throttled(operation: request.operation, status: response.status, wait: serverWait)
                    }
                    wait = serverWait
                }
                outcome = "HTTP \(response.status)"
            case .failure(.transport(let operation, let reason)):
                guard request.isIdempotent else { throw .transport(operation: operation, reason: reason) }
                wait = policy.backoff(attempt: attempt)
                outcome = reason
            case .failure(let error):
                throw error
            }
            guard attempt < policy.maxAttempts else {
                throw .exhausted(operation: request.operation, attempts: attempt, last: outcome)
            }
            do {
                try await clock.sleep(for: wait)
            } catch {
                throw .cancelled(operation: request.operation)
            }
        }
    }
}
