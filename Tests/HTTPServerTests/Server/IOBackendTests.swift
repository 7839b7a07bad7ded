import Testing
import TestSupport
@testable import HTTPServer

/// The same scenarios on every I/O backend this platform has: readiness, deadlines and shutdown must behave alike
/// whether epoll or Dispatch sources deliver them.
@Suite("Both I/O backends on a live socket")
struct IOBackendTests {
    static var backends: [IOBackend] {
        #if os(Linux)
        [.epoll, .dispatch]
        #else
        [.dispatch]
        #endif
    }

    @Test("keep-alive and pipelined requests are answered in order", arguments: backends)
    func pipelining(_ backend: IOBackend) async throws {
        try await withServer(configure: { $0.ioBackend = backend }) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send(String(repeating: "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", count: 3)
                + "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
            for _ in 0..<3 { #expect(try await client.readResponse().text == "hello") }
            #expect(try await client.readResponse().text == "abc")
        }
    }

    @Test("a half-closing client gets its answer, then the close", arguments: backends)
    func halfClose(_ backend: IOBackend) async throws {
        let entered = Gate()
        let release = Gate()
        try await withServer(configure: { $0.ioBackend = backend }, responder: TestRoutes.router(entered: entered, release: release)) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
            await entered.wait()
            client.halfClose()
            release.signal()
            #expect(try await client.readResponse().text == "finally")
            try await client.expectClosed()
        }
    }

    @Test("a deadline fires on a real socket: the idle connection is closed", arguments: backends)
    func deadlineFires(_ backend: IOBackend) async throws {
        try await withServer(configure: { $0.ioBackend = backend; $0.idleTimeout = .milliseconds(50) }) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await client.readResponse().status == 200)
            try await client.expectClosed()
        }
    }

    @Test("a client that never reads is cut off after the send timeout", arguments: backends)
    func sendTimeout(_ backend: IOBackend) async throws {
        let observer = ClosingObserver()
        try await withServer(configure: { $0.ioBackend = backend; $0.sendTimeout = .milliseconds(200) }, observer: observer) { server, port in
            let client = try await RawClient.connect(port: port)
            try await client.send(String(repeating: "GET /huge HTTP/1.1\r\nHost: t\r\n\r\n", count: 32))
            await waitFor(observer.closed, within: .seconds(15), "the cut-off")
            #expect(server.openConnectionCount == 0)
            client.close()
        }
    }
}

#if os(Linux)
import Glibc
import Logging

@Suite("An event queue's descriptors outlive every use of them")
struct EventQueueDescriptorTests {
    /// Once seen in the suite as "Received HTTP/0.9" in unrelated tests: shutdown stopped a queue, its loop closed
    /// the eventfd, a new socket got the same number, and the server's deinit stopped the queue again, writing
    /// eight bytes into that socket.
    @Test("stopping a queue twice never writes into a socket that reused one of its descriptor numbers")
    func stopTwiceWritesNothingElsewhere() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        for _ in 0..<100 {
            var server: HTTPServer? = HTTPServer(
                configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), responder: TestRoutes.router(), logger: logger)
            _ = try server?.start()
            await server?.shutdown()
            var pair: [Int32] = [0, 0]
            #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
            server = nil
            await Task.yield()
            for end in pair {
                var byte: UInt8 = 0
                #expect(recv(end, &byte, 1, Int32(MSG_DONTWAIT)) < 0, "a stray write reached an unrelated socket")
            }
            close(pair[0])
            close(pair[1])
        }
    }
}
#endif
