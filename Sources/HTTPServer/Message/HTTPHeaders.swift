/// A field name, compared case-insensitively (RFC 9110 §5.1) but kept as written.
public struct HTTPHeaderName: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawName: String
    /// The lowercased form that equality and hashing use.
    public let canonical: String

    public init(_ name: String) {
        rawName = name
        canonical = name.lowercased()
    }

    public init(stringLiteral value: String) { self.init(value) }

    public var description: String { rawName }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.canonical == rhs.canonical }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonical) }

    public static let host: Self = "Host"
    public static let contentLength: Self = "Content-Length"
    public static let contentType: Self = "Content-Type"
    public static let contentEncoding: Self = "Content-Encoding"
    public static let transferEncoding: Self = "Transfer-Encoding"
    public static let connection: Self = "Connection"
    public static let expect: Self = "Expect"
    public static let acceptEncoding: Self = "Accept-Encoding"
    public static let date: Self = "Date"
    public static let vary: Self = "Vary"
    public static let allow: Self = "Allow"
    public static let retryAfter: Self = "Retry-After"
    public static let cookie: Self = "Cookie"
    public static let setCookie: Self = "Set-Cookie"
    public static let location: Self = "Location"
    public static let authorization: Self = "Authorization"
    public static let requestID: Self = "X-Request-Id"
    public static let userAgent: Self = "User-Agent"
}

/// Header fields in the order received. Repeats are kept: some fields are lists and some must not repeat,
/// which a last-value-wins dictionary would hide.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public typealias Field = (name: HTTPHeaderName, value: String)
    private var fields: [Field] = []

    public init() {}
    public init(_ fields: [Field]) { self.fields = fields }
    public init(dictionaryLiteral elements: (HTTPHeaderName, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    /// The first value of `name`, or nil.
    public subscript(name: HTTPHeaderName) -> String? {
        get { fields.first { $0.name == name }?.value }
        set {
            remove(name)
            if let newValue { fields.append((name, newValue)) }
        }
    }

    public func values(_ name: HTTPHeaderName) -> [String] {
        fields.filter { $0.name == name }.map(\.value)
    }

    /// The comma-separated list elements of every line of `name` (RFC 9110 §5.6.1), trimmed, empty ones dropped.
    public func listElements(_ name: HTTPHeaderName) -> [String] {
        values(name).flatMap { $0.split(separator: ",") }
            .map { $0.trimmingOWS() }
            .filter { !$0.isEmpty }
    }

    public func contains(_ name: HTTPHeaderName) -> Bool { fields.contains { $0.name == name } }
    public var count: Int { fields.count }

    public mutating func add(_ name: HTTPHeaderName, _ value: String) { fields.append((name, value)) }
    public mutating func remove(_ name: HTTPHeaderName) { fields.removeAll { $0.name == name } }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    public var description: String { fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n") }
}

extension StringProtocol {
    /// Trims optional whitespace: spaces and horizontal tabs (RFC 9110 §5.6.3).
    func trimmingOWS() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
