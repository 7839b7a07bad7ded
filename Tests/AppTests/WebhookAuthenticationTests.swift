import Compression
import DevTools
import Foundation
import Store
import Testing
import TestSupport
@testable import App

/// Each tool's own webhook authentication, end to end through `POST /webhooks/{tool}`: what passes is stored once,
/// what fails is 401 and stores nothing.
@Suite("Webhook authentication per tool, at the route")
struct WebhookAuthenticationTests {
    static let secret = "sim-webhook-secret"

    static func linearBody(sentAt: Date, title: String = "Checkout") -> [UInt8] {
        let stamp = Int64(sentAt.timeIntervalSince1970 * 1000)
        return Array("""
            {"action":"update","type":"Issue","webhookTimestamp":\(stamp),"data":{"id":"9b2d6c1e-3f4a-4b5c-8d6e-7f8091a2b3c4",\
            "identifier":"ENG-9","title":"\(title)","updatedAt":"2026-12-01T10:00:00.000Z","state":{"name":"Todo","type":"unstarted"}}}
            """.utf8)
    }

    @Test("Linear: signed and fresh is 202; one byte changed is 401; signed but 61 s old is 401; only the first is stored")
    func linear() async throws {
        let service = try await ServiceFixture.start(devTool: "linear")
        let url = "http://127.0.0.1:\(service.port)/webhooks/linear"
        func post(_ body: [UInt8], signedAs signed: [UInt8], delivery: String) async throws -> Int {
            let headers = ["Linear-Signature": WebhookSignature.hmacSHA256Hex(secret: Self.secret, body: signed), "Linear-Delivery": delivery, "Linear-Event": "Issue"]
            return try await httpExchange(url, method: "POST", headers: headers, body: Data(body)).status
        }
        let fresh = Self.linearBody(sentAt: .now)
        #expect(try await post(fresh, signedAs: fresh, delivery: "d-1") == 202)
        var changed = fresh
        changed[changed.count / 2] ^= 0x01
        #expect(try await post(changed, signedAs: fresh, delivery: "d-2") == 401)
        let old = Self.linearBody(sentAt: Date.now.addingTimeInterval(-61))
        #expect(try await post(old, signedAs: old, delivery: "d-3") == 401)
        let events = try await service.app.store.events.list(EventFilter())
        #expect(events.map(\.deliveryID) == ["d-1"])
        await service.app.server.shutdown()
        await service.simulators.shutdown()
    }

