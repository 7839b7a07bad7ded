import Foundation
import HTTPServer
import Testing
import TestSupport
@testable import App

/// Who may call what: every route in a group that authenticates its callers, guessing the admin token throttled,
/// the status page only under its own host names, a strong admin token, secrets from files.
@Suite("Access: route groups, sign-in throttling, host names, tokens")
struct AccessTests {
    static let token = "0f6d2c9e4b7a8d1c3e5f7a9b2d4c6e8f"

    @Test("every route is declared in a group, and each one that is not public refuses a request without credentials")
    func everyRouteRefusesStrangers() async throws {
        let service = try await ServiceFixture.start(adminToken: Self.token, opsToken: "ops-token-for-monitoring")
        let declared = service.app.routes
        #expect(declared.map { "\($0.method) \($0.pattern)" } == service.app.registeredRoutes.map { "\($0.method) \($0.pattern)" })
        let open = declared.filter { $0.access == .open || $0.access == .signIn || $0.access == .webhook }.map { "\($0.method) \($0.pattern)" }
        #expect(Set(open) == ["GET /healthz", "GET /ui/style.css", "GET /ui/login", "POST /ui/login", "POST /webhooks/:tool"])
        for route in declared where !open.contains("\(route.method) \(route.pattern)") {
            let path = route.pattern.split(separator: "/").map { $0.hasPrefix(":") ? "1" : String($0) }.joined(separator: "/")
            let url = "http://127.0.0.1:\(service.port)/\(path)"
            let response = try await httpExchange(
                url, method: route.method.rawValue, headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: route.method == .post ? Data("csrf=x".utf8) : nil, literally: true)
            switch route.access {
            case .page:
                #expect(response.status == 303 && response.headers["location"] == "/ui/login", "\(route.method) \(route.pattern)")
            case .adminBearer, .operations, .pageChange:
                #expect(response.status == 401, "\(route.method) \(route.pattern) answered \(response.status)")
            case .open, .signIn, .webhook:
                break
            }
        }
        let webhook = try await httpExchange("http://127.0.0.1:\(service.port)/webhooks/github", method: "POST", body: Data("{}".utf8))
        #expect(webhook.status == 401)
        await service.stop()
    }

