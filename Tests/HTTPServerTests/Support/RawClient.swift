#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTPServer

/// A blocking TCP client that speaks raw bytes, so tests control exactly what goes on the wire.
/// Reads time out after a few seconds so a broken server fails a test instead of hanging it.
/// `@unchecked Sendable`: a test drives one client from one task at a time; the wrappers below only move
/// the blocking calls off Swift's cooperative pool (which the server's handlers need) onto a Dispatch thread.
final class RawClient: @unchecked Sendable {
    let descriptor: Int32
    private var pending: [UInt8] = []
    let queue = DispatchQueue(label: "raw-client")

    struct Response {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct ClientError: Error, CustomStringConvertible {
        var description: String
    }

    init(blockingPort port: Int, host: String = "127.0.0.1", timeout: Int = 15) throws {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &results) == 0, let address = results else {
            throw ClientError(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(results) }
        descriptor = socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        var time = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        guard descriptor >= 0 else { throw ClientError(description: "socket failed: errno \(errno)") }
        guard Glibc.connect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else {
            let code = errno
            // deinit runs for a class whose init throws once every property is set: close once, here.
            close()
            throw ClientError(description: "connect failed: errno \(code)")
        }
    }

    private var closed = false

    deinit { if !closed { Glibc.close(descriptor) } }

    /// Shuts down our sending side only (a half-close), as `nc -N` does after its request.
    func halfClose() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// Closes our end now, as a client that is done would.
    func close() {
        if !closed {
            closed = true
            Glibc.close(descriptor)
        }
    }

    func sendNow(_ text: String) throws { try sendNow(Array(text.utf8)) }

    func sendNow(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw ClientError(description: "send failed: errno \(errno)") }
            offset += sent
        }
    }

    /// Reads more bytes; returns false when the peer has closed (or reset) the connection.
    @discardableResult
    private func fill() throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        if count > 0 {
            pending.append(contentsOf: buffer[0..<count])
            return true
        }
        if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { throw ClientError(description: "read timed out") }
        return false
    }

    /// Reads one response. `forHead` leaves out the body a HEAD response announces but does not carry.
    func readResponseNow(forHead: Bool = false) throws -> Response {
        var headEnd: Int?
        while true {
            if let range = pending.firstRange(of: Array("\r\n\r\n".utf8)) {
                headEnd = range.upperBound
                break
            }
            guard try fill() else { throw ClientError(description: "closed before a response head (\(pending.count) bytes)") }
        }
        let headText = String(decoding: pending[0..<headEnd!], as: UTF8.self)
        pending.removeFirst(headEnd!)
        var lines = headText.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, statusLine[0] == "HTTP/1.1", let status = Int(statusLine[1]) else {
            throw ClientError(description: "bad status line in \(headText)")
        }
        var headers = HTTPHeaders()
        for line in lines {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers.add(HTTPHeaderName(String(parts[0])), parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
        let length = forHead || status < 200 || status == 204 ? 0 : Int(headers[.contentLength] ?? "0") ?? 0
        while pending.count < length {
            guard try fill() else { throw ClientError(description: "closed inside a body") }
        }
        let body = Array(pending[0..<length])
        pending.removeFirst(length)
        return Response(status: status, headers: headers, body: body)
    }

    /// Waits until the server closes the connection, failing if it sends anything first.
    func expectClosedNow() throws {
        if !pending.isEmpty { throw ClientError(description: "unexpected bytes: \(pending.count)") }
        if try fill() { throw ClientError(description: "expected close, got \(pending.count) bytes") }
    }
}

extension RawClient {
    static func connect(port: Int, host: String = "127.0.0.1", timeout: Int = 15) async throws -> RawClient {
        try await offload(on: DispatchQueue(label: "raw-client")) { try RawClient(blockingPort: port, host: host, timeout: timeout) }
    }

    func send(_ text: String) async throws { try await Self.offload(on: queue) { try self.sendNow(text) } }
    func send(_ bytes: [UInt8]) async throws { try await Self.offload(on: queue) { try self.sendNow(bytes) } }
    func readResponse(forHead: Bool = false) async throws -> Response {
        try await Self.offload(on: queue) { try self.readResponseNow(forHead: forHead) }
    }
    func expectClosed() async throws { try await Self.offload(on: queue) { try self.expectClosedNow() } }

    /// Each client blocks on its own serial queue: Dispatch gives such queues threads of their own, whereas a
    /// blocked global queue on a 2-core machine would starve the other tests' clients.
    private static func offload<T>(on queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