    @Test("Azure DevOps: the shared secret as Basic password or custom header is 202; a wrong one is 401; the event id is the delivery id")
    func azureDevOps() async throws {
        let service = try await ServiceFixture.start(devTool: "azure-devops")
        let url = "http://127.0.0.1:\(service.port)/webhooks/azure-devops"
        func body(_ id: String) -> Data {
            Data(#"{"id":"\#(id)","eventType":"workitem.updated","resource":{"workItemId":7,"fields":{"System.State":{"newValue":"Active"}}}}"#.utf8)
        }
        func basic(_ password: String) -> [String: String] { ["Authorization": "Basic " + Data("hook:\(password)".utf8).base64EncodedString()] }
        #expect(try await httpExchange(url, method: "POST", headers: basic(Self.secret), body: body("e-1")).status == 202)
        #expect(try await httpExchange(url, method: "POST", headers: ["X-Craft-Sync-Secret": Self.secret], body: body("e-2")).status == 202)
        #expect(try await httpExchange(url, method: "POST", headers: basic("guess"), body: body("e-3")).status == 401)
        #expect(try await httpExchange(url, method: "POST", body: body("e-4")).status == 401)
        // A retry of the same event carries the same id: a duplicate, not a second event.
        #expect(try await httpExchange(url, method: "POST", headers: basic(Self.secret), body: body("e-1")).status == 200)
        let events = try await service.app.store.events.list(EventFilter())
        #expect(Set(events.map(\.deliveryID)) == ["e-1", "e-2"])
        #expect(events.allSatisfy { $0.headers["authorization"] == nil && $0.headers["x-craft-sync-secret"] == nil })
        await service.app.server.shutdown()
        await service.simulators.shutdown()
    }

    @Test("An unauthenticated delivery is refused before its body is read: nothing from the body reaches the log")
    func refusedBeforeTheBodyIsRead() async throws {
        let service = try await ServiceFixture.start(devTool: "azure-devops")
        let url = "http://127.0.0.1:\(service.port)/webhooks/azure-devops"
        // Azure DevOps carries its delivery id in the body: reading it means parsing JSON nobody vouched for.
        let body = Data(#"{"id":"id-from-an-unverified-body","eventType":"workitem.updated","resource":{}}"#.utf8)
        #expect(try await httpExchange(url, method: "POST", headers: ["X-Craft-Sync-Secret": "guess"], body: body).status == 401)
        let refusals = service.logs.lines.filter { $0.contains("delivery refused") }
        #expect(refusals.count == 1)
        #expect(refusals.allSatisfy { $0.contains("127.0.0.1") })
        #expect(!service.logs.lines.contains { $0.contains("id-from-an-unverified-body") })
        await service.app.server.shutdown()
        await service.simulators.shutdown()
    }

    /// 24 MiB of `[1,1,1,…]` in about 24 KB of gzip: what the unauthenticated-work report sent.
    static let bomb: [UInt8] = {
        // Built in one allocation: a loop of appends takes seconds in a debug build and holds a test thread meanwhile.
        let json = Array(("[1" + String(repeating: ",1", count: 12 << 20) + "]").utf8)
        return (try? Zlib.compress(json, framing: .gzip, level: 9)) ?? []
    }()

    @Test("a gzip bomb without the secret in its headers is 401 without being inflated (a corrupt one too)")
    func bombWithoutToken() async throws {
        let service = try await ServiceFixture.start(devTool: "gitlab")
        let url = "http://127.0.0.1:\(service.port)/webhooks/gitlab"
        let gzip = ["Content-Encoding": "gzip", "X-Gitlab-Event": "Issue Hook"]
        #expect(Self.bomb.count < 64 * 1024)
        #expect(try await httpExchange(url, method: "POST", headers: gzip.merging(["X-Gitlab-Token": "guess"]) { $1 }, body: Data(Self.bomb)).status == 401)
        // Not gzip at all: inflating it would have said 400; the token is looked at first.
        #expect(try await httpExchange(url, method: "POST", headers: gzip, body: Data("not gzip".utf8)).status == 401)
        #expect(try await service.app.store.events.list(EventFilter()).isEmpty)
        await service.app.server.shutdown()
        await service.simulators.shutdown()
    }

    @Test("a signed tool's gzip body is checked while inflating: an unsigned bomb is 401, a signed body is stored inflated")
    func signedGzip() async throws {
        let service = try await ServiceFixture.start()
        let url = "http://127.0.0.1:\(service.port)/webhooks/github"
        let headers = ["Content-Encoding": "gzip", "X-GitHub-Event": "issues", "X-GitHub-Delivery": "bomb"]
        let guessed = headers.merging(["X-Hub-Signature-256": "sha256=" + String(repeating: "0", count: 64)]) { $1 }
        // Before, the bomb was inflated whole to be hashed and refused as too large (413); now it is never held.
        #expect(try await httpExchange(url, method: "POST", headers: guessed, body: Data(Self.bomb)).status == 401)

        let body = try fixtureBytes("github/issues_closed_completed.json")
        let signed = headers.merging([
            "X-Hub-Signature-256": "sha256=" + WebhookSignature.hmacSHA256Hex(secret: Self.secret, body: body), "X-GitHub-Delivery": "zipped",
        ]) { $1 }
        #expect(try await httpExchange(url, method: "POST", headers: signed, body: Data(try Zlib.compress(body, framing: .gzip))).status == 202)
        let events = try await service.app.store.events.list(EventFilter())
        #expect(events.map(\.deliveryID) == ["zipped"])
        #expect(try await service.app.store.events.payload(id: try #require(events.first).id) == body)
        await service.app.server.shutdown()
        await service.simulators.shutdown()
    }
}
