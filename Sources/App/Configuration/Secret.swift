/// A credential. It prints as `<redacted>` everywhere (logs, errors, `dump`), so it cannot leak by
/// interpolation; code that needs the value asks for `revealed` by name.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let revealed: String

    public init(_ value: String) { revealed = value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
