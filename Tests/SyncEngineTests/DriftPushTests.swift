import DevTools
import Foundation
import Simulators
import Store
import Testing
import TestSupport
@testable import SyncEngine

/// `drift.policy: push`: a Craft.io edit after the create goes to the issue while the issue holds what craft-sync
/// wrote; when both sides changed a field nothing is overwritten and a conflict waits for a person.
@Suite("Drift pushed or resolved", .awaitsTeardown)
struct DriftPushTests {
    func pushing(_ fixture: IntakeFixture) -> IntakeEngine {
        var settings = IntakeSettings()
        settings.drift = .pushAll
        return fixture.engine(settings: settings)
    }

    @Test("a title edited in Craft.io reaches the issue; labels merge as sets with the issue's own; the next poll finds no drift")
    func pushed() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let item = fixture.simulators.craft.seed(.init(
            workspaceId: fixture.workspace, title: "Export", status: "Ready for Development", type: "Feature", labels: ["reports"]))
        let engine = pushing(fixture)
        _ = await engine.run(fixture.target(), trigger: "test")
        let issue = try #require(fixture.simulators.github.issues.first)
        // A developer labels the issue; product renames the item and swaps a label.
        _ = try await fixture.github.addMarker("team:web", to: DevIssue(id: issue.id, key: "acme/product#\(issue.number)", url: "", status: .init(name: "open")))
        fixture.simulators.craft.rename(itemID: item.id, title: "Export as CSV")
        fixture.simulators.craft.setLabels(itemID: item.id, labels: ["csv"])

