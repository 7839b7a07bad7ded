import Testing
import TestSupport
import Compression
@testable import HTTPServer

@Suite("gzip both ways and graceful shutdown")
struct CompressionAndShutdownTests {
    @Test("a large body is gzipped for a client that accepts gzip, and only then")
    func gzipResponse() async throws {
        try await withServer { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /big HTTP/1.1\r\nHost: t\r\nAccept-Encoding: br;q=1, gzip;q=0.5\r\n\r\n")
            let zipped = try await client.readResponse()
            #expect(zipped.headers[.contentEncoding] == "gzip")
            #expect(zipped.headers[.vary] == "Accept-Encoding")
            let plain = try Zlib.decompress(zipped.body, framing: .gzip)
            #expect(plain.count == 4400)
            #expect(zipped.body.count < plain.count / 10)

            try await client.send("GET /big HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip;q=0\r\n\r\n")
            let refused = try await client.readResponse()
            #expect(refused.headers[.contentEncoding] == nil)
            #expect(refused.body == plain)

            try await client.send("GET /hello HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n")
            #expect(try await client.readResponse().headers[.contentEncoding] == nil)  // under the threshold
        }
    }

    @Test("a gzip request body is decoded before the handler sees it")
    func gzipRequest() async throws {
        try await withServer { _, port in
            let client = try await RawClient.connect(port: port)
            let payload = Array(#"{"action":"closed"}"#.utf8)
            let compressed = try Zlib.compress(payload, framing: .gzip)
            try await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: \(compressed.count)\r\n\r\n")
            try await client.send(compressed)
            #expect(try await client.readResponse().body == payload)

            try await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Encoding: br\r\nContent-Length: 2\r\n\r\nxx")
            #expect(try await client.readResponse().status == 415)
        }
    }

    @Test("a gzip bomb is refused with 413")
    func gzipBomb() async throws {
        try await withServer(configure: { $0.limits.decompressedBody = 100_000 }) { _, port in
            let bomb = try Zlib.compress([UInt8](repeating: 0, count: 1_000_000), framing: .gzip)
            let client = try await RawClient.connect(port: port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: \(bomb.count)\r\n\r\n")
            try await client.send(bomb)
            #expect(try await client.readResponse().status == 413)
        }
    }

    @Test("shutdown lets an in-flight request finish, closes idle connections, and stops accepting", arguments: IOBackendTests.backends)
    func gracefulShutdown(_ backend: IOBackend) async throws {
        let entered = Gate()
        let release = Gate()
        try await withServer(configure: { $0.ioBackend = backend }, responder: TestRoutes.router(entered: entered, release: release)) { server, port in
            let idle = try await RawClient.connect(port: port)
            try await idle.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try await idle.readResponse()

            let busy = try await RawClient.connect(port: port)
            try await busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
            await entered.wait()

            async let stopped: Void = server.shutdown()
            try await idle.expectClosed()
            await #expect(throws: RawClient.ClientError.self) { try await RawClient.connect(port: port) }
            release.signal()
            let response = try await busy.readResponse()
            #expect(response.text == "finally")
            #expect(response.headers[.connection] == "close")
            try await busy.expectClosed()
            await stopped
            #expect(server.openConnectionCount == 0)
        }
    }

    @Test("shutdown gives up on a request that outlives the deadline")
    func shutdownDeadline() async throws {
        let entered = Gate()
        try await withServer(
            configure: { $0.shutdownDeadline = .milliseconds(100) },
            responder: TestRoutes.router(entered: entered, release: Gate())
        ) { server, port in
            let busy = try await RawClient.connect(port: port)
            try await busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
            await entered.wait()
            await server.shutdown()
            try await busy.expectClosed()
        }
    }
}
