import DevTools
import Foundation
import Simulators
import Store
import Testing
import TestSupport
@testable import SyncEngine

/// GitLab on the published payloads (byte for byte) and on its simulator: the same guarantees as GitHub's.
@Suite("GitLab", .awaitsTeardown)
struct GitLabTests {
    static let headers = ["x-gitlab-event": "Issue Hook"]

    @Test("published Issue Hook payloads parse to the issue's state, order and author", arguments: [
        ("gitlab/issue_hook_closed.json", "closed", "indev/gitlabtomatrix#41"),
        ("gitlab/issue_hook_created.json", "opened", "indev/gitlabtomatrix#17"),
        ("gitlab/issue_hook_updated.json", "opened", "indev/gitlabtomatrix#16"),
        ("gitlab/go-gitlab_issue.json", "opened", "gitlabhq/gitlab-test#23"),
    ])
    func publishedPayloads(_ file: String, _ state: String, _ key: String) throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        guard case .issue(let change) = try fixture.gitlab.parseWebhook(headers: Self.headers, body: try fixtureBytes(file)) else {
            Issue.record("not an issue change")
            return
        }
        #expect(change.status.name == state)
        #expect(change.key == key)
        #expect(change.order != nil)
        #expect(change.actor != nil)
    }

    @Test("a comment, a push and other hooks are ignored (GitLab disables a hook that gets a 4xx), never an error")
    func ignored() throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let note = try fixture.gitlab.parseWebhook(headers: ["x-gitlab-event": "Note Hook"], body: try fixtureBytes("gitlab/note_hook_issue_comment.json"))
        guard case .ignored = note else { Issue.record("got \(note)"); return }
        let push = try fixture.gitlab.parseWebhook(headers: ["x-gitlab-event": "Push Hook"], body: try fixtureBytes("gitlab/go-gitlab_push.json"))
        guard case .ignored = push else { Issue.record("got \(push)"); return }
    }

    @Test("X-Gitlab-Token is compared with either secret; a wrong or missing token is refused; the token is never kept")
    func token() throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let body = try fixtureBytes("gitlab/issue_hook_closed.json")
        #expect(fixture.gitlab.verifyWebhook(headers: ["x-gitlab-token": "new"], body: body, secrets: ["new", "old"]))
        #expect(fixture.gitlab.verifyWebhook(headers: ["x-gitlab-token": "old"], body: body, secrets: ["new", "old"]))
        #expect(!fixture.gitlab.verifyWebhook(headers: ["x-gitlab-token": "guess"], body: body, secrets: ["new", "old"]))
        #expect(!fixture.gitlab.verifyWebhook(headers: [:], body: body, secrets: ["new"]))
        #expect(!fixture.gitlab.webhookHeadersKept.contains { "x-gitlab-token".hasPrefix($0) })
        #expect(fixture.gitlab.deliveryID(headers: ["idempotency-key": "k", "x-gitlab-event-uuid": "u"], body: body) == "k")
        #expect(fixture.gitlab.eventType(headers: Self.headers, body: body) == "Issue Hook.close")
    }

    @Test("create carries the marker label, find sees it at once, and a read returns it, with the project as group/path")
    func adapter() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let marker = fixture.gitlab.marker(for: "1001")
        let created = try await fixture.gitlab.create(NewIssue(
            title: "Checkout", description: "Why", labels: ["type:feature", "a,b"], marker: marker))
        #expect(created.labels.contains(marker) && created.labels.contains("a b"))
        #expect(created.key == "acme/mobile#1")
        #expect(try await fixture.gitlab.find(marker: marker)?.id == created.id)
        let read = try await fixture.gitlab.issue(DevIssueReference(id: created.id, key: created.key))
        #expect(read.status.name == "opened" && read.updatedAt != nil)
    }

    @Test("every simulated fault still ends with exactly one GitLab issue per item", arguments: [
        FaultInjector.Fault(target: "gitlab", failNext: 2, status: 502),
        FaultInjector.Fault(target: "gitlab", failNext: 2, status: 429, retryAfter: "1"),
        FaultInjector.Fault(target: "gitlab", failAfterCreate: 2),
        FaultInjector.Fault(target: "gitlab", resetAfterCreate: 2),
    ])
    func exactlyOnce(_ fault: FaultInjector.Fault) async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(5)
        fixture.simulators.faults.set(fault)
        let report = await fixture.engine(settings: IntakeSettings(concurrency: 2, createAttempts: 5)).run(fixture.target(fixture.gitlab), trigger: "test")
        #expect(report.counts.created == 5, "skipped \(report.skipped), failed \(report.failed)")
        let markers = fixture.simulators.gitlab.issues.flatMap { $0.labels.filter { $0.hasPrefix("craft-") } }
        #expect(markers.count == 5 && Set(markers).count == 5)
    }

    @Test("a close in GitLab reaches Craft.io by webhook, and a missed one by reconciliation")
    func progress() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let items = fixture.seed(2)
        _ = await fixture.engine().run(fixture.target(fixture.gitlab), trigger: "test")
        // The webhook: the simulator sends the Issue Hook to nowhere; store what it would have sent instead.
        let closedAt = Date.now.addingTimeInterval(5)
        await fixture.simulators.gitlab.setState(iid: 1, state: "closed", at: closedAt)
        let body = """
            {"object_kind":"issue","user":{"username":"dev-alice"},"project":{"path_with_namespace":"acme/mobile"},
             "object_attributes":{"id":500001,"iid":1,"action":"close","state":"closed","updated_at":"\(closedAt.formatted(.iso8601))"}}
            """
        guard case .stored = try await fixture.store.events.append(IncomingEvent(
            tool: "gitlab", deliveryID: "d-1", eventType: "Issue Hook.close", receivedAt: fixture.clock.now(),
            headers: ["X-Gitlab-Event": "Issue Hook"], body: Array(body.utf8)))
        else { Issue.record("not stored"); return }
        await fixture.processor().processDue()
        let event = try await fixture.store.events.list(.init(), limit: 5).first
        if event?.state != .processed { Issue.record("event \(String(describing: event?.state)): \(event?.lastError ?? event?.ignoredReason ?? "")") }
        let values = Dictionary(uniqueKeysWithValues: fixture.simulators.craft.items.map { ($0.id, $0.customFieldValue("dev_status")) })
        let first = try #require(fixture.simulators.gitlab.issues.first { $0.number == 1 })
        let firstItem = try #require(items.first { fixture.gitlab.marker(for: $0.id) == first.labels.last })
        #expect(values[firstItem.id] == "Done")

        // The second closes with its webhook lost: reconciliation reads it.
        await fixture.simulators.gitlab.setState(iid: 2, state: "closed", at: closedAt.addingTimeInterval(5))
        let reconciler = fixture.reconciler(fixture.gitlab)
        #expect(await reconciler.run().pushed == 1)  // only the one whose webhook was lost
        #expect(fixture.simulators.craft.items.allSatisfy { $0.customFieldValue("dev_status") == "Done" })
    }
}
