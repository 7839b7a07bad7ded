import DevTools
import Foundation
import OutboundHTTP
import Simulators
import Support
import Store
import Testing
import TestSupport
@testable import SyncEngine

/// Linear on the published payloads (byte for byte) and on its simulator: the same guarantees as GitHub's, with
/// exactly-once from our own issue ids instead of a marker search.
@Suite("Linear", .awaitsTeardown)
struct LinearTests {
    /// The published payloads' `webhookTimestamp` (2023): a clock set near it, so the replay check can be exercised.
    static func clock(atWebhookTimestampOf file: String, plus seconds: Double = 0) throws -> TestClock {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(try fixtureBytes(file))) as? [String: Any])
        let stamp = try #require(object["webhookTimestamp"] as? Int64)
        return TestClock(now: Date(timeIntervalSince1970: Double(stamp) / 1000 + seconds))
    }

    static func adapter(clock: TestClock) -> LinearAdapter {
        LinearAdapter(baseURL: URL(string: "https://api.linear.app")!, teamID: "t", apiKey: "k", clock: clock, http: URLSessionHTTPClient())
    }

    @Test("published Issue payloads parse to the state (name and type), the stable id, order and key", arguments: [
        ("linear/SYNTHETIC_issue_update_state_todo_to_inprogress.json", "In Progress", "started"),
        ("linear/issue_create_simple.json", "Todo", "unstarted"),
        ("linear/issue_update_title.json", "In Progress", "started"),
    ] as [(String, String?, String?)])
    func publishedPayloads(_ file: String, _ state: String?, _ type: String?) throws {
        let adapter = Self.adapter(clock: TestClock())
        let event = try adapter.parseWebhook(headers: ["linear-event": "Issue"], body: try fixtureBytes(file))
        guard case .issue(let change) = event else { Issue.record("got \(event)"); return }
        if let state { #expect(change.status.name == state && change.status.detail == type) }
        #expect(UUID(uuidString: change.issueID) != nil)
        #expect(change.order != nil && change.key.contains("-"))
        #expect(StatusMapping().craftValue(for: change.status, of: adapter) != nil)
    }

    @Test("a removed issue is deleted; a comment is ignored")
    func removeAndComment() throws {
        let adapter = Self.adapter(clock: TestClock())
        guard case .deleted = try adapter.parseWebhook(headers: [:], body: try fixtureBytes("linear/issue_remove.json")) else {
            Issue.record("remove is not a deletion"); return
        }
        guard case .ignored = try adapter.parseWebhook(headers: [:], body: try fixtureBytes("linear/comment_create_unrelated.json")) else {
            Issue.record("a comment is not ignored"); return
        }
    }

    @Test("Linear-Signature over the raw bytes with either secret, within 60 s of webhookTimestamp; one byte changed or 61 s late is refused")
    func signatureAndReplay() throws {
        let file = "linear/issue_update_title.json"
        let body = try fixtureBytes(file)
        let signature = WebhookSignature.hmacSHA256Hex(secret: "new", body: body)
        let fresh = Self.adapter(clock: try Self.clock(atWebhookTimestampOf: file, plus: 30))
        #expect(fresh.verifyWebhook(headers: ["linear-signature": signature], body: body, secrets: ["old", "new"]))
        var changed = body
        changed[changed.count / 2] ^= 0x01
        #expect(!fresh.verifyWebhook(headers: ["linear-signature": signature], body: changed, secrets: ["old", "new"]))
        #expect(!fresh.verifyWebhook(headers: [:], body: body, secrets: ["new"]))
        let late = Self.adapter(clock: try Self.clock(atWebhookTimestampOf: file, plus: 61))
        #expect(!late.verifyWebhook(headers: ["linear-signature": signature], body: body, secrets: ["new"]))
        #expect(fresh.deliveryID(headers: ["linear-delivery": "d"], body: body) == "d")
        #expect(fresh.eventType(headers: ["linear-event": "Issue"], body: body) == "Issue.update")
        #expect(!fresh.webhookHeadersKept.contains { "linear-signature".hasPrefix($0) })
    }

    @Test("our id is the marker: the same item always names the same UUID, create uses it, find and read see it")
    func adapter() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let marker = fixture.linear.marker(for: "1001")
        #expect(marker == fixture.linear.marker(for: "1001") && marker != fixture.linear.marker(for: "1002"))
        #expect(UUID(uuidString: marker) != nil)
        #expect(try await fixture.linear.find(marker: marker) == nil)
        let created = try await fixture.linear.create(NewIssue(title: "Checkout", description: "Why", priority: "High", marker: marker))
        #expect(fixture.simulators.linear.issues.first?.priority == "2")
        #expect(created.id == marker && created.key == "ENG-1")
        #expect(try await fixture.linear.find(marker: marker)?.id == marker)
        let read = try await fixture.linear.issue(DevIssueReference(id: created.id, key: created.key))
        #expect(read.status.name == "Todo" && read.status.detail == "unstarted" && read.updatedAt != nil)
        // A second create with the same id is refused by Linear: it can never make a second issue.
        await #expect(throws: DevToolError.self) { _ = try await fixture.linear.create(NewIssue(title: "Again", description: "", marker: marker)) }
        #expect(fixture.simulators.linear.issues.count == 1)
    }

    @Test("every simulated fault still ends with exactly one Linear issue per item", arguments: [
        FaultInjector.Fault(target: "linear", failNext: 2, status: 502),
        FaultInjector.Fault(target: "linear", failNext: 2, status: 429, retryAfter: "1"),
        FaultInjector.Fault(target: "linear", failAfterCreate: 2),
        FaultInjector.Fault(target: "linear", resetAfterCreate: 2),
    ])
    func exactlyOnce(_ fault: FaultInjector.Fault) async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let items = fixture.seed(5)
        fixture.simulators.faults.set(fault)
        let report = await fixture.engine(settings: IntakeSettings(concurrency: 2, createAttempts: 5)).run(fixture.target(fixture.linear), trigger: "test")
        #expect(report.counts.created == 5, "skipped \(report.skipped), failed \(report.failed)")
        let ids = fixture.simulators.linear.issues.map(\.id)
        #expect(Set(ids) == Set(items.map { fixture.linear.marker(for: $0.id) }) && ids.count == 5)
    }

    @Test("a state change in Linear reaches Craft.io by webhook, and a missed one by reconciliation")
    func progress() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let items = fixture.seed(2)
        _ = await fixture.engine().run(fixture.target(fixture.linear), trigger: "test")
        let movedAt = Date.now.addingTimeInterval(5)
        await fixture.simulators.linear.setState(number: 1, name: "In Review", type: "started", at: movedAt)
        let first = try #require(fixture.simulators.linear.issues.first { $0.number == 1 })
        let body = """
            {"action":"update","type":"Issue","actor":{"id":"dev-alice-id"},"webhookTimestamp":0,
             "data":{"id":"\(first.id)","identifier":"ENG-1","updatedAt":"\(Timestamp.withMilliseconds(movedAt))","state":{"name":"In Review","type":"started"}}}
            """
        guard case .stored = try await fixture.store.events.append(IncomingEvent(
            tool: "linear", deliveryID: "d-1", eventType: "Issue.update", receivedAt: fixture.clock.now(),
            headers: ["Linear-Event": "Issue"], body: Array(body.utf8)))
        else { Issue.record("not stored"); return }
        await fixture.processor().processDue()
        let firstItem = try #require(items.first { fixture.linear.marker(for: $0.id) == first.id })
        #expect(fixture.simulators.craft.items.first { $0.id == firstItem.id }?.customFieldValue("dev_status") == "In Progress")

        // The second is completed with its webhook lost: reconciliation reads it (its type maps, whatever its name).
        await fixture.simulators.linear.setState(number: 2, name: "Shipped", type: "completed", at: movedAt.addingTimeInterval(5))
        let reconciler = fixture.reconciler(fixture.linear)
        #expect(await reconciler.run().pushed == 1)  // only the one whose webhook was lost
        let second = try #require(items.first { $0.id != firstItem.id })
        #expect(fixture.simulators.craft.items.first { $0.id == second.id }?.customFieldValue("dev_status") == "Done")
    }

    @Test("labels go by id: a name the team lacks is created once, one it has (in any case) is reused, two creates racing for one label agree")
    func labelsByID() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let craft = fixture.simulators.craft
        craft.seed(.init(workspaceId: fixture.workspace, title: "Offline mode", status: "Ready for Development", type: "Feature", labels: ["mobile", "beta"]))
        craft.seed(.init(workspaceId: fixture.workspace, title: "Push settings", status: "Ready for Development", type: "Feature", labels: ["Mobile"]))
        let report = await fixture.engine().run(fixture.target(fixture.linear), trigger: "test")
        #expect(report.counts.created == 2)
        let labels = Dictionary(uniqueKeysWithValues: fixture.simulators.linear.issues.map { ($0.title, Set($0.labels.map { $0.lowercased() })) })
        // The field mapping's labels: the item's, `craft`, and the type (Linear has no type field).
        #expect(labels["Offline mode"] == ["craft", "mobile", "beta", "type:story"])
        #expect(labels["Push settings"] == ["craft", "mobile", "type:story"])
        #expect(fixture.simulators.linear.labelCount == 4, "each label made once, whatever the case it is asked in")
    }

    @Test("a remembered label deleted in Linear since: the create looks the name up again once and goes through")
    func deletedLabel() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let craft = fixture.simulators.craft
        craft.seed(.init(workspaceId: fixture.workspace, title: "Offline mode", status: "Ready for Development", type: "Feature", labels: ["mobile"]))
        #expect(await fixture.engine().run(fixture.target(fixture.linear), trigger: "test").counts.created == 1)
        fixture.simulators.linear.deleteLabel(named: "mobile")
        craft.seed(.init(workspaceId: fixture.workspace, title: "Push settings", status: "Ready for Development", type: "Feature", labels: ["mobile"]))
        let report = await fixture.engine().run(fixture.target(fixture.linear), trigger: "test")
        #expect(report.counts.created == 1 && report.counts.failed == 0)
        #expect(fixture.simulators.linear.issues.first { $0.title == "Push settings" }?.labels.contains("mobile") == true)
    }
}
