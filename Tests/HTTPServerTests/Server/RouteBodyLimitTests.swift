import Compression
import Testing
@testable import HTTPServer

/// Each route decides how much body it takes, and the server refuses more before buffering any of it.
@Suite("Body limits per route on a live socket")
struct RouteBodyLimitTests {
    @Test("a route that takes no body refuses a declared one from the head alone (→ 413)")
    func getWithBody() async throws {
        try await withServer { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\n")
            #expect(try await client.readResponse().status == 413)
            try await client.expectClosed()
        }
    }

    @Test("a declared length over the route's limit is refused before the body is sent")
    func declaredOverRouteLimit() async throws {
        try await withServer { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("POST /small HTTP/1.1\r\nHost: t\r\nContent-Length: 65\r\n\r\n")
            #expect(try await client.readResponse().status == 413)
        }
    }

    @Test("a chunked body is refused once its sizes pass the route's limit")
    func chunkedOverRouteLimit() async throws {
        try await withServer { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n\(String(repeating: "x", count: 64))\r\n1\r\n")
            #expect(try await client.readResponse().status == 413)
        }
    }

    @Test("a body within the route's limit is served")
    func withinRouteLimit() async throws {
        try await withServer { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("POST /small HTTP/1.1\r\nHost: t\r\nContent-Length: 64\r\n\r\n\(String(repeating: "x", count: 64))")
            #expect(try await client.readResponse().text == "got 64")
        }
    }

    @Test("a gzip body that inflates past the route's limit is refused (→ 413)")
    func gzipOverRouteLimit() async throws {
        let zipped = try Zlib.compress(Array(repeating: UInt8(ascii: "a"), count: 1000), framing: .gzip)
        #expect(zipped.count <= 64)
        try await withServer { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send(Array("POST /small HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: \(zipped.count)\r\n\r\n".utf8) + zipped)
            #expect(try await client.readResponse().status == 413)
        }
    }

    @Test("a small body sent to a path with no route is answered 404 (a webhook to a wrong URL says so), a GET route's path 405")
    func unknownRouteWithSmallBody() async throws {
        try await withServer { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("POST /nowhere HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}")
            #expect(try await client.readResponse().status == 404)
            try await client.send("POST /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}")
            #expect(try await client.readResponse().status == 405)
        }
    }

    @Test("a large body sent to a path with no route is refused from the head (→ 413)")
    func unknownRouteWithBody() async throws {
        try await withServer { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("POST /nowhere HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n")
            #expect(try await client.readResponse().status == 413)
        }
    }
}
