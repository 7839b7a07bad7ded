import Foundation
import HTTPServer
import Logging
import OutboundHTTP
import Synchronization
import Testing
import TestSupport

/// What a remote server cannot make the outbound client do: buffer without bound, carry credentials to another
/// host, or send them in clear.
@Suite("Outbound calls are guarded against what a remote server answers", .awaitsTeardown)
struct OutboundGuardTests {
    final class Recorder: Sendable {
        let values = Mutex<[String]>([])
    }

    /// A server on an ephemeral loopback port; records the Authorization header of each request it sees.
    final class Remote: Sendable {
        let server: HTTPServer
        let port: Int

        init(_ routes: (inout Router) -> Void = { _ in }) throws {
            var router = Router()
            let recorder = Recorder()
            router.get("/big") { _ in HTTPResponse(body: Array(repeating: 0x61, count: 2 << 20)) }
            router.get("/small") { _ in .text("ok") }
            router.get("/seen") { request in
                recorder.values.withLock { $0.append(request.headers[.authorization] ?? "-") }
                return .text("seen")
            }
            routes(&router)
            var logger = Logger(label: "remote")
            logger.logLevel = .critical
            server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), responder: router, logger: logger)
            port = try server.start()
            seenStorage = recorder
        }

        private let seenStorage: Recorder
        var authorizations: [String] { seenStorage.values.withLock { $0 } }
        func url(_ path: String, host: String = "127.0.0.1") -> URL { URL(string: "http://\(host):\(port)\(path)")! }
    }

    @Test("a response body over the cap is refused, not buffered")
    func bodyCap() async throws {
        let remote = try Remote()
        Teardown.later { await remote.server.shutdown() }
        let client = URLSessionHTTPClient(requestTimeout: 15, maxResponseBytes: 1 << 20)
        await #expect(throws: OutboundError.self) {
            try await client.send(OutboundRequest(url: remote.url("/big"), operation: "get big"))
        }
        let small = try await client.send(OutboundRequest(url: remote.url("/small"), operation: "get small"))
        #expect(small.status == 200)
    }

    @Test("a redirect to another host is not followed, so the credential never reaches it")
    func crossHostRedirect() async throws {
        let target = try Remote()
        let source = try Remote { router in
            router.get("/moved") { _ in
                HTTPResponse(status: HTTPStatus(302, "Found"), headers: [.init("Location"): "http://localhost:\(target.port)/seen"])
            }
        }
        Teardown.later { await source.server.shutdown(); await target.server.shutdown() }
        let client = URLSessionHTTPClient(requestTimeout: 15)
        let response = try await client.send(OutboundRequest(
            url: source.url("/moved"), headers: ["Authorization": "Bearer secret-token"], operation: "follow"))
        #expect(response.status == 302)
        #expect(target.authorizations.isEmpty)
    }

    @Test("a redirect within the same origin is followed")
    func sameOriginRedirect() async throws {
        let remote = try Remote { router in
            router.get("/moved") { _ in HTTPResponse(status: HTTPStatus(302, "Found"), headers: [.init("Location"): "/small"]) }
        }
        Teardown.later { await remote.server.shutdown() }
        let response = try await URLSessionHTTPClient(requestTimeout: 15).send(OutboundRequest(url: remote.url("/moved"), operation: "follow"))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "ok")
    }

    @Test("plain http is refused for any host but this machine", arguments: [
        ("http://api.craft.io/v1", false), ("http://10.0.0.5:8080/", false), ("ftp://127.0.0.1/", false),
        ("http://127.evil.example/", false), ("http://127.0.0.1.nip.example/", false), ("http://[::ffff:127.0.0.1]/", true),
        ("https://api.craft.io/v1", true), ("http://127.0.0.1:9000/", true), ("http://localhost/", true), ("http://[::1]:80/", true),
    ])
    func httpsRequired(_ address: String, _ allowed: Bool) {
        #expect((OutboundURLPolicy.refusal(for: URL(string: address)!) == nil) == allowed)
    }

    @Test("Retry-After is range-checked: absurd waits are capped, negative ones ignored")
    func retryAfterRangeChecked() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(RetryAfter.parse("99999999999999999999999", now: now) == .seconds(86_400))
        #expect(RetryAfter.parse("120", now: now) == .seconds(120))
        #expect(RetryAfter.parse("Fri, 31 Dec 9999 23:59:59 GMT", now: now) == .seconds(86_400))
        #expect(RetryAfter.parse("-3", now: now) == nil)
    }
}
