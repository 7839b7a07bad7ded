import OutboundHTTP

/// A dev-tool call that failed: which tool and call, what the tool said, and what to do. Never a token.
public enum DevToolError: Error, Sendable, Equatable, CustomStringConvertible {
    case unauthorized(tool: String, operation: String, message: String)
    case forbidden(tool: String, operation: String, message: String)
    case notFound(tool: String, operation: String, message: String)
    case rejected(tool: String, operation: String, status: Int, message: String)
    case serverError(tool: String, operation: String, status: Int, message: String)
    /// A rate limit (429, or the tool's own form of it): the tool did not act; `retryAfter` is its requested wait.
    case throttled(tool: String, operation: String, status: Int, retryAfter: Duration?)
    case unreachable(tool: String, OutboundError)
    case malformedResponse(tool: String, operation: String, detail: String)

    public var description: String {
        switch self {
        case .unauthorized(let tool, let operation, let message):
            "\(operation): \(tool) refused the token (401: \(message)). Check dev_tool.token."
        case .forbidden(let tool, let operation, let message):
            "\(operation): \(tool) denied access (403: \(message)). The token needs permission to create and read issues in the configured project."
        case .notFound(let tool, let operation, let message):
            "\(operation): not found in \(tool) (404: \(message)). Check the repository or project and dev_tool.base_url."
        case .rejected(let tool, let operation, let status, let message):
            "\(operation): \(tool) rejected the request (\(status): \(message))."
        case .serverError(let tool, let operation, let status, let message):
            "\(operation): \(tool) failed (\(status): \(message)); will retry later."
        case .throttled(let tool, let operation, let status, let retryAfter):
            "\(operation): \(tool) is rate limiting (\(status)\(retryAfter.map { ", retry after \($0)" } ?? "")); will retry later."
        case .unreachable(_, let error):
            "\(error)"
        case .malformedResponse(let tool, let operation, let detail):
            "\(operation): unexpected response from \(tool) (\(detail))."
        }
    }

    public var isTransient: Bool {
        switch self {
        case .serverError, .unreachable, .throttled: true
        default: false
        }
    }

    /// The tool says the issue is gone for good (GitHub's 410 Gone for a deleted issue). A 404 is not taken as
    /// that: it also answers a token that lost access, which must not turn every mapping into a deleted one.
    public var isGone: Bool {
        if case .rejected(_, _, 410, _) = self { return true }
        return false
    }

    /// The wait the tool asked for, when it did.
    public var retryAfter: Duration? {
        if case .throttled(_, _, _, let wait) = self { return wait }
        return nil
    }

    /// True when the tool may have acted on the request although it failed: a reset, a timeout or a 5xx.
    public var outcomeUnknown: Bool {
        switch self {
        case .serverError, .unreachable: true
        default: false
        }
    }
}
