import Testing
@testable import HTTPServer

/// Each case is one rule of RFC 9112 / RFC 9110, on raw bytes, with the status the client must get.
@Suite("Refusing malformed requests")
struct RequestRejectionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var wire: String
        var status: Int
        var testDescription: String { "\(name) → \(status)" }
    }

    static let cases: [Case] = [
        // RFC 9112 §6.1 / §6.3
        Case(name: "Content-Length with Transfer-Encoding", wire: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400),
        Case(name: "differing Content-Length lines", wire: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", status: 400),
        Case(name: "differing Content-Length list", wire: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\n", status: 400),
        Case(name: "signed Content-Length", wire: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\n", status: 400),
        Case(name: "negative Content-Length", wire: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", status: 400),
        Case(name: "hex Content-Length", wire: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n", status: 400),
        Case(name: "empty Content-Length", wire: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n", status: 400),
        Case(name: "overflowing Content-Length", wire: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n", status: 400),
        Case(name: "final transfer coding not chunked", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", status: 400),
        Case(name: "unknown transfer coding alone", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n", status: 400),
        Case(name: "chunked applied twice", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400),
        Case(name: "Transfer-Encoding in HTTP/1.0", wire: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", status: 400),
        Case(name: "a transfer coding we do not implement before chunked", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", status: 501),
        // RFC 9112 §5.1 / §5.2, RFC 9110 §5.5
        Case(name: "whitespace between field name and colon", wire: "GET / HTTP/1.1\r\nHost : h\r\n\r\n", status: 400),
        Case(name: "tab between field name and colon", wire: "GET / HTTP/1.1\r\nHost: h\r\nX-A\t: 1\r\n\r\n", status: 400),
        Case(name: "obs-fold", wire: "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n 2\r\n\r\n", status: 400),
        Case(name: "bare CR in a field value", wire: "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r2\r\n\r\n", status: 400),
        Case(name: "NUL in a field value", wire: "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\u{0}2\r\n\r\n", status: 400),
        Case(name: "DEL in a field value", wire: "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\u{7F}\r\n\r\n", status: 400),
        Case(name: "escape character in a field value", wire: "GET / HTTP/1.1\r\nHost: h\r\nX-A: \u{1B}[31m\r\n\r\n", status: 400),
        Case(name: "field without colon", wire: "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", status: 400),
        Case(name: "empty field name", wire: "GET / HTTP/1.1\r\nHost: h\r\n: value\r\n\r\n", status: 400),
        Case(name: "field name with a non-token character", wire: "GET / HTTP/1.1\r\nHost: h\r\nX(A): 1\r\n\r\n", status: 400),
        // RFC 9112 §2.2: CRLF only
        Case(name: "bare LF ending the request line", wire: "GET / HTTP/1.1\nHost: h\r\n\r\n", status: 400),
        Case(name: "bare LF ending a field", wire: "GET / HTTP/1.1\r\nHost: h\n\r\n", status: 400),
        Case(name: "bare LF ending the head", wire: "GET / HTTP/1.1\r\nHost: h\r\n\n", status: 400),
        Case(name: "bare CR in the request line", wire: "GET /\r HTTP/1.1\r\nHost: h\r\n\r\n", status: 400),
        // RFC 9112 §3.2
        Case(name: "HTTP/1.1 without Host", wire: "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", status: 400),
        Case(name: "two Host fields", wire: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: 400),
        Case(name: "Host with a space", wire: "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", status: 400),
        Case(name: "Host with a slash", wire: "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", status: 400),
        // RFC 9112 §3 and §2.3
        Case(name: "unknown major version", wire: "GET / HTTP/2.0\r\nHost: h\r\n\r\n", status: 505),
        Case(name: "HTTP/0.9-style version", wire: "GET / HTTP/0.9\r\nHost: h\r\n\r\n", status: 505),
        Case(name: "malformed version", wire: "GET / HTTP/1.1.1\r\nHost: h\r\n\r\n", status: 400),
        Case(name: "lowercase protocol name", wire: "GET / http/1.1\r\nHost: h\r\n\r\n", status: 400),
        Case(name: "missing version", wire: "GET /\r\nHost: h\r\n\r\n", status: 400),
        Case(name: "method with a non-token character", wire: "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", status: 400),
        Case(name: "two spaces in the request line", wire: "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", status: 400),
        Case(name: "tab in the request line", wire: "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", status: 400),
        Case(name: "relative target", wire: "GET index.html HTTP/1.1\r\nHost: h\r\n\r\n", status: 400),
        Case(name: "asterisk target without OPTIONS", wire: "GET * HTTP/1.1\r\nHost: h\r\n\r\n", status: 400),
        Case(name: "malformed percent escape", wire: "GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n", status: 400),
        Case(name: "percent-encoded NUL", wire: "GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n", status: 400),
        Case(name: "fragment in target", wire: "GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", status: 400),
        // RFC 9110 §10.1.1
        Case(name: "unsupported expectation", wire: "GET / HTTP/1.1\r\nHost: h\r\nExpect: magic\r\n\r\n", status: 417),
        // RFC 9112 §7.1: chunked framing
        Case(name: "chunk size not hex", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", status: 400),
        Case(name: "chunk size with sign", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n", status: 400),
        Case(name: "overflowing chunk size", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n", status: 400),
        Case(name: "chunk data without CRLF", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", status: 400),
        Case(name: "chunk extension without name", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;\r\nabc\r\n0\r\n\r\n", status: 400),
        Case(name: "chunk extension with junk", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3 x\r\nabc\r\n0\r\n\r\n", status: 400),
        Case(name: "chunk extension with unterminated quote", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;a=\"b\r\nabc\r\n0\r\n\r\n", status: 400),
        Case(name: "chunk extension with empty value", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;a=\r\nabc\r\n0\r\n\r\n", status: 400),
        Case(name: "bare LF after chunk size", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", status: 400),
        Case(name: "obs-fold in a trailer", wire: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\n b\r\n\r\n", status: 400),
    ]

    @Test("is answered with the status its rule demands", arguments: cases)
    func rejected(_ testCase: Case) {
        let error = decodeError(testCase.wire)
        #expect(error?.status.code == testCase.status, "\(String(describing: error))")
    }

    @Test("a declared length over the limit is refused from the head, before any body (→ 413)")
    func declaredLengthTooLarge() {
        var limits = HTTPLimits()
        limits.body = 100
        var decoder = HTTPRequestDecoder(limits: limits)
        decoder.append(Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n".utf8))
        #expect(throws: HTTPParseError.bodyTooLarge(limit: 100)) { try decoder.next() }
    }

    @Test("a chunked body is counted as it arrives and refused once over the limit (→ 413)")
    func chunkedTooLarge() {
        var limits = HTTPLimits()
        limits.body = 10
        let error = decodeError("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\n", limits: limits)
        #expect(error == .bodyTooLarge(limit: 10))
    }

    /// Once killed the process (an overflow trap in `body.count + size`): sizes near Int.max after a first chunk.
    @Test("a chunk size near Int.max after some body is refused, not trapped (→ 413)", arguments: [
        "7fffffffffffffff", "7ffffffffffffffe", "7fffffffffffff00", "4000000000000000",
    ])
    func nearOverflowChunkSize(_ size: String) {
        let wire = "POST /webhooks/github HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n\(size)\r\n"
        #expect(decodeError(wire) == .bodyTooLarge(limit: HTTPLimits().body))
    }

    @Test("a request line over the limit is refused before its end arrives (→ 414)")
    func requestLineTooLong() {
        var limits = HTTPLimits()
        limits.requestLine = 64
        let error = decodeError("GET /" + String(repeating: "a", count: 100), limits: limits)
        #expect(error?.status == .uriTooLong)
    }

    @Test("a header section over the byte limit or field count is refused (→ 431)")
    func headerSectionTooLarge() {
        var limits = HTTPLimits()
        limits.headerSection = 200
        let big = "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + String(repeating: "a", count: 300)
        #expect(decodeError(big, limits: limits)?.status == .requestHeaderFieldsTooLarge)

        limits = HTTPLimits()
        limits.headerFields = 5
        let many = "GET / HTTP/1.1\r\nHost: h\r\n" + (0..<6).map { "X-\($0): 1\r\n" }.joined() + "\r\n"
        #expect(decodeError(many, limits: limits) == .tooManyHeaderFields(limit: 5))
    }

    @Test("a chunk extension over its limit is refused")
    func chunkExtensionTooLong() {
        var limits = HTTPLimits()
        limits.chunkExtension = 16
        let wire = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;" + String(repeating: "a", count: 40) + "\r\n"
        #expect(decodeError(wire, limits: limits) == .chunkExtensionTooLong(limit: 16))
    }

    @Test("after an error the decoder keeps failing instead of resynchronising")
    func staysFailed() {
        var decoder = HTTPRequestDecoder()
        decoder.append(Array("GET / HTTP/1.1\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        #expect(throws: HTTPParseError.bareLineFeed) { try decoder.next() }
        #expect(throws: HTTPParseError.bareLineFeed) { try decoder.next() }
    }
}

@Suite("Results do not depend on how bytes are split across reads")
struct SplitIndependenceTests {
    /// Found by the fuzzer: a CR at the end of one read was never checked against the next read's first byte.
    @Test("a bare CR split from the byte after it is still refused", arguments: [
        "\r\u{0C}\u{18}", "GET / HTTP/1.1\r\nHost: h\rX\r\n\r\n", "GET /\rx HTTP/1.1\r\n\r\n",
    ])
    func bareCarriageReturnAcrossReads(_ wire: String) {
        let bytes = Array(wire.utf8)
        for split in 1..<bytes.count {
            var decoder = HTTPRequestDecoder()
            decoder.append(bytes[..<split])
            var failed = false
            do {
                while try decoder.next() != nil {}
                decoder.append(bytes[split...])
                while try decoder.next() != nil {}
            } catch {
                failed = true
            }
            #expect(failed, "split at \(split)")
        }
    }
}