    @Test("wrong admin tokens: a few are free, then the address is locked out (429, Retry-After), the form and bearer alike")
    func guessingIsThrottled() async throws {
        let service = try await ServiceFixture.start(adminToken: Self.token)
        let base = "http://127.0.0.1:\(service.port)"
        func signIn(_ token: String) async throws -> TestHTTPResponse {
            try await httpExchange(
                base + "/ui/login", method: "POST", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: Data("token=\(token)".utf8), literally: true)
        }
        #expect(try await signIn(Self.token).status == 303)
        for guess in 0..<5 { #expect(try await signIn("guess-\(guess)").status == 401) }
        #expect(try await signIn("guess-6").status == 401)  // the sixth failure locks the address
        let locked = try await signIn(Self.token)
        #expect(locked.status == 429)
        #expect(Int(locked.headers["retry-after"] ?? "") ?? 0 >= 1)
        // The bearer check shares the lock: the same address cannot move its guessing to the API.
        #expect(try await httpExchange(base + "/api/v1/status", bearer: Self.token).status == 429)
        let lines = service.logs.lines
        #expect(lines.filter { $0.contains("wrong admin token") }.count == 2)  // the first failure, and the lock
        #expect(lines.contains { $0.contains("client locked out") && $0.contains("127.0.0.1") })
        let metrics = String(decoding: service.app.metrics.exposition(), as: UTF8.self)
        #expect(metrics.contains(#"admin_authentication_failures_total{outcome="refused"} 6"#))
        #expect(metrics.contains(#"admin_authentication_failures_total{outcome="throttled"} 2"#))
        #expect(!lines.joined().contains(Self.token))
        await service.stop()
    }

    @Test("the throttle: doubling locks per address, an address that has not failed is never held back, a flood locks at once")
    func throttlePolicy() {
        let clock = TestClock()
        var policy = SignInThrottle.Policy()
        policy.globalFailuresPerMinute = 20
        let throttle = SignInThrottle(policy: policy, clock: clock)
        for _ in 0..<5 { #expect(throttle.failed("203.0.113.7") != .locked(failures: 0, seconds: 0)) }
        #expect(throttle.failed("203.0.113.7") == .locked(failures: 6, seconds: 1))
        #expect(throttle.verdict(for: "203.0.113.7") == .locked(retryAfter: 1))
        #expect(throttle.verdict(for: "198.51.100.1") == .check)
        clock.advance(by: .seconds(1))
        #expect(throttle.verdict(for: "203.0.113.7") == .check)
        #expect(throttle.failed("203.0.113.7") == .locked(failures: 7, seconds: 2))
        clock.advance(by: .seconds(2))
        throttle.succeeded("203.0.113.7")
        #expect(throttle.failed("203.0.113.7") == .counted(failures: 1))
        // Past the global rate, guessing from many addresses locks each at its first failure.
        for address in 0..<20 { _ = throttle.failed("192.0.2.\(address)") }
        #expect(throttle.failed("192.0.2.200") == .locked(failures: 1, seconds: 1))
        #expect(throttle.verdict(for: "198.51.100.1") == .check)
    }

    @Test("the status page answers only under its own names: public_url's host, the listen address, loopback, IP literals")
    func hostNames() async throws {
        let hosts = AllowedHosts(publicURL: "https://sync.example.com", listenHost: "0.0.0.0")
        #expect(hosts.allows("sync.example.com"))
        #expect(hosts.allows("SYNC.example.com:443"))
        #expect(hosts.allows("localhost:8080"))
        #expect(hosts.allows("127.0.0.1:8080"))
        #expect(hosts.allows("[::1]:8080"))
        #expect(hosts.allows("10.1.2.3"))
        #expect(!hosts.allows("rebind.attacker.example"))
        #expect(!hosts.allows("127.0.0.1.attacker.example"))
        #expect(!hosts.allows(nil))

        let service = try await ServiceFixture.start(adminToken: Self.token)
        let url = "http://127.0.0.1:\(service.port)/ui/login"
        #expect(try await httpExchange(url).status == 200)
        #expect(try await httpExchange(url, headers: ["Host": "rebind.attacker.example"]).status == 421)
        #expect(try await httpExchange("http://127.0.0.1:\(service.port)/healthz", headers: ["Host": "rebind.attacker.example"]).status == 200)
        await service.stop()
    }

    @Test("an admin token under 32 characters or of one repeated character is refused at start with how to make one")
    func weakAdminToken() throws {
        for weak in ["admin-token", String(repeating: "a", count: 40)] {
            #expect {
                try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_ADMIN_TOKEN": weak])
            } throws: { error in
                "\(error)".contains("openssl rand -hex 32") && !"\(error)".contains(weak)
            }
        }
        let loaded = try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_ADMIN_TOKEN": Self.token])
        #expect(loaded.configuration.admin.token?.revealed == Self.token)
    }

    @Test("every secret can come from a file named by NAME_FILE, so none needs the environment or the command line")
    func secretsFromFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func file(_ name: String, _ contents: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try contents.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let environment = [
            "CRAFT_SYNC_ADMIN_TOKEN_FILE": try file("admin", Self.token + "\n"),
            "CRAFT_SYNC_DEV_TOOL_WEBHOOK_SECRET_FILE": try file("webhook", "hook-secret\n"),
            "CRAFT_SYNC_CRAFT_API_KEY_FILE": try file("craft", "craft-key"),
            "CRAFT_SYNC_DATABASE_PASSWORD_FILE": try file("database", "pg-secret\r\n"),
        ]
        let configuration = try ConfigurationLoader.load(file: nil, environment: environment).configuration
        #expect(configuration.admin.token?.revealed == Self.token)
        #expect(configuration.devTool.webhookSecret?.revealed == "hook-secret")
        #expect(configuration.craft.apiKey?.revealed == "craft-key")
        #expect(configuration.databasePassword == "pg-secret", "a secret file's final newline is not part of the secret")
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_OPS_TOKEN_FILE": directory.appendingPathComponent("missing").path])
        }
        let warnings = try ConfigurationLoader.load(file: nil, environment: environment).warnings
        #expect(warnings.isEmpty)
    }

    @Test("/readyz and /metrics take ops.token when it is set; admin API answers are never cached")
    func operationsTokenAndNoStore() async throws {
        let service = try await ServiceFixture.start(adminToken: Self.token, opsToken: "ops-token-for-monitoring")
        let base = "http://127.0.0.1:\(service.port)"
        #expect(try await httpExchange(base + "/metrics").status == 401)
        #expect(try await httpExchange(base + "/metrics", bearer: "ops-token-for-monitoring").status == 200)
        #expect(try await httpExchange(base + "/readyz", bearer: "wrong").status == 401)
        #expect(try await httpExchange(base + "/healthz").status == 200)
        let status = try await httpExchange(base + "/api/v1/status", bearer: Self.token)
        #expect(status.status == 200)
        #expect(status.headers["cache-control"] == "no-store")
        await service.stop()
    }

    @Test("with ops.listen, /readyz and /metrics live only on that address; the main one keeps /healthz")
    func operationsOnTheirOwnAddress() async throws {
        let service = try await ServiceFixture.start(adminToken: Self.token, opsListen: true)
        let ops = try #require(service.app.opsServer?.port)
        let main = "http://127.0.0.1:\(service.port)"
        #expect(try await httpExchange(main + "/metrics").status == 404)
        #expect(try await httpExchange(main + "/readyz").status == 404)
        #expect(try await httpExchange(main + "/healthz").status == 200)
        #expect(try await httpExchange("http://127.0.0.1:\(ops)/metrics").status == 200)
        #expect(try await httpExchange("http://127.0.0.1:\(ops)/readyz").status != 404)
        #expect(try await httpExchange("http://127.0.0.1:\(ops)/api/v1/status", bearer: Self.token).status == 404)
        await service.stop()
    }
}
