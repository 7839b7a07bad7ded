#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system calls the server makes on connected sockets, named without a module prefix so the same code
/// compiles against Glibc and Darwin (types with `close()` methods otherwise need `Glibc.close`).
enum System {
    static var errno: Int32 {
        #if canImport(Glibc)
        Glibc.errno
        #else
        Darwin.errno
        #endif
    }

    #if canImport(Glibc)
    static let streamSocket = Int32(SOCK_STREAM.rawValue)
    static let closeOnExecFlag = Int32(SOCK_CLOEXEC.rawValue)
    #else
    static let streamSocket = SOCK_STREAM
    /// Darwin cannot set close-on-exec at creation; `Socket` sets FD_CLOEXEC right after.
    static let closeOnExecFlag: Int32 = 0
    #endif

    static func listen(_ descriptor: Int32, _ backlog: Int32) -> Int32 {
        #if canImport(Glibc)
        Glibc.listen(descriptor, backlog)
        #else
        Darwin.listen(descriptor, backlog)
        #endif
    }

    static func accept(_ listener: Int32) -> Int32 {
        #if canImport(Glibc)
        Glibc.accept(listener, nil, nil)
        #else
        Darwin.accept(listener, nil, nil)
        #endif
    }

    static func wouldBlock(_ code: Int32) -> Bool { code == EAGAIN || code == EWOULDBLOCK }
    static func interrupted(_ code: Int32) -> Bool { code == EINTR }

    static func receive(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        recv(descriptor, buffer, count, 0)
    }

    /// MSG_NOSIGNAL: a peer that vanished must cost us EPIPE, not a SIGPIPE that kills the process (Darwin has
    /// no such flag; SO_NOSIGPIPE is set on its sockets instead).
    static func send(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.send(descriptor, buffer, count, Int32(MSG_NOSIGNAL))
        #else
        Darwin.send(descriptor, buffer, count, 0)
        #endif
    }

    static func close(_ descriptor: Int32) {
        #if canImport(Glibc)
        _ = Glibc.close(descriptor)
        #else
        _ = Darwin.close(descriptor)
        #endif
    }

    static func shutdownOutput(_ descriptor: Int32) {
        _ = shutdown(descriptor, Int32(SHUT_WR))
    }

    static func setResetOnClose(_ descriptor: Int32) {
        var option = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    }
}
