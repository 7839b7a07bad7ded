import Testing
@testable import HTTPServer

/// Each input is only the start of a request: the decoder must refuse it from the bytes given, without waiting for
/// the end of the head (or, on a socket, for the header timeout).
@Suite("Refusing a request at the first byte that makes it invalid")
struct FailFastTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var prefix: [UInt8]
        var status: Int
        var testDescription: String { "\(name) → \(status)" }

        init(_ name: String, _ prefix: String, _ status: Int) {
            self.init(name, Array(prefix.utf8), status)
        }

        init(_ name: String, _ prefix: [UInt8], _ status: Int) {
            self.name = name
            self.prefix = prefix
            self.status = status
        }
    }

    /// The first bytes of a TLS 1.2 ClientHello record: handshake (0x16), version 3.1, length.
    static let clientHello: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03]

    static let cases: [Case] = [
        Case("TLS ClientHello on the plain port", clientHello, 400),
        Case("non-token byte in the method", "GE{", 400),
        Case("request line starting with a space", " GET", 400),
        Case("control byte in the target", "GET /a\u{01}", 400),
        Case("version that cannot become HTTP/", "GET / HTTX", 400),
        Case("major version 2", "GET / HTTP/2", 505),
        Case("major version 0", "GET / HTTP/0", 505),
        Case("version too long", "GET / HTTP/1.10", 400),
        Case("third space in the request line", "GET / HTTP/1.1 ", 400),
        Case("space before the first field line", "GET / HTTP/1.1\r\n ", 400),
        Case("tab before the first field line", "GET / HTTP/1.1\r\n\t", 400),
        Case("obs-fold after a field line", "GET / HTTP/1.1\r\nHost: h\r\n ", 400),
        Case("Content-Length that is not digits", "POST / HTTP/1.1\r\nContent-Length: 1x\r\n", 400),
        Case("Content-Length that overflows", "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n", 400),
        Case("a second identical Content-Length", "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n", 400),
        Case("a Content-Length list of identical values", "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n", 400),
        Case("too many empty lines before the request line", String(repeating: "\r\n", count: HeadScanner.maxLeadingEmptyLines + 1), 400),
    ]

    @Test("is refused before the head is complete", arguments: cases)
    func refusedEarly(_ testCase: Case) {
        var decoder = HTTPRequestDecoder()
        decoder.append(testCase.prefix)
        do {
            let event = try decoder.next()
            Issue.record("not refused; got \(String(describing: event))")
        } catch {
            #expect(error.status.code == testCase.status, "\(error)")
        }
    }

    @Test("a few empty lines before a request are skipped without staying in the buffer")
    func leadingEmptyLinesDoNotAccumulate() throws {
        var decoder = HTTPRequestDecoder()
        decoder.append(Array(String(repeating: "\r\n", count: HeadScanner.maxLeadingEmptyLines).utf8))
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedByteCount == 0)
        decoder.append(Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        #expect(try decoder.next() != nil)
    }

    @Test("a single Content-Length still frames the body")
    func singleContentLength() throws {
        let requests = try decodeRequests("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello")
        #expect(requests.first?.body == Array("hello".utf8))
    }
}
