#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address literal, parsed by the system's `inet_pton` (so `127.evil.example` is a name, not an
/// address, and `0x7f.1` is nothing).
public struct IPAddress: Sendable, Equatable {
    public enum Family: Sendable { case v4, v6 }

    public let family: Family
    public let bytes: [UInt8]

    /// Nil when `text` is not an address literal (IPv6 may come in brackets).
    public init?(_ text: String) {
        var literal = text
        if literal.hasPrefix("[") && literal.hasSuffix("]") { literal = String(literal.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 {
            family = .v4
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, literal, &v6) == 1 {
            family = .v6
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return
        }
        return nil
    }

    /// 127.0.0.0/8 (RFC 1122 §3.2.1.3), ::1, and IPv4-mapped loopback (::ffff:127.x.x.x).
    public var isLoopback: Bool {
        switch family {
        case .v4: return bytes[0] == 127
        case .v6:
            if bytes == [UInt8](repeating: 0, count: 15) + [1] { return true }
            return bytes.prefix(12) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] && bytes[12] == 127
        }
    }
}
