import DevTools
import OutboundHTTP
import CraftAPI
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Simulators
import Store
import Testing
@testable import App
@testable import SimulatorCommands
import TestSupport

@Suite("POST /webhooks/{tool}")
struct WebhookRouteTests {
    @Test("a signed delivery is stored byte for byte and answered 202; the same delivery again is 200 and changes nothing")
    func acceptedOnce() async throws {
        let service = try await ServiceFixture.start()
        let body = try fixtureBytes("github/issues_closed_completed.json")
        let (status, text) = try await service.postWebhook(body: body, secret: "sim-webhook-secret")
        #expect(status == 202)
        #expect(text.contains(#""status":"accepted""#))
        let (again, againText) = try await service.postWebhook(body: body, secret: "sim-webhook-secret")
        #expect(again == 200)
        #expect(againText.contains("duplicate"))
        let events = try await service.app.store.events.list(EventFilter())
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.eventType == "issues.closed")
        #expect(event.headers["x-github-delivery"] == "d-1")
        #expect(event.headers["x-hub-signature-256"] != nil)
        #expect(try await service.app.store.events.payload(id: event.id) == body)
        await service.app.server.shutdown()
        await service.simulators.shutdown()
    }

    @Test("a missing or wrong signature is 401, stores nothing, counts, and logs the first delivery from a client, not the secret")
    func refused() async throws {
        let service = try await ServiceFixture.start()
        let body = try fixtureBytes("github/issues_closed_completed.json")
        #expect(try await service.postWebhook(body: body, secret: nil, delivery: "d-missing").0 == 401)
        #expect(try await service.postWebhook(body: body, secret: "wrong-secret", delivery: "d-wrong").0 == 401)
        #expect(try await service.app.store.events.list(EventFilter()).isEmpty)
        let logged = service.logs.lines.joined()
        #expect(logged.contains("d-missing"))
        // Repeated refusals from one client are summarised: one line a minute, with a count.
        #expect(!logged.contains("d-wrong"))
        #expect(service.logs.lines.filter { $0.contains("delivery refused") }.count == 1)
        #expect(!logged.contains("sim-webhook-secret"))
        #expect(!logged.contains(WebhookSignature.hmacSHA256Hex(secret: "sim-webhook-secret", body: body)))
        #expect(String(decoding: service.app.metrics.exposition(), as: UTF8.self).contains(#"webhook_deliveries_total{tool="github",outcome="unauthorized"} 2"#))
        await service.app.server.shutdown()
        await service.simulators.shutdown()
    }

    @Test("GitHub signs only the body: the same signed body under a new delivery id is a replay, answered 200 and not stored again")
    func replayedBody() async throws {
        let service = try await ServiceFixture.start()
        let closed = try fixtureBytes("github/issues_closed_completed.json")
        let reopened = Array(String(decoding: closed, as: UTF8.self).replacingOccurrences(of: "\"action\": \"closed\"", with: "\"action\": \"reopened\"").utf8)
        #expect(try await service.postWebhook(body: closed, secret: "sim-webhook-secret", delivery: "close").0 == 202)
        #expect(try await service.postWebhook(body: reopened, secret: "sim-webhook-secret", delivery: "reopen").0 == 202)
        // Someone who captured the close sends it again after the reopen, under a fresh delivery id.
        let (status, text) = try await service.postWebhook(body: closed, secret: "sim-webhook-secret", delivery: "replayed-close")
        #expect(status == 200)
        #expect(text.contains("duplicate"))
        let events = try await service.app.store.events.list(EventFilter())
        #expect(events.map(\.deliveryID).sorted() == ["close", "reopen"])
        await service.stop()
    }

    @Test("during a rotation both the new and the previous secret are accepted")
    func rotation() async throws {
        let service = try await ServiceFixture.start(previousSecret: "old-secret")
        let body = try fixtureBytes("github/issues_closed_completed.json")
        #expect(try await service.postWebhook(body: body, secret: "old-secret", delivery: "a").0 == 202)
        // Another event (the same body again would be a replay): a trailing newline is enough to differ.
        #expect(try await service.postWebhook(body: body + [0x0A], secret: "sim-webhook-secret", delivery: "b").0 == 202)
        await service.app.server.shutdown()
        await service.simulators.shutdown()
    }

    @Test("a tool that is not configured is 404")
    func unknownTool() async throws {
        let service = try await ServiceFixture.start()
        #expect(try await service.postWebhook(tool: "jira", body: try fixtureBytes("github/issues_closed_completed.json"), secret: "sim-webhook-secret").0 == 404)
        await service.app.server.shutdown()
        await service.simulators.shutdown()
    }

    @Test("the admin replay endpoints need the bearer token and queue dead events")
    func adminReplay() async throws {
        let service = try await ServiceFixture.start(adminToken: "admin-secret-token")
        let (app, port) = (service.app, service.port)
        _ = try await app.store.events.append(IncomingEvent(tool: "github", deliveryID: "x", eventType: "issues", receivedAt: .now, body: [1]))
        try await app.store.events.markDead(id: 1, error: "boom", now: .now)

        func call(_ path: String, token: String?) async throws -> Int {
            try await httpExchange("http://127.0.0.1:\(port)\(path)", method: "POST", bearer: token).status
        }
        #expect(try await call("/api/v1/events/replay-dead", token: nil) == 401)
        #expect(try await call("/api/v1/events/replay-dead", token: "wrong") == 401)
        #expect(try await call("/api/v1/events/99/replay", token: "admin-secret-token") == 404)
        #expect(try await call("/api/v1/events/replay-dead", token: "admin-secret-token") == 202)
        #expect(try await app.store.events.event(id: 1)?.state == .received)
        await app.server.shutdown()
        await service.simulators.shutdown()
    }
}

