import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A load balancer for end-to-end tests of several replicas: a loopback port whose connections go round-robin to the
/// replicas' ports, skipping one that refuses (it is down), as a real balancer's health checks would. Bytes are copied
/// both ways, a thread per direction, until either side closes.
public final class TCPBalancer: Sendable {
    public let port: Int
    private let listener: Int32
    private let backends: [Int]
    private let next = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)

    public init(backends: [Int]) throws {
        self.backends = backends
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        guard bound == 0, listen(listener, 128) == 0 else { throw ChildProcess.Timeout(description: "balancer: bind/listen failed: errno \(errno)") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Starts taking connections.
    public func start() {
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { if errno == EINTR { continue } else { return } }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            Thread.detachNewThread { [self] in serve(client) }
        }
    }

    private func serve(_ client: Int32) {
        let start = next.add(1, ordering: .relaxed).oldValue
        for offset in 0..<backends.count {
            let backend = backends[(start + offset) % backends.count]
            guard let upstream = connectLoopback(port: backend, timeout: 30) else { continue }
            let back = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                Self.copy(from: upstream, to: client)
                back.signal()
            }
            Self.copy(from: client, to: upstream)
            back.wait()
            // Closed only once both directions are done: a number closed early could be reused by another connection.
            close(upstream)
            close(client)
            return
        }
        close(client)  // every replica is down: the sender sees the connection closed, as behind a real balancer
    }

    /// Copies until end of file or an error, then ends the other side's writing.
    private static func copy(from source: Int32, to destination: Int32) {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = read(source, &buffer, buffer.count)
            guard count > 0 else { break }
            var written = 0
            while written < count {
                let result = buffer[written..<count].withUnsafeBytes { write(destination, $0.baseAddress, count - written) }
                guard result > 0 else { break }
                written += result
            }
            if written < count { break }
        }
        shutdown(destination, Int32(SHUT_WR))
        shutdown(source, Int32(SHUT_RD))
    }
}