        let report = await engine.run(fixture.target(), trigger: "test")
        #expect(report.driftPushed == [item.id] && report.conflicted.isEmpty)
        let now = try #require(fixture.simulators.github.issues.first)
        #expect(now.title == "Export as CSV")
        #expect(Set(now.labels) == ["craft", "type:story", "craft:\(item.id)", "team:web", "csv"])
        #expect(!now.labels.contains("reports"))
        let timeline = try await fixture.store.timeline.list(TimelineFilter(craftItemID: item.id), limit: 20)
        #expect(timeline.contains { $0.kind == .drift && $0.outcome == "pushed" && $0.detail.contains("title, labels pushed to acme/product#") })
        // In step now: the next poll pushes nothing and reports no drift.
        let next = await engine.run(fixture.target(), trigger: "test")
        #expect(next.drifted.isEmpty && next.driftPushed.isEmpty)
        #expect(try await fixture.store.conflicts.openCount() == 0)
    }

    @Test("a title edited on both sides is a conflict, not an overwrite; keeping the dev tool's and taking Craft.io's each resolve it")
    func conflicts() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let item = fixture.simulators.craft.seed(.init(workspaceId: fixture.workspace, title: "Login", status: "Ready for Development", type: "Feature"))
        let engine = pushing(fixture)
        _ = await engine.run(fixture.target(), trigger: "test")
        let number = try #require(fixture.simulators.github.issues.first?.number)
        func title() -> String? { fixture.simulators.github.issues.first?.title }

        fixture.simulators.craft.rename(itemID: item.id, title: "Login with SSO")
        await fixture.simulators.github.editByHand(number: number, title: "Login (SAML)")
        let report = await engine.run(fixture.target(), trigger: "test")
        #expect(report.conflicted == [item.id] && report.driftPushed.isEmpty)
        #expect(title() == "Login (SAML)")
        let conflict = try #require(try await fixture.store.conflicts.open().first)
        #expect(conflict.field == "title" && conflict.craftValue == "Login with SSO" && conflict.devValue == "Login (SAML)" && conflict.baseValue == "Login")
        // Seen again by the next poll: still one conflict, one timeline entry.
        _ = await engine.run(fixture.target(), trigger: "test")
        #expect(try await fixture.store.conflicts.openCount() == 1)
        let flagged = try await fixture.store.timeline.list(TimelineFilter(craftItemID: item.id), limit: 50).filter { $0.outcome == "conflict" }
        #expect(flagged.count == 1)

        try await engine.resolve(conflict: conflict.id, as: .keepDevTool, by: "a test", in: fixture.target())
        #expect(title() == "Login (SAML)")
        #expect(try await fixture.store.conflicts.openCount() == 0)
        let calm = await engine.run(fixture.target(), trigger: "test")
        #expect(calm.conflicted.isEmpty && calm.drifted.isEmpty)
        do {
            try await engine.resolve(conflict: conflict.id, as: .takeCraft, by: "a test", in: fixture.target())
            Issue.record("a resolved conflict was resolved again")
        } catch {
            #expect(error == .alreadyResolved(conflict.id))
        }

        // Both sides again: this time Craft.io's value wins, and goes to the issue.
        fixture.simulators.craft.rename(itemID: item.id, title: "Login with SSO and SAML")
        await fixture.simulators.github.editByHand(number: number, title: "Login (SAML, OIDC)")
        _ = await engine.run(fixture.target(), trigger: "test")
        let second = try #require(try await fixture.store.conflicts.open().first)
        try await engine.resolve(conflict: second.id, as: .takeCraft, by: "a test", in: fixture.target())
        #expect(title() == "Login with SSO and SAML")
        let after = await engine.run(fixture.target(), trigger: "test")
        #expect(after.conflicted.isEmpty && after.drifted.isEmpty)
        let resolved = try await fixture.store.timeline.list(TimelineFilter(craftItemID: item.id), limit: 50).filter { $0.outcome == "resolved" }
        #expect(resolved.map(\.detail).contains { $0.contains("Craft.io's value written to acme/product#\(number)") })
        #expect(resolved.map(\.detail).contains { $0.contains("acme/product#\(number)'s value kept") })
    }

    @Test("with only the title pushed, a title edit goes across and a description edit is reported, without reading the issue again")
    func perField() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let item = fixture.simulators.craft.seed(.init(
            workspaceId: fixture.workspace, title: "Billing", status: "Ready for Development", description: "<p>Old</p>", type: "Feature"))
        var settings = IntakeSettings()
        settings.drift = DriftPolicy(pushed: [.title])
        let engine = fixture.engine(settings: settings)
        _ = await engine.run(fixture.target(), trigger: "test")
        fixture.simulators.craft.rename(itemID: item.id, title: "Billing v2")
        _ = await engine.run(fixture.target(), trigger: "test")
        #expect(fixture.simulators.github.issues.first?.title == "Billing v2")
        fixture.simulators.craft.setDescription(itemID: item.id, description: "<p>New</p>")
        let reads = fixture.simulators.calls.count("github GET /repos/:owner/:repo/issues/:number")
        let report = await engine.run(fixture.target(), trigger: "test")
        #expect(report.drifted == [item.id] && report.driftPushed.isEmpty)
        #expect(fixture.simulators.calls.count("github GET /repos/:owner/:repo/issues/:number") == reads)
        let found = try await fixture.store.timeline.list(TimelineFilter(craftItemID: item.id), limit: 20).filter { $0.outcome == "found" }
        #expect(found.first?.detail.contains("was created (description); the issue was not changed") == true)
    }

    @Test("unlinking closes the item's open conflicts, and a conflict of an earlier link cannot be resolved onto a new one")
    func conflictsFollowTheLink() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let item = fixture.simulators.craft.seed(.init(workspaceId: fixture.workspace, title: "Export", status: "Ready for Development", type: "Feature"))
        let engine = pushing(fixture)
        _ = await engine.run(fixture.target(), trigger: "test")
        let number = try #require(fixture.simulators.github.issues.first?.number)
        fixture.simulators.craft.rename(itemID: item.id, title: "Export v2")
        await fixture.simulators.github.editByHand(number: number, title: "Export (dev)")
        _ = await engine.run(fixture.target(), trigger: "test")
        let conflict = try #require(try await fixture.store.conflicts.open().first)
        _ = try await engine.unlink(itemID: item.id, in: fixture.target(), removeMarker: false, clearLinkField: false, by: "a test")
        #expect(try await fixture.store.conflicts.openCount() == 0)
        #expect(try await fixture.store.conflicts.conflict(id: conflict.id)?.resolvedBy == "the link ended")
        let other = fixture.simulators.github.openIssueByHand(title: "Other")
        _ = try await engine.link(itemID: item.id, issue: "#\(other.number)", in: fixture.target(), by: "a test")
        do {
            try await engine.resolve(conflict: conflict.id, as: .takeCraft, by: "a test", in: fixture.target())
            Issue.record("a closed conflict was resolved")
        } catch {
            #expect(error == .alreadyResolved(conflict.id))
        }
        #expect(fixture.simulators.github.issues.first { $0.number == other.number }?.title == "Other")
    }

    @Test("GitLab too: a title edit and a label swap reach the issue, a description edited on both sides is a conflict")
    func gitlab() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let item = fixture.simulators.craft.seed(.init(
            workspaceId: fixture.workspace, title: "Offline", status: "Ready for Development", description: "<p>Sync later</p>", type: "Feature",
            labels: ["mobile"]))
        let engine = pushing(fixture)
        _ = await engine.run(fixture.target(fixture.gitlab), trigger: "test")
        let iid = try #require(fixture.simulators.gitlab.issues.first?.number)
        fixture.simulators.craft.rename(itemID: item.id, title: "Offline mode")
        fixture.simulators.craft.setLabels(itemID: item.id, labels: ["mobile", "sync"])
        fixture.simulators.craft.setDescription(itemID: item.id, description: "<p>Sync when back online</p>")
        fixture.simulators.gitlab.editByHand(iid: iid, description: "Queue writes; replay on reconnect")
        let report = await engine.run(fixture.target(fixture.gitlab), trigger: "test")
        #expect(report.driftPushed == [item.id] && report.conflicted == [item.id])
        let issue = try #require(fixture.simulators.gitlab.issues.first)
        #expect(issue.title == "Offline mode" && issue.labels.contains("sync") && issue.labels.contains("craft-\(item.id)"))
        #expect(issue.description == "Queue writes; replay on reconnect")
        #expect(try await fixture.store.conflicts.open().map(\.field) == ["description"])
    }

    @Test("with drift.policy report, an edit is reported and the issue is left alone")
    func reported() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let item = fixture.simulators.craft.seed(.init(workspaceId: fixture.workspace, title: "Search", status: "Ready for Development", type: "Feature"))
        let engine = fixture.engine()
        _ = await engine.run(fixture.target(), trigger: "test")
        fixture.simulators.craft.rename(itemID: item.id, title: "Search v2")
        let report = await engine.run(fixture.target(), trigger: "test")
        #expect(report.drifted == [item.id] && report.driftPushed.isEmpty)
        #expect(fixture.simulators.github.issues.first?.title == "Search")
    }
}
