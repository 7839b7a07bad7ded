/// How the server listens and what it tolerates. Every limit and timeout has a safe default.
public struct HTTPServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var limits = HTTPLimits()
    /// Time to receive a complete header section, from the connection's start or the request's first byte (→ 408).
    public var headerTimeout: Duration = .seconds(10)
    /// Time to receive a body once its head has arrived (→ 408).
    public var bodyTimeout: Duration = .seconds(30)
    /// Time a response may take to reach the client once its socket stops taking bytes. A client that does not read
    /// (one pipelining requests without reading the answers) is cut off after it; it also bounds a slow reader.
    public var sendTimeout: Duration = .seconds(30)
    /// How long a keep-alive connection may sit idle between requests before it is closed.
    public var idleTimeout: Duration = .seconds(5)
    /// Connections served at once; further ones wait in the kernel's backlog rather than exhausting descriptors.
    public var maxConnections = 1024
    public var backlog: Int32 = 512
    /// Event queues the connections are spread over; nil means one per online core.
    public var eventLoops: Int?
    /// How readiness reaches the connections: one epoll loop per queue (Linux), or Dispatch sources.
    public var ioBackend = IOBackend.platformDefault
    /// Responses with larger bodies are gzip-compressed when the client accepts it.
    public var compressionThreshold = 1024
    /// How long a graceful shutdown waits for in-flight requests before closing their connections.
    public var shutdownDeadline: Duration = .seconds(10)

    public init(host: String = "0.0.0.0", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}

/// How the server learns that a socket can be read or written.
public enum IOBackend: String, Sendable, CaseIterable {
    /// One `epoll` loop per event queue, on a thread taken from Dispatch (Linux only).
    case epoll
    /// Dispatch read, write and timer sources on serial queues (every platform).
    case dispatch

    public static var platformDefault: IOBackend {
        #if os(Linux)
        .epoll
        #else
        .dispatch
        #endif
    }
}
