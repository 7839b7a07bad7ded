import HTTPServer
import Logging
import Support

/// The one place the admin token is checked: bearer headers of the admin API and the status page's sign-in form
/// both come here, so every wrong guess is throttled per client address, logged and counted the same way.
struct AdminGate: Sendable {
    enum Outcome: Equatable {
        case accepted
        case refused
        /// The client is locked out for now; the token was not even compared.
        case throttled(retryAfter: Int)
    }

    let token: Secret
    let throttle: SignInThrottle
    let metrics: ServiceMetrics
    let logger: Logger

    /// Checks `offered` (nil when the request carried no credential at all) from `request`'s client.
    func check(_ offered: Substring?, from request: HTTPRequest, via channel: String) -> Outcome {
        let address = request.clientAddress ?? "unknown"
        if case .locked(let retryAfter) = throttle.verdict(for: address) {
            metrics.adminAuthentication(outcome: "throttled")
            return .throttled(retryAfter: retryAfter)
        }
        // No credential at all is a visitor, not a guess (a browser opening /ui/, a probe): refused, not counted.
        guard let offered else { return .refused }
        if ConstantTime.equals(offered, token.revealed) {
            throttle.succeeded(address)
            return .accepted
        }
        metrics.adminAuthentication(outcome: "refused")
        // One line when an address starts failing and one each time it is locked: a flood of guesses is summarised,
        // not logged guess by guess.
        switch throttle.failed(address) {
        case .counted(let failures) where failures == 1:
            logger.warning("wrong admin token", metadata: ["client": "\(address)", "via": "\(channel)"])
        case .locked(let failures, let seconds):
            logger.warning(
                "wrong admin token again; client locked out", metadata: ["client": "\(address)", "via": "\(channel)", "failures": "\(failures)", "seconds": "\(seconds)"])
        case .counted:
            break
        }
        return .refused
    }

    /// The admin API's check: `Authorization: Bearer <token>`; 401 or 429 otherwise.
    func authorizeBearer(_ request: HTTPRequest) throws(HTTPError) {
        switch check(request.bearerToken, from: request, via: "bearer") {
        case .accepted:
            return
        case .refused:
            throw HTTPError(.unauthorized, "a valid bearer token is required", headers: ["WWW-Authenticate": "Bearer"])
        case .throttled(let retryAfter):
            throw Self.tooManyAttempts(retryAfter)
        }
    }

    static func tooManyAttempts(_ retryAfter: Int) -> HTTPError {
        HTTPError(.tooManyRequests, "too many wrong admin tokens from this address; retry in \(retryAfter) s", headers: [.retryAfter: String(retryAfter)])
    }
}

extension HTTPRequest {
    /// The token of `Authorization: Bearer <token>` (RFC 6750 §2.1); empty for another scheme, nil without the header.
    var bearerToken: Substring? {
        headers[.authorization].map { $0.hasPrefix("Bearer ") ? $0.dropFirst(7) : "" }
    }
}
