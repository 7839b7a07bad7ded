import Testing
@testable import HTTPServer

@Suite("Parsing well-formed requests")
struct RequestParsingTests {
    @Test("a simple GET yields method, path, headers and no body")
    func simpleGet() throws {
        let requests = try decodeRequests("GET /healthz HTTP/1.1\nHost: example.com\nAccept: */*\n\n".crlf)
        #expect(requests.count == 1)
        let head = try #require(requests.first).head
        #expect(head.method == .get)
        #expect(head.path == "/healthz")
        #expect(head.version == .http1_1)
        #expect(head.headers[.host] == "example.com")
        #expect(head.headers["accept"] == "*/*")
        #expect(head.keepAlive)
        #expect(requests[0].body.isEmpty)
    }

    @Test("the same request parses identically when it arrives one byte at a time")
    func byteByByte() throws {
        let wire = "POST /webhooks/github?x=1 HTTP/1.1\nHost: h\nContent-Length: 5\n\nhello".crlf
        let whole = try decodeRequests(wire)
        let pieces = try decodeRequests(wire, chunkSize: 1)
        #expect(pieces.count == 1)
        #expect(pieces[0].body == whole[0].body)
        #expect(pieces[0].head.path == whole[0].head.path)
        #expect(String(decoding: pieces[0].body, as: UTF8.self) == "hello")
    }

    @Test("pipelined requests come out in order")
    func pipelined() throws {
        let wire = """
            GET /a HTTP/1.1
            Host: h

            POST /b HTTP/1.1
            Host: h
            Content-Length: 3

            xyzGET /c HTTP/1.1
            Host: h


            """.crlf
        let requests = try decodeRequests(wire)
        #expect(requests.map(\.head.path) == ["/a", "/b", "/c"])
        #expect(requests[1].body == Array("xyz".utf8))
    }

    @Test("a chunked body is reassembled and its trailers are dropped")
    func chunked() throws {
        let wire = "POST / HTTP/1.1\nHost: h\nTransfer-Encoding: chunked\n\n5\nhello\n7;name=value;q=\"a b\"\n, world\n0\nChecksum: abc\n\n".crlf
        let requests = try decodeRequests(wire, chunkSize: 3)
        #expect(String(decoding: try #require(requests.first).body, as: UTF8.self) == "hello, world")
        #expect(!requests[0].head.headers.contains("checksum"))
    }

    @Test("the path is percent-decoded, segments separately, and the query is parsed")
    func pathAndQuery() throws {
        let head = try #require(decodeRequests("GET /a%20b/c%2Fd?name=J%C3%BCrgen+K&flag&x=1%262 HTTP/1.1\nHost: h\n\n".crlf).first).head
        #expect(head.path == "/a b/c/d")
        #expect(head.pathSegments == ["a b", "c/d"])
        #expect(head.queryValue("name") == "Jürgen K")
        #expect(head.queryValue("flag") == "")
        #expect(head.queryValue("x") == "1&2")
    }

    @Test("an absolute-form target is routed by its path (RFC 9112 §3.2.2)")
    func absoluteForm() throws {
        let head = try #require(decodeRequests("GET http://example.com:8080/metrics?x=1 HTTP/1.1\nHost: other\n\n".crlf).first).head
        #expect(head.path == "/metrics")
        #expect(head.queryValue("x") == "1")
        let bare = try #require(decodeRequests("GET https://example.com HTTP/1.1\nHost: h\n\n".crlf).first).head
        #expect(bare.path == "/")
    }

    @Test("HTTP/1.0 closes unless keep-alive is asked for; HTTP/1.1 keeps alive unless close")
    func keepAliveRules() throws {
        let old = try decodeRequests("GET / HTTP/1.0\n\n".crlf)[0].head
        #expect(!old.keepAlive)
        let oldKeep = try decodeRequests("GET / HTTP/1.0\nConnection: Keep-Alive\n\n".crlf)[0].head
        #expect(oldKeep.keepAlive)
        let close = try decodeRequests("GET / HTTP/1.1\nHost: h\nConnection: close\n\n".crlf)[0].head
        #expect(!close.keepAlive)
    }

    @Test("empty lines before the request line are ignored (RFC 9112 §2.2)")
    func leadingEmptyLines() throws {
        #expect(try decodeRequests("\n\nGET / HTTP/1.1\nHost: h\n\n".crlf).count == 1)
    }

    @Test("field values keep obs-text and lose surrounding whitespace")
    func fieldValues() throws {
        let wire: [UInt8] = Array("GET / HTTP/1.1\r\nHost: h\r\nX-Name: \t caf".utf8) + [0xC3, 0xA9] + Array(" \t\r\n\r\n".utf8)
        let head = try #require(decodeRequests(wire).first).head
        #expect(head.headers["x-name"] == "café")
    }

    @Test("Expect: 100-continue is seen on 1.1 and ignored on 1.0 (RFC 9110 §10.1.1)")
    func expectContinue() throws {
        var decoder = HTTPRequestDecoder()
        decoder.append(Array("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8))
        guard case .head(let head) = try decoder.next() else { Issue.record("no head"); return }
        #expect(head.expectsContinue)
        #expect(try decoder.next() == nil)  // waits for the body
        #expect(decoder.isReadingBody)
        let old = try decodeRequests("PUT / HTTP/1.0\nExpect: 100-continue\nContent-Length: 2\n\nab".crlf)[0].head
        #expect(!old.expectsContinue)
    }
}

extension HTTPRequestDecoder.Event: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.head(let a), .head(let b)): a.target == b.target
        case (.request(let a, let x), .request(let b, let y)): a.target == b.target && x == y
        default: false
        }
    }
}
