/// What the server reports about its work, for metrics. The server knows nothing of how they are exposed.
public protocol HTTPServerObserver: Sendable {
    func connectionOpened()
    func connectionClosed()
    func bytesReceived(_ count: Int)
    func bytesSent(_ count: Int)
    /// A response was written. `route` is the matched route pattern (bounded cardinality), not the raw path.
    func requestCompleted(method: HTTPMethod, route: String, status: HTTPStatus, duration: Duration)
}

/// An observer that ignores everything.
public struct NoHTTPServerObserver: HTTPServerObserver {
    public init() {}
    public func connectionOpened() {}
    public func connectionClosed() {}
    public func bytesReceived(_ count: Int) {}
    public func bytesSent(_ count: Int) {}
    public func requestCompleted(method: HTTPMethod, route: String, status: HTTPStatus, duration: Duration) {}
}
