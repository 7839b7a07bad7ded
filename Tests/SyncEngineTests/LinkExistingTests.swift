import DevTools
import Foundation
import Simulators
import Store
import Testing
import TestSupport
@testable import SyncEngine

/// Issues that exist already, linked by a person or adopted from Craft.io's own integration; links ended without the
/// next poll creating the issue again.
@Suite("Linking existing issues, unlinking", .awaitsTeardown)
struct LinkExistingTests {
    @Test("each adapter names an issue as its tool shows it, and only in its own project")
    func naming() {
        let adapters = FixtureAdapters.offline
        func key(_ tool: any DevTool, _ text: String) -> String? { tool.reference(naming: text)?.key }
        #expect(key(adapters.github, "acme/product#12") == "acme/product#12")
        #expect(key(adapters.github, "#12") == "acme/product#12")
        #expect(key(adapters.github, "12") == "acme/product#12")
        #expect(key(adapters.github, "https://github.com/acme/product/issues/12") == "acme/product#12")
        #expect(key(adapters.github, "https://github.com/other/product/issues/12") == nil)
        #expect(key(adapters.github, "other/repo#12") == nil)
        #expect(key(adapters.github, "ACME-4") == nil)
        #expect(key(adapters.jira, "ACME-4") == "ACME-4")
        #expect(key(adapters.jira, "acme-4") == "ACME-4")
        #expect(key(adapters.jira, "https://acme.atlassian.net/browse/ACME-4") == "ACME-4")
        #expect(key(adapters.jira, "OTHER-4") == nil)
        #expect(key(adapters.jira, "#4") == nil)
        #expect(key(adapters.gitlab, "https://gitlab.example/\(GitLabSimulator.Account.project)/-/issues/3") == "\(GitLabSimulator.Account.project)#3")
        #expect(key(adapters.gitlab, "#3") == "\(GitLabSimulator.Account.project)#3")
        #expect(key(adapters.gitlab, "someone/else#3") == nil)
        #expect(adapters.linear.reference(naming: "https://linear.app/acme/issue/ENG-7/fix-it")?.id == "ENG-7")
        #expect(adapters.linear.reference(naming: "eng-7")?.id == "ENG-7")
        #expect(adapters.linear.reference(naming: "#7") == nil)
        let project = AzureDevOpsSimulator.Account.project
        let organization = AzureDevOpsSimulator.Account.organization
        #expect(adapters.azureDevOps.reference(naming: "https://dev.azure.com/\(organization)/\(project)/_workitems/edit/42")?.id == "42")
        #expect(adapters.azureDevOps.reference(naming: "#42")?.key == "\(project)#42")
        #expect(adapters.azureDevOps.reference(naming: "Elsewhere#42") == nil)
        #expect(adapters.github.reference(naming: "not an issue") == nil)
    }

    @Test("linking an existing issue marks it, writes the link field and its status; its close then reaches Craft.io")
    func linkThenClose() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let item = fixture.simulators.craft.seed(.init(workspaceId: fixture.workspace, title: "Checkout", status: "In Development", type: "Feature"))
        let existing = fixture.simulators.github.openIssueByHand(title: "Checkout (opened by hand)")
        fixture.simulators.craft.addTextField(named: "dev_link")
        let engine = fixture.engine()
        var target = fixture.target(linkField: "dev_link")
        target.progress = .init(field: "dev_status", statusMapping: StatusMapping())

        let outcome = try await engine.link(itemID: item.id, issue: "https://github.com/acme/product/issues/\(existing.number)", in: target, by: "a test")
        #expect(outcome.issue.key == "acme/product#\(existing.number)")
        #expect(outcome.markerAdded)
        #expect(fixture.simulators.github.issues.first { $0.number == existing.number }?.labels == ["craft:\(item.id)"])
        let craftItem = { fixture.simulators.craft.items.first { $0.id == item.id } }
        #expect(craftItem()?.customFieldValue("dev_link") == "acme/product#\(existing.number) \(outcome.issue.url)")
        #expect(craftItem()?.customFieldValue("dev_status") == "To Do")
        #expect(outcome.mapping.state == .linked && outcome.mapping.lastPushedStatus == "To Do")
        let timeline = try await fixture.store.timeline.list(TimelineFilter(craftItemID: item.id), limit: 20)
        #expect(timeline.contains { $0.kind == .linked && $0.outcome == "succeeded" && $0.detail.contains("linked by a test") })

