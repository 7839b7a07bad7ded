import Testing
import TestSupport
import Compression
@testable import HTTPServer

@Suite("Serving connections on a live socket")
struct ConnectionTests {
    @Test("a keep-alive connection serves several requests")
    func keepAlive() async throws {
        try await withServer { _, port in
            let client = try await RawClient.connect(port: port)
            for _ in 0..<3 {
                try await client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
                let response = try await client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "hello")
                #expect(response.headers[.connection] == nil)
                #expect(response.headers[.date] != nil)
                #expect(response.headers[.contentLength] == "5")
            }
        }
    }

    @Test("Connection: close is honoured after the response")
    func connectionClose() async throws {
        try await withServer { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.headers[.connection] == "close")
            try await client.expectClosed()
        }
    }

    @Test("HTTP/1.0 closes unless keep-alive is asked for")
    func http10() async throws {
        try await withServer { _, port in
            let keep = try await RawClient.connect(port: port)
            try await keep.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try await keep.readResponse().headers[.connection] == "keep-alive")
            try await keep.send("GET /hello HTTP/1.0\r\n\r\n")
            #expect(try await keep.readResponse().status == 200)
            try await keep.expectClosed()
        }
    }

    @Test("pipelined requests are answered in order")
    func pipelining() async throws {
        try await withServer { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send(
                "GET /items/1 HTTP/1.1\r\nHost: t\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nbodyGET /items/3 HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await client.readResponse().text == "item 1")
            #expect(try await client.readResponse().text == "body")
            #expect(try await client.readResponse().text == "item 3")
        }
    }

    @Test("a chunked request body reaches the handler whole")
    func chunkedBody() async throws {
        try await withServer { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n")
            try await client.send("3;ext=1\r\nefg\r\n0\r\nTrailer: x\r\n\r\n")
            #expect(try await client.readResponse().text == "abcdefg")
        }
    }

    @Test("Expect: 100-continue is invited when acceptable")
    func expectContinue() async throws {
        try await withServer { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
            #expect(try await client.readResponse().status == 100)
            try await client.send("hi")
            #expect(try await client.readResponse().text == "hi")
        }
    }

    @Test("an oversized declared body gets 413 without a 100 and the connection closes")
    func expectContinueTooLarge() async throws {
        try await withServer(configure: { $0.limits.body = 1000 }) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 413)
            #expect(response.headers[.connection] == "close")
            try await client.expectClosed()
        }
    }

    @Test("a malformed request gets a JSON 400 and the connection closes")
    func malformed() async throws {
        try await withServer { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 400)
            #expect(response.headers[.contentType] == "application/json")
            #expect(response.text.contains("\"status\":400"))
            try await client.expectClosed()
        }
    }

    @Test("HEAD gets GET's headers and no body")
    func head() async throws {
        try await withServer { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try await client.readResponse(forHead: true)
            #expect(response.status == 200)
            #expect(response.headers[.contentLength] == "5")
            try await client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await client.readResponse().text == "hello")  // nothing of HEAD's body was left in the stream
        }
    }

    @Test("routing errors render as JSON; other errors as a 500 with a request id")
    func errors() async throws {
        try await withServer { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n")
            let missing = try await client.readResponse()
            #expect(missing.status == 404)
            #expect(missing.text.hasPrefix("{\"error\":{\"message\":"))
            try await client.send("DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            let notAllowed = try await client.readResponse()
            #expect(notAllowed.status == 405)
            #expect(notAllowed.headers[.allow] == "GET, HEAD")
            try await client.send("GET /fail HTTP/1.1\r\nHost: t\r\n\r\n")
            let failed = try await client.readResponse()
            #expect(failed.status == 500)
            let requestID = try #require(failed.headers[.requestID])
            #expect(failed.text.contains(requestID))
        }
    }
}
