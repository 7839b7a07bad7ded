/// A request method token (RFC 9110 §9). An open set: any valid token is a method, these are the common ones.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    public static let get = HTTPMethod("GET")
    public static let head = HTTPMethod("HEAD")
    public static let post = HTTPMethod("POST")
    public static let put = HTTPMethod("PUT")
    public static let patch = HTTPMethod("PATCH")
    public static let delete = HTTPMethod("DELETE")
    public static let options = HTTPMethod("OPTIONS")
    public static let connect = HTTPMethod("CONNECT")

    /// The method as a metrics label: the methods of RFC 9110 §9 and PATCH as themselves, any other token as
    /// `other`, so a client cannot grow a label set by inventing methods.
    public var metricLabel: String {
        Self.registered.contains(rawValue) ? rawValue : "other"
    }

    private static let registered: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"]
}