        await fixture.simulators.github.setState(number: existing.number, state: "closed", reason: "completed", at: .now.addingTimeInterval(5))
        _ = await fixture.reconciler().run()
        #expect(craftItem()?.customFieldValue("dev_status") == "Done")
    }

    @Test("linking an item or an issue that is linked already is refused, saying which")
    func refusals() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let items = fixture.seed(2)
        let engine = fixture.engine()
        _ = await engine.run(fixture.target(), trigger: "test")
        let created = try #require(fixture.simulators.github.issues.first { $0.labels.contains("craft:\(items[0].id)") })
        let spare = fixture.simulators.github.openIssueByHand(title: "spare")

        await #expect(throws: LinkError.self) { try await engine.link(itemID: items[0].id, issue: "#\(spare.number)", in: fixture.target(), by: "a test") }
        do {
            _ = try await engine.link(itemID: items[0].id, issue: "#\(spare.number)", in: fixture.target(), by: "a test")
        } catch {
            #expect("\(error)".contains("item \(items[0].id) is already linked to acme/product#\(created.number)"))
        }
        let third = fixture.simulators.craft.seed(.init(workspaceId: fixture.workspace, title: "Third", status: "Backlog", type: "Feature"))
        do {
            _ = try await engine.link(itemID: third.id, issue: "#\(created.number)", in: fixture.target(), by: "a test")
            Issue.record("linking an issue linked to another item was not refused")
        } catch {
            #expect("\(error)".contains("acme/product#\(created.number) is already linked to item \(items[0].id)"))
        }
        do {
            _ = try await engine.link(itemID: third.id, issue: "#999", in: fixture.target(), by: "a test")
            Issue.record("an issue that does not exist was linked")
        } catch {
            #expect(error == .noSuchIssue(text: "#999", tools: ["github"]))
        }
        do {
            _ = try await engine.link(itemID: "no-such-item", issue: "#\(spare.number)", in: fixture.target(), by: "a test")
            Issue.record("an item that does not exist was linked")
        } catch {
            guard case .noSuchItem = error else { Issue.record("got \(error)"); return }
        }
        // Nothing was written by the refusals: the spare issue has no marker, and the third item no mapping.
        #expect(fixture.simulators.github.issues.first { $0.number == spare.number }?.labels == [])
        #expect(try await fixture.store.mappings.mappings(workspaceID: fixture.workspace, craftItemID: third.id).isEmpty)
    }

    @Test("an unlinked item is not created again by the next poll, its webhooks change nothing, and relink restores it")
    func unlinkAndRelink() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let item = try #require(fixture.seed(1).first)
        let engine = fixture.engine()
        _ = await engine.run(fixture.target(), trigger: "test")
        let issue = try #require(fixture.simulators.github.issues.first)

        let unlinked = try await engine.unlink(itemID: item.id, in: fixture.target(), removeMarker: true, clearLinkField: false, by: "a test")
        #expect(unlinked.state == .unlinked)
        #expect(fixture.simulators.github.issues.first?.labels.contains("craft:\(item.id)") == false)
        let again = await engine.run(fixture.target(), trigger: "test")
        #expect(again.counts.created == 0)
        #expect(again.skipped.contains { $0.craftItemID == item.id && $0.reason.contains("unlinked") })
        #expect(fixture.simulators.github.issues.count == 1)
        #expect(try await fixture.store.mappings.countsByState() == [.unlinked: 1])

        // A close of the unlinked issue is ignored, and says why.
        let processor = fixture.processor()
        let body = try closedPayload(issueID: issue.id, number: issue.number)
        let event = try await fixture.deliver(body: body)
        await processor.processDue()
        #expect(try await fixture.store.events.event(id: event)?.state == .ignored)
        let said = try await fixture.store.timeline.list(TimelineFilter(craftItemID: item.id), limit: 50).first { $0.eventID == event }
        #expect(said?.outcome == "ignored" && said?.detail.contains("was unlinked from item \(item.id)") == true)
        #expect(fixture.simulators.craft.items.first?.customFieldValue("dev_status") == nil)

        do {
            _ = try await engine.unlink(itemID: item.id, in: fixture.target(), removeMarker: false, clearLinkField: false, by: "a test")
            Issue.record("an unlinked item was unlinked again")
        } catch {
            #expect(error == .notLinked(itemID: item.id))
        }
        let relinked = try await engine.relink(itemID: item.id, in: fixture.target(), by: "a test")
        #expect(relinked.mapping.state == .linked && relinked.mapping.id == unlinked.id)
        #expect(relinked.markerAdded)
        let kinds = try await fixture.store.timeline.list(TimelineFilter(craftItemID: item.id), limit: 50).map(\.kind)
        #expect(kinds.contains(.unlinked) && kinds.contains(.linked))
    }

    @Test("an issue unlinked from one item can be linked to another; the first stays a tombstone")
    func issueMovesToAnotherItem() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let first = try #require(fixture.seed(1).first)
        let engine = fixture.engine()
        _ = await engine.run(fixture.target(), trigger: "test")
        let issue = try #require(fixture.simulators.github.issues.first)
        _ = try await engine.unlink(itemID: first.id, in: fixture.target(), removeMarker: false, clearLinkField: false, by: "a test")
        let second = fixture.simulators.craft.seed(.init(workspaceId: fixture.workspace, title: "Second", status: "Backlog", type: "Feature"))
        let outcome = try await engine.link(itemID: second.id, issue: "#\(issue.number)", in: fixture.target(), by: "a test")
        #expect(try await fixture.store.mappings.mapping(devToolInstance: "github", devIssueID: issue.id)?.craftItemID == second.id)
        #expect(outcome.mapping.craftItemID == second.id)
        #expect(try await fixture.store.mappings.countsByState() == [.unlinked: 1, .linked: 1])
        #expect(await engine.run(fixture.target(), trigger: "test").counts.created == 0)
    }

    @Test("intake.native_links: adopt links an item Craft.io's own integration linked, and its close reaches Craft.io; skip leaves it")
    func adoptNativeLink() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let existing = fixture.simulators.jira.createByHand(summary: "Linked by Craft.io's Jira integration")
        let item = fixture.simulators.craft.seed(.init(
            workspaceId: fixture.workspace, title: "Native", status: "Ready for Development", type: "Feature", devToolKey: ["jira": existing.key]))
        var target = fixture.target(fixture.jira)
        target.progress = .init(field: "dev_status", statusMapping: StatusMapping())

        let skipped = await fixture.engine().run(target, trigger: "test")
        #expect(skipped.counts.created == 0 && skipped.adopted.isEmpty)
        #expect(skipped.skipped.contains { $0.craftItemID == item.id && $0.reason.contains("native_links: adopt") })

        var settings = IntakeSettings()
        settings.nativeLinks = .adopt
        let adopted = await fixture.engine(settings: settings).run(target, trigger: "test")
        #expect(adopted.counts.created == 0)
        #expect(adopted.adopted.map(\.issue.key) == [existing.key])
        #expect(fixture.simulators.jira.issues.count == 1)
        #expect(fixture.simulators.jira.issues.first?.labels == ["craft-\(item.id)"])
        await fixture.simulators.jira.setStatus(id: existing.id, name: "Done", category: "done")
        _ = await fixture.reconciler(fixture.jira).run()
        #expect(fixture.simulators.craft.items.first { $0.id == item.id }?.customFieldValue("dev_status") == "Done")
        // Adopted once: the next poll knows the item.
        let next = await fixture.engine(settings: settings).run(target, trigger: "test")
        #expect(next.adopted.isEmpty && next.counts.created == 0)
    }

    @Test("a backfill of another status creates its items once, and leaves the ready status's poll cursors alone")
    func backfill() async throws {
        let fixture = try IntakeFixture(craftDialect: .openapi)
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(2, status: "In Development", prefix: "Under way")
        fixture.seed(1, prefix: "Ready")
        var backfill = fixture.target()
        backfill.readyStatus = "In Development"
        backfill.isBackfill = true
        let engine = fixture.engine()
        let report = await engine.run(backfill, trigger: "test")
        #expect(report.counts.created == 2 && report.updatedSince == nil)
        #expect(Set(fixture.simulators.github.issues.map { $0.title }) == ["Under way 0", "Under way 1"])
        #expect(try await fixture.store.cursors.date(IntakeEngine.updatedSinceCursor(backfill)) == nil)
        #expect(await engine.run(backfill, trigger: "test").counts.created == 0)
        #expect(await engine.run(fixture.target(), trigger: "test").counts.created == 1)
    }

    /// GitHub's `issues.closed` for the issue, as its webhook sends it (the fields the adapter reads).
    private func closedPayload(issueID: String, number: Int) throws -> [UInt8] {
        let payload: [String: Any] = [
            "action": "closed",
            "issue": [
                "id": Int64(issueID) ?? 0, "number": number, "html_url": "https://github.com/acme/product/issues/\(number)", "state": "closed",
                "state_reason": "completed", "labels": [], "updated_at": Date.now.addingTimeInterval(5).formatted(.iso8601),
            ] as [String: Any],
            "repository": ["full_name": "acme/product"], "sender": ["login": "dev-alice"],
        ]
        return Array(try JSONSerialization.data(withJSONObject: payload))
    }
}
