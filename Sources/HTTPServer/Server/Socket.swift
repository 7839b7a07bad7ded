#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call, with the call's name and `errno` captured where it failed.
public struct SocketError: Error, CustomStringConvertible, Sendable {
    public let operation: String
    public let code: Int32

    init(_ operation: String, code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }

    public var description: String {
        "\(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
    }
}

/// Thin, checked wrappers over the socket calls the server needs.
enum Socket {
    /// Binds a listening, non-blocking socket. `host` is a numeric IPv4 or IPv6 address or a name such as
    /// `localhost`; port 0 asks the kernel for a free port (tests use it, then read `localPort`).
    static func listen(host: String, port: Int, backlog: Int32) throws(SocketError) -> Int32 {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = System.streamSocket
        var results: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &results)
        guard status == 0, let first = results else {
            throw SocketError("getaddrinfo(\(host))", code: status == EAI_SYSTEM ? errno : EINVAL)
        }
        defer { freeaddrinfo(results) }

        let descriptor = socket(first.pointee.ai_family, System.streamSocket | System.closeOnExecFlag, 0)
        guard descriptor >= 0 else { throw SocketError("socket") }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        do throws(SocketError) {
            // SO_REUSEADDR: a restart must not wait for the previous process's TIME_WAIT sockets.
            try setOption(descriptor, SOL_SOCKET, SO_REUSEADDR, 1)
            if first.pointee.ai_family == AF_INET6 {
                // Listening on `::` also accepts IPv4 (mapped addresses), as operators expect of "any address".
                try setOption(descriptor, Int32(IPPROTO_IPV6), IPV6_V6ONLY, 0)
            }
            guard bind(descriptor, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
                throw SocketError("bind(\(host):\(port))")
            }
            guard System.listen(descriptor, backlog) == 0 else { throw SocketError("listen") }
            try setNonBlocking(descriptor)
            return descriptor
        } catch {
            close(descriptor)
            throw error
        }
    }

    static func localPort(_ descriptor: Int32) throws(SocketError) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else { throw SocketError("getsockname") }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { pointer in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    /// The connected peer's address as text (`203.0.113.7`, `2001:db8::1`; an IPv4-mapped IPv6 address shown as
    /// IPv4), for per-client limits and logs; nil when the socket has no peer.
    static func peerAddress(_ descriptor: Int32) -> String? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(descriptor, $0, &length) }
        }
        guard result == 0 else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = Int32(storage.ss_family)
        let written: UnsafePointer<CChar>? = withUnsafePointer(to: &storage) { pointer in
            if family == AF_INET6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var bytes = address.pointee.sin6_addr
                    return inet_ntop(AF_INET6, &bytes, &text, socklen_t(text.count))
                }
            }
            guard family == AF_INET else { return nil }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                var bytes = address.pointee.sin_addr
                return inet_ntop(AF_INET, &bytes, &text, socklen_t(text.count))
            }
        }
        guard written != nil else { return nil }
        let address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return address.hasPrefix("::ffff:") && address.contains(".") ? String(address.dropFirst(7)) : address
    }

    /// Accepts one pending connection, already non-blocking; nil when none is waiting.
    static func accept(_ listener: Int32) throws(SocketError) -> Int32? {
        let descriptor = System.accept(listener)
        if descriptor < 0 {
            switch errno {
            case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED: return nil
            default: throw SocketError("accept")
            }
        }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        do {
            try setNonBlocking(descriptor)
        } catch {
            close(descriptor)
            throw error
        }
        #if canImport(Darwin)
        // Darwin has no MSG_NOSIGNAL: a vanished peer must cost EPIPE, not SIGPIPE.
        try? setOption(descriptor, SOL_SOCKET, SO_NOSIGPIPE, 1)
        #endif
        // Responses are written whole; Nagle's algorithm would only delay the last segment.
        try? setOption(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        return descriptor
    }

    static func setOption(_ descriptor: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws(SocketError) {
        var value = value
        guard setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SocketError("setsockopt")
        }
    }

    static func setNonBlocking(_ descriptor: Int32) throws(SocketError) {
        let flags = fcntl(descriptor, F_GETFL)
        guard flags >= 0, fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) == 0 else { throw SocketError("fcntl") }
    }
}
