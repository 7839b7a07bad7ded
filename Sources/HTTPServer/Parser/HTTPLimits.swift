/// Size limits the parser enforces while bytes arrive, so that no client can make the server buffer without bound.
public struct HTTPLimits: Sendable, Equatable {
    /// Longest request line, CRLF excluded (→ 414).
    public var requestLine: Int = 8 * 1024
    /// Largest header section after the request line, CRLFs included (→ 431). Also bounds a trailer section.
    public var headerSection: Int = 64 * 1024
    /// Most header fields in one request (→ 431).
    public var headerFields: Int = 100
    /// Longest chunk extension (→ 400).
    public var chunkExtension: Int = 1024
    /// Largest body after transfer decoding (→ 413). GitHub sends webhook payloads of up to 25 MB.
    public var body: Int = 26 * 1024 * 1024
    /// Largest body after `Content-Encoding` decoding (→ 413), against compression bombs.
    public var decompressedBody: Int = 26 * 1024 * 1024
    /// Request body bytes all connections together may hold before their handlers have run (→ 503 with
    /// `Retry-After`): without it, 1,024 clients each sending a 25 MiB body could make the server hold 25 GiB
    /// before any sender is known.
    public var bodyBytesInFlight: Int = 128 * 1024 * 1024

    public init() {}
}
