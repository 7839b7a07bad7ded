/// Why a request could not be parsed. Each maps to the status the client is answered with;
/// after any of them the connection is closed, since the rest of the stream cannot be trusted.
public enum HTTPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformedRequestLine(String)
    case invalidMethod
    case invalidTarget(String)
    case unsupportedVersion(String)
    case requestLineTooLong(limit: Int)
    case headerSectionTooLarge(limit: Int)
    case tooManyHeaderFields(limit: Int)
    case malformedField(String)
    case bareLineFeed
    case bareCarriageReturn
    case invalidHost(String)
    case invalidContentLength(String)
    case invalidTransferEncoding(String)
    case unsupportedTransferCoding(String)
    case contentLengthWithTransferEncoding
    case malformedChunk(String)
    case chunkExtensionTooLong(limit: Int)
    case bodyTooLarge(limit: Int)
    case unsupportedExpectation(String)

    public var status: HTTPStatus {
        switch self {
        case .requestLineTooLong: .uriTooLong
        case .headerSectionTooLarge, .tooManyHeaderFields: .requestHeaderFieldsTooLarge
        case .unsupportedVersion: .httpVersionNotSupported
        case .unsupportedTransferCoding: .notImplemented
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedExpectation: .expectationFailed
        default: .badRequest
        }
    }

    public var description: String {
        switch self {
        case .malformedRequestLine(let why): "malformed request line: \(why)"
        case .invalidMethod: "the method is not a valid token"
        case .invalidTarget(let why): "invalid request target: \(why)"
        case .unsupportedVersion(let version): "unsupported HTTP version \(version)"
        case .requestLineTooLong(let limit): "request line longer than \(limit) bytes"
        case .headerSectionTooLarge(let limit): "header section larger than \(limit) bytes"
        case .tooManyHeaderFields(let limit): "more than \(limit) header fields"
        case .malformedField(let why): "malformed header field: \(why)"
        case .bareLineFeed: "line ended by LF without CR"
        case .bareCarriageReturn: "CR not followed by LF"
        case .invalidHost(let why): "invalid Host: \(why)"
        case .invalidContentLength(let why): "invalid Content-Length: \(why)"
        case .invalidTransferEncoding(let why): "invalid Transfer-Encoding: \(why)"
        case .unsupportedTransferCoding(let coding): "transfer coding '\(coding)' is not supported"
        case .contentLengthWithTransferEncoding: "Content-Length and Transfer-Encoding together"
        case .malformedChunk(let why): "malformed chunked body: \(why)"
        case .chunkExtensionTooLong(let limit): "chunk extension longer than \(limit) bytes"
        case .bodyTooLarge(let limit): "body larger than \(limit) bytes"
        case .unsupportedExpectation(let value): "expectation '\(value)' is not supported"
        }
    }
}
