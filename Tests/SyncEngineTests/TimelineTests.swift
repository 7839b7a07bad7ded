import Foundation
import Simulators
import Store
import Testing
import TestSupport
@testable import SyncEngine

@Suite("The item timeline: every crossing is recorded against its Craft item", .awaitsTeardown)
struct TimelineTests {
    /// The item's entries, oldest first, as `kind/outcome`.
    func story(_ fixture: IntakeFixture, _ itemID: String) async throws -> [String] {
        try await fixture.store.timeline.list(TimelineFilter(craftItemID: itemID), limit: 500).reversed().map { "\($0.kind.rawValue)/\($0.outcome)" }
    }

    @Test("intake: claimed, created with key and URL, link written; drift is recorded once however many polls see it")
    func intake() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let item = try #require(fixture.seed(1).first)
        let engine = fixture.engine()
        let report = await engine.run(fixture.target(fixture.jira, linkField: "dev_link"), trigger: "test")
        let issue = try #require(report.created.first?.issue)
        #expect(try await story(fixture, item.id) == ["claimed/claimed", "created/succeeded", "link_written/succeeded"])
        let created = try #require(try await fixture.store.timeline.list(TimelineFilter(craftItemID: item.id)).first { $0.kind == .created })
        #expect(created.devIssueKey == issue.key && created.detail.contains(issue.url))

        fixture.simulators.craft.rename(itemID: item.id, title: "Renamed")
        _ = await engine.run(fixture.target(fixture.jira, linkField: "dev_link"), trigger: "test")
        _ = await engine.run(fixture.target(fixture.jira, linkField: "dev_link"), trigger: "test")
        #expect(try await story(fixture, item.id).filter { $0.hasPrefix("drift") } == ["drift/found"])
        fixture.simulators.craft.rename(itemID: item.id, title: "Renamed again")
        _ = await engine.run(fixture.target(fixture.jira, linkField: "dev_link"), trigger: "test")
        #expect(try await story(fixture, item.id).filter { $0.hasPrefix("drift") } == ["drift/found", "drift/found"])
        // Found by the tool's issue too: everything after the claim (which came before the issue had a key).
        let byIssue = try await fixture.store.timeline.list(TimelineFilter(devToolInstance: "jira", devIssueKey: issue.key))
        #expect(byIssue.map(\.kind) == [.drift, .drift, .linkWritten, .created])
    }

    @Test("webhooks: applied with the Craft write, then no-op, stale and echo, each against its delivery")
    func webhookOutcomes() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        var settings = ProgressProcessor.Settings()
        settings.ownAccounts = ["craft-sync-bot"]
        let (processor, item, _) = try await fixture.linkedProcessor(issueID: "444500041", settings: settings)
        let reopened = try await fixture.deliver(body: try fixtureBytes("github/issues_reopened.json"))
        await processor.processDue()
        _ = try await fixture.deliver(body: try fixtureBytes("github/issues_reopened.json"))  // same state again
        await processor.processDue()
        _ = try await fixture.deliver(
            body: try fixtureBytes("github/issues_closed_legacy_no_state_reason.json").replacingIssue(from: "381987215", to: "444500041"))
        await processor.processDue()
        let echo = try fixtureBytes("github/issues_reopened.json").replacing(Array(#""login": "Codertocat""#.utf8), with: Array(#""login": "craft-sync-bot""#.utf8))
        _ = try await fixture.deliver(body: echo)
        await processor.processDue()
        #expect(try await story(fixture, item.id) == [
            "key_changed/changed", "craft_write/succeeded", "webhook/applied", "webhook/no-op", "webhook/stale", "webhook/echo",
        ])
        let entries = try await fixture.store.timeline.list(TimelineFilter(craftItemID: item.id))
        let applied = try #require(entries.first { $0.outcome == "applied" })
        #expect(applied.eventID == reopened && applied.detail.contains("→ Craft.io 'In Progress'"))
        #expect(entries.first { $0.kind == .craftWrite }?.eventID == reopened)
    }

    @Test("reconciliation's push is recorded with what Craft.io had and what the tool has")
    func reconciliation() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let item = try #require(fixture.seed(1).first)
        _ = await fixture.engine().run(fixture.target(), trigger: "test")
        let number = try #require(fixture.simulators.github.issues.first?.number)
        await fixture.simulators.github.setState(number: number, state: "closed", reason: "completed")
        _ = await fixture.reconciler().run()
        let reconciled = try #require(try await fixture.store.timeline.list(TimelineFilter(craftItemID: item.id)).first { $0.kind == .reconciled })
        #expect(reconciled.detail.contains("pushing 'Done'"))
        #expect(try await story(fixture, item.id).suffix(2) == ["reconciled/behind", "craft_write/succeeded"])
    }

    @Test("entries older than the retention are pruned, dead letters are kept")
    func pruning() async throws {
        let store = try Store(DatabaseLocation(temporaryDatabase("timeline")))
        let old = Date(timeIntervalSince1970: 1_800_000_000)
        for kind in [TimelineEntry.Kind.webhook, .dead] {
            try await store.timeline.record(.init(
                at: old, craftItemID: "1", workspaceID: "w", devToolInstance: "github", devIssueKey: "#1", kind: kind, outcome: "x", detail: "y"))
        }
        try await store.timeline.record(.init(
            at: old.addingTimeInterval(86_400), craftItemID: "1", workspaceID: "w", devToolInstance: "github", devIssueKey: "#1", kind: .webhook,
            outcome: "x", detail: "y"))
        #expect(try await store.timeline.prune(before: old.addingTimeInterval(60)) == 1)
        #expect(try await store.timeline.list(TimelineFilter(craftItemID: "1")).map(\.kind) == [.webhook, .dead])
    }
}
