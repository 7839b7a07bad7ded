import Testing
import TestSupport
@testable import HTTPServer

@Suite("A client that does not read its responses")
struct SendTimeoutTests {
    @Test("pipelining requests without reading the answers is cut off after the send timeout")
    func neverReadingClientIsCutOff() async throws {
        let observer = ClosingObserver()
        try await withServer(configure: { $0.sendTimeout = .milliseconds(300) }, observer: observer) { server, port in
            let client = try await RawClient.connect(port: port)
            // 32 MiB of answers cannot fit in the kernel's socket buffers, so the server's writes block.
            try await client.send(String(repeating: "GET /huge HTTP/1.1\r\nHost: t\r\n\r\n", count: 32))
            await waitFor(observer.closed, within: .seconds(5), "the cut-off")
            #expect(server.openConnectionCount == 0)
            client.close()
        }
    }

    @Test("a client that reads slowly but in time gets every response")
    func slowReaderWithinTimeout() async throws {
        try await withServer(configure: { $0.sendTimeout = .seconds(20) }) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send(String(repeating: "GET /huge HTTP/1.1\r\nHost: t\r\n\r\n", count: 8))
            for _ in 0..<8 { #expect(try await client.readResponse().body.count == 1 << 20) }
        }
    }
}