@Suite("Webhook deliveries under stress and misbehaviour")
struct WebhookDeliveryTests {
    @Test("100 copies of one delivery, 20 at a time: one event, one 202, one Craft write")
    func hundredCopies() async throws {
        let service = try await ServiceFixture.start()
        let body = try fixtureBytes("github/issues_closed_completed.json")
        // Link the fixture's issue to a Craft item so the event has somewhere to go.
        let item = service.simulators.craft.seed(.init(workspaceId: "ws-demo", title: "x", status: "Ready for Development"))
        guard case .claimed(let mapping) = try await service.app.store.mappings.claim(
            workspaceID: "ws-demo", craftItemID: item.id, devToolKind: "github", devToolInstance: "github", contentHash: nil, holder: .test, now: .now)
        else { Issue.record("no claim"); return }
        #expect(try await service.app.store.mappings.linkClaim(id: mapping.id, holder: .test, devIssueID: "1299020697", key: "k", url: nil, contentHash: nil, now: .now))

        var statuses: [Int] = []
        for _ in 0..<5 {
            statuses += try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<20 { group.addTask { try await service.postWebhook(body: body, secret: "sim-webhook-secret", delivery: "same").0 } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(statuses.filter { $0 == 202 }.count == 1)
        #expect(statuses.filter { $0 == 200 }.count == 99)
        #expect(try await service.app.store.events.list(EventFilter()).count == 1)
        await service.app.progress?.processDue()
        await service.app.progress?.processDue()
        #expect(service.simulators.craft.updates.map(\.value) == ["Done"])
        await service.app.server.shutdown()
        await service.simulators.shutdown()
    }

    @Test("one changed byte in the body or the signature is refused with 401")
    func oneByte() async throws {
        let service = try await ServiceFixture.start()
        let body = try fixtureBytes("github/issues_closed_completed.json")
        var tampered = body
        tampered[body.count / 3] ^= 0x20
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(service.port)/webhooks/github")!)
        request.httpMethod = "POST"
        request.setValue("issues", forHTTPHeaderField: "X-GitHub-Event")
        request.setValue("one-byte", forHTTPHeaderField: "X-GitHub-Delivery")
        let signature = "sha256=" + WebhookSignature.hmacSHA256Hex(secret: "sim-webhook-secret", body: body)
        request.setValue(signature, forHTTPHeaderField: "X-Hub-Signature-256")
        request.httpBody = Data(tampered)
        #expect(((try await URLSession.shared.data(for: request)).1 as? HTTPURLResponse)?.statusCode == 401)
        var badSignature = Array(signature.utf8)
        badSignature[badSignature.count - 1] = badSignature.last == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        request.setValue(String(decoding: badSignature, as: UTF8.self), forHTTPHeaderField: "X-Hub-Signature-256")
        request.httpBody = Data(body)
        #expect(((try await URLSession.shared.data(for: request)).1 as? HTTPURLResponse)?.statusCode == 401)
        request.setValue(signature, forHTTPHeaderField: "X-Hub-Signature-256")
        #expect(((try await URLSession.shared.data(for: request)).1 as? HTTPURLResponse)?.statusCode == 202)
        await service.app.server.shutdown()
        await service.simulators.shutdown()
    }

    @Test("the simulated GitHub's duplicate and out-of-order deliveries leave Craft.io at the newest state")
    func misbehavingSender() async throws {
        let service = try await ServiceFixture.start()
        let github = GitHubAdapter(
            baseURL: service.simulators.baseURL, owner: "acme", repository: "product", token: GitHubSimulator.Account.token,
            http: URLSessionHTTPClient())
        let item = service.simulators.craft.seed(.init(workspaceId: "ws-demo", title: "x", status: "Ready for Development"))
        let issue = try await github.create(NewIssue(title: "x", description: "", marker: github.marker(for: item.id)))
        guard case .claimed(let mapping) = try await service.app.store.mappings.claim(
            workspaceID: "ws-demo", craftItemID: item.id, devToolKind: "github", devToolInstance: "github", contentHash: nil, holder: .test, now: .now)
        else { Issue.record("no claim"); return }
        #expect(try await service.app.store.mappings.linkClaim(id: mapping.id, holder: .test, devIssueID: issue.id, key: issue.key, url: nil, contentHash: nil, now: .now))
        service.simulators.webhooks.configure(target: "http://127.0.0.1:\(service.port)", secret: "sim-webhook-secret")

        // The close is held back and arrives after the later reopen, and the reopen arrives twice.
        service.simulators.webhooks.misbehave(.init(duplicateNext: 0, holdNext: 1))
        await service.simulators.github.setState(number: 1, state: "closed", reason: "completed")
        service.simulators.webhooks.misbehave(.init(duplicateNext: 1))
        // Two seconds later: GitHub's updated_at has one-second resolution.
        await service.simulators.github.setState(number: 1, state: "open", reason: "reopened", at: .now.addingTimeInterval(2))

        let deliveries = service.simulators.webhooks.deliveries
        #expect(deliveries.compactMap(\.status).sorted() == [200, 202, 202], "\(deliveries.map { "\($0.status.map(String.init) ?? "-") \($0.error ?? "")" })")
        while try await service.app.store.events.due(now: .now, limit: 10).count > 0 { await service.app.progress?.processDue() }
        #expect(service.simulators.craft.items.first?.customFieldValue("dev_status") == "To Do")
        await service.app.server.shutdown()
        await service.simulators.shutdown()
    }

    @Test("intake stopped for a tool (its creates lose their marker) makes /readyz 503 and shows in the status endpoint")
    func intakeStopShown() async throws {
        let service = try await ServiceFixture.start(adminToken: "admin-token")
        service.simulators.github.setPushAccess(false)
        service.simulators.craft.seed(.init(workspaceId: "ws-demo", title: "x", status: "Ready for Development"))
        _ = await service.app.scheduler?.runAll(trigger: "test")

        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(service.port)/readyz")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 503)
        #expect(String(decoding: data, as: UTF8.self).contains("push (write) access"))
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(service.port)/api/v1/status")!)
        request.setValue("Bearer admin-token", forHTTPHeaderField: "Authorization")
        let status = try JSONSerialization.jsonObject(with: try await URLSession.shared.data(for: request).0) as? [String: Any]
        #expect((status?["intakeStopped"] as? [String: String])?["github"] != nil)
        await service.app.server.shutdown()
        await service.simulators.shutdown()
    }

    @Test("a Craft.io key without the write scope makes /readyz 503 naming the scope, and shows in the status endpoint")
    func keyMissingScope() async throws {
        let service = try await ServiceFixture.start(adminToken: "admin-token", craftDialect: .openapi)
        service.simulators.craft.setScopes(["read:items:craft"])
        await service.app.craftKey?.check()
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(service.port)/readyz")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 503)
        #expect(String(decoding: data, as: UTF8.self).contains("write:items:craft"))
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(service.port)/api/v1/status")!)
        request.setValue("Bearer admin-token", forHTTPHeaderField: "Authorization")
        let status = try JSONSerialization.jsonObject(with: try await URLSession.shared.data(for: request).0) as? [String: Any]
        #expect(((status?["craftKey"] as? [String: Any])?["missingScopes"] as? [String]) == ["write:items:craft"])

        service.simulators.craft.setScopes(["read:items:craft", "write:items:craft"])
        await service.app.craftKey?.check()
        let (_, healthy) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(service.port)/readyz")!)
        #expect((healthy as? HTTPURLResponse)?.statusCode == 200)
        await service.app.server.shutdown()
        await service.simulators.shutdown()
    }

    /// Earlier: one value without an option made /readyz 503, so a load balancer stopped every webhook, the valid
    /// values' too.
    @Test("status values a select field lacks degrade only those values: /readyz stays 200 and names them; a missing field is 503")
    func misconfiguredField() async throws {
        let service = try await ServiceFixture.start(craftDialect: .openapi)
        service.simulators.craft.makeSelect(field: "dev_status", options: ["To Do", "Done"])
        await service.app.craftKey?.check()
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(service.port)/readyz")!)
        let text = String(decoding: data, as: UTF8.self)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        // GitHub's defaults use To Do, In Progress, In Review, Done and Won't Do: the options lack three.
        #expect(text.contains("unwritable value") && text.contains("Won't Do") && text.contains("In Progress") && text.contains("In Review"), "\(text)")
        #expect(!text.contains("'Done'"))
        // The values it has are written as ever.
        let body = try fixtureBytes("github/issues_closed_completed.json")
        #expect(try await service.postWebhook(body: body, secret: "sim-webhook-secret").0 == 202)
        await service.app.server.shutdown()
        await service.simulators.shutdown()

        var configuration = service.app.configuration
        configuration.craft.progressField = "no_such_field"
        configuration.database = temporaryDatabase("f")
        let simulators = SimulatorServer()
        let port = try simulators.start()
        configuration.craft.baseURL = "http://127.0.0.1:\(port)"
        configuration.devTool.baseURL = "http://127.0.0.1:\(port)"
        let app = try Application(configuration: configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let result = await app.craftKey?.check()
        #expect(result?.fieldProblems.first?.contains("craft.progress_field 'no_such_field'") == true)
        await simulators.shutdown()
    }
}

extension LeaseHolder {
    /// The holder of the claims a test makes by hand.
    static let test = LeaseHolder(host: "test", pid: 0, run: "test")
}
