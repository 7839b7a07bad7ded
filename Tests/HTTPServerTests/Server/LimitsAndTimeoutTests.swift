#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import HTTPServer

@Suite("Timeouts and connection limits on a live socket")
struct LimitsAndTimeoutTests {
    // Each timeout's decision is tested with an injected clock (ConnectionLogicTests); IOBackendTests shows a
    // deadline firing on a real socket for each backend.
    @Test("a chunk size near Int.max gets 413 and the server keeps serving")
    func nearOverflowChunkSizeOnTheWire() async throws {
        try await withServer { _, port in
            let attacker = try await RawClient.connect(port: port)
            try await attacker.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n7fffffffffffffff\r\n")
            #expect(try await attacker.readResponse().status == 413)
            let next = try await RawClient.connect(port: port)
            try await next.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await next.readResponse().text == "hello")
        }
    }

    @Test("a TLS ClientHello sent to the plain port is answered 400 at once, long before the header timeout")
    func tlsOnPlainPort() async throws {
        try await withServer(configure: { $0.headerTimeout = .seconds(60) }) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send(FailFastTests.clientHello)
            #expect(try await client.readResponse().status == 400)
            try await client.expectClosed()
        }
    }

    @Test("a silent client does not delay anyone else")
    func slowClientIsolation() async throws {
        try await withServer { _, port in
            let slow = try await RawClient.connect(port: port)
            try await slow.send("GET /hel")
            let fast = try await RawClient.connect(port: port)
            try await fast.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await fast.readResponse().text == "hello")
        }
    }

    @Test("connections past the cap wait in the backlog until one closes")
    func connectionCap() async throws {
        try await withServer(configure: { $0.maxConnections = 1 }) { server, port in
            let first = try await RawClient.connect(port: port)
            try await first.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try await first.readResponse().status == 200)
            #expect(server.openConnectionCount == 1)

            let second = try await RawClient.connect(port: port, timeout: 1)  // the kernel completes the handshake
            try await second.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            await #expect(throws: RawClient.ClientError.self) { try await second.readResponse() }  // not accepted yet

            try await first.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            _ = try await first.readResponse()
            try await first.expectClosed()
            first.close()
            #expect(try await second.readResponse().text == "hello")
        }
    }

    @Test("a request body over the limit sent chunked gets 413")
    func chunkedOverLimit() async throws {
        try await withServer(configure: { $0.limits.body = 8 }) { _, port in
            let client = try await RawClient.connect(port: port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n")
            #expect(try await client.readResponse().status == 413)
            try await client.expectClosed()
        }
    }
}

@Suite("The connection cap fits the open-file limit")
struct DescriptorLimitTests {
    @Test("a cap the hard limit cannot hold is lowered to fit, with room kept for the process's own files")
    func capLoweredToFit() {
        var limit = rlimit()
        #expect(getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0)
        let hard = Int(clamping: limit.rlim_max)
        let outcome = DescriptorLimit.fit(maxConnections: Int.max)
        #expect(outcome.lowered)
        #expect(outcome.maxConnections <= outcome.softLimit - DescriptorLimit.reserved)
        // The soft limit was raised as far as allowed (an unlimited hard limit cannot be reached).
        if limit.rlim_max != rlim_t.max { #expect(outcome.softLimit == hard) }
        #expect(outcome.softLimit >= Int(clamping: limit.rlim_cur))
    }

    @Test("a cap that fits is kept")
    func capKept() {
        let outcome = DescriptorLimit.fit(maxConnections: 16)
        #expect(!outcome.lowered)
        #expect(outcome.maxConnections == 16)
    }
}
