/// Turns a stream of bytes into requests: a pure state machine with no socket in sight, so it is
/// tested and fuzzed on byte arrays. Feed it bytes as they arrive and call `next()` until it returns nil.
///
/// Each request yields `.head` as soon as its head is complete (so the server can answer
/// `Expect: 100-continue`), then `.request` once its body has arrived. After an error the stream
/// is unusable: the server answers and closes.
public struct HTTPRequestDecoder: Sendable {
    public enum Event: Sendable {
        case head(HTTPRequestHead)
        case request(HTTPRequestHead, body: [UInt8])
    }

    private enum State: Sendable {
        case head
        case headDelivered(HTTPRequestHead, bodyLimit: Int)
        case fixedBody(HTTPRequestHead, remaining: Int)
        case chunkedBody(HTTPRequestHead, ChunkedBodyDecoder)
        case failed(HTTPParseError)
    }

    public let limits: HTTPLimits
    private var buffer = ByteBuffer()
    private var state = State.head
    private var headScanner = HeadScanner()

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.append(bytes)
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(bytes)
    }

    /// True when no part of a next request has been received: the connection is idle between requests.
    public var isIdle: Bool {
        if case .head = state { return buffer.isEmpty }
        return false
    }

    /// True while a head has been delivered and its body is still expected.
    public var isReadingBody: Bool {
        switch state {
        case .headDelivered, .fixedBody, .chunkedBody: true
        default: false
        }
    }

    /// Bytes received but not yet consumed (pipelined requests wait here).
    public var bufferedByteCount: Int { buffer.count }

    /// Lowers the body limit of the request whose head was just delivered (a route's own limit, such as 0 for a
    /// route that takes no body). A declared length over it is refused at once, before any of the body is read;
    /// a chunked body is refused as soon as its sizes pass it.
    public mutating func limitBody(to limit: Int) throws(HTTPParseError) {
        guard case .headDelivered(let head, let current) = state else { return }
        let limit = max(0, min(limit, current))
        if case .contentLength(let length) = head.bodyFraming, length > limit {
            state = .failed(.bodyTooLarge(limit: limit))
            throw .bodyTooLarge(limit: limit)
        }
        state = .headDelivered(head, bodyLimit: limit)
    }

    public mutating func next() throws(HTTPParseError) -> Event? {
        do {
            return try advance()
        } catch {
            // Remember the first error so that every later call reports it too.
            state = .failed(error)
            throw error
        }
    }

    private mutating func advance() throws(HTTPParseError) -> Event? {
        switch state {
        case .failed(let error):
            throw error
        case .head:
            guard let head = try parseHead() else { return nil }
            state = .headDelivered(head, bodyLimit: limits.body)
            return .head(head)
        case .headDelivered(let head, let bodyLimit):
            switch head.bodyFraming {
            case .none:
                state = .head
                return .request(head, body: [])
            case .contentLength(let length):
                state = .fixedBody(head, remaining: length)
            case .chunked:
                state = .chunkedBody(head, ChunkedBodyDecoder(limits: limits, bodyLimit: bodyLimit))
            }
            return try advance()
        case .fixedBody(let head, let remaining):
            guard buffer.count >= remaining else { return nil }
            let body = buffer.read(remaining)
            state = .head
            return .request(head, body: body)
        case .chunkedBody(let head, var chunked):
            if try chunked.decode(&buffer) {
                state = .head
                return .request(head, body: chunked.body)
            }
            state = .chunkedBody(head, chunked)
            return nil
        }
    }

    private mutating func parseHead() throws(HTTPParseError) -> HTTPRequestHead? {
        guard let head = try headScanner.scan(&buffer, limits: limits) else { return nil }
        return try HeadValidator.validate(
            method: head.method, target: head.target, version: head.version, headers: head.headers, limits: limits)
    }
}
