import DevTools
import Foundation
import Simulators
import Store
import Testing
import TestSupport
@testable import SyncEngine

/// Craft's hierarchy in the tool: a story goes under its epic's issue (GitHub sub-issues, Jira parent), whichever of
/// the two is created first.
@Suite("Hierarchy: stories under their epic", .awaitsTeardown)
struct HierarchyTests {
    func seedEpic(_ fixture: IntakeFixture, epicStatus: String = "Ready for Development") -> (epic: SimulatedCraftItem, stories: [SimulatedCraftItem]) {
        let craft = fixture.simulators.craft
        let epic = craft.seed(.init(workspaceId: fixture.workspace, title: "Onboarding revamp", status: epicStatus, type: "Epic"))
        let stories = ["Welcome tour", "Sample project"].map {
            craft.seed(.init(workspaceId: fixture.workspace, title: $0, status: "Ready for Development", type: "Story", parentId: epic.id))
        }
        return (epic, stories)
    }

    func number(_ fixture: IntakeFixture, title: String) -> Int? { fixture.simulators.github.issues.first { $0.title == title }?.number }

    @Test("GitHub: both ready in one poll — the stories become sub-issues of the epic's issue, once")
    func githubTogether() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let (epic, stories) = seedEpic(fixture)
        let engine = fixture.engine()
        _ = await engine.run(fixture.target(), trigger: "test")
        let epicNumber = try #require(number(fixture, title: epic.title))
        let storyNumbers = stories.compactMap { number(fixture, title: $0.title) }
        #expect(Set(fixture.simulators.github.subIssues(of: epicNumber)) == Set(storyNumbers) && storyNumbers.count == 2)
        let calls = fixture.simulators.calls.count("github POST /repos/:owner/:repo/issues/:number/sub_issues")
        _ = await engine.run(fixture.target(), trigger: "test")
        #expect(fixture.simulators.calls.count("github POST /repos/:owner/:repo/issues/:number/sub_issues") == calls, "linked once")
        let entry = try await fixture.store.timeline.list(TimelineFilter(craftItemID: stories[0].id)).first { $0.kind == .parentLinked }
        #expect(entry?.outcome == "succeeded" && entry?.detail.contains("#\(epicNumber)") == true)
    }

    @Test("GitHub: the stories are ready before their epic; they go under it when it arrives")
    func githubChildrenFirst() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let (epic, stories) = seedEpic(fixture, epicStatus: "In Refinement")
        let engine = fixture.engine()
        let first = await engine.run(fixture.target(), trigger: "test")
        #expect(first.counts.created == 2 && number(fixture, title: epic.title) == nil)
        fixture.simulators.craft.setStatus(itemID: epic.id, status: "Ready for Development")
        _ = await engine.run(fixture.target(), trigger: "test")
        let epicNumber = try #require(number(fixture, title: epic.title))
        #expect(Set(fixture.simulators.github.subIssues(of: epicNumber)) == Set(stories.compactMap { number(fixture, title: $0.title) }))
    }

    @Test("with intake.sync_ancestors, a ready story brings its epic (still in refinement) across, and goes under it; the dry run says why")
    func ancestorsBroughtAcross() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let (epic, stories) = seedEpic(fixture, epicStatus: "In Refinement")
        let engine = fixture.engine(settings: IntakeSettings(syncAncestors: true))
        let plan = try await engine.plan(fixture.target())
        #expect(plan.creates.filter { $0.item.id == epic.id }.map(\.ancestorOf).count == 1)
        #expect(plan.creates.first { $0.item.id == epic.id }?.ancestorOf.map { id in stories.map(\.id).contains(id) } == true)
        let report = await engine.run(fixture.target(), trigger: "test")
        #expect(report.counts.created == 3)
        let epicNumber = try #require(number(fixture, title: epic.title))
        #expect(Set(fixture.simulators.github.subIssues(of: epicNumber)) == Set(stories.compactMap { number(fixture, title: $0.title) }))
        let claimed = try await fixture.store.timeline.list(TimelineFilter(craftItemID: epic.id)).first { $0.kind == .claimed }
        #expect(claimed?.detail.contains("intake.sync_ancestors") == true)
        // Known now: the next poll reads no parent again and creates nothing.
        #expect(await engine.run(fixture.target(), trigger: "test").counts.created == 0)
        #expect(fixture.simulators.github.issues.count == 3)
    }

    @Test("intake.sync_ancestors leaves a parent Craft.io's own integration linked, and does not read it again each poll")
    func ancestorsLinkedByCraft() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let craft = fixture.simulators.craft
        let epic = craft.seed(.init(workspaceId: fixture.workspace, title: "Native epic", status: "In Refinement", type: "Epic", devToolKey: ["jira": "NAT-1"]))
        craft.seed(.init(workspaceId: fixture.workspace, title: "Its story", status: "Ready for Development", type: "Story", parentId: epic.id))
        let engine = fixture.engine(settings: IntakeSettings(syncAncestors: true))
        #expect(await engine.run(fixture.target(), trigger: "test").counts.created == 1)
        let reads = fixture.simulators.calls.count("craft GET /workspace/:id/items/:item")
        _ = await engine.run(fixture.target(), trigger: "test")
        _ = await engine.run(fixture.target(), trigger: "test")
        #expect(fixture.simulators.calls.count("craft GET /workspace/:id/items/:item") == reads, "the native epic is not read again")
        #expect(fixture.simulators.github.issues.map(\.title) == ["Its story"])
    }

    @Test("intake.sync_ancestors turned on after the stories were synced brings their epic across on the next poll")
    func ancestorsOfEarlierItems() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let (epic, stories) = seedEpic(fixture, epicStatus: "In Refinement")
        #expect(await fixture.engine().run(fixture.target(), trigger: "test").counts.created == 2)
        let engine = fixture.engine(settings: IntakeSettings(syncAncestors: true))
        #expect(try await engine.plan(fixture.target()).creates.map(\.item.id) == [epic.id])
        #expect(await engine.run(fixture.target(), trigger: "test").counts.created == 1)
        let epicNumber = try #require(number(fixture, title: epic.title))
        #expect(Set(fixture.simulators.github.subIssues(of: epicNumber)) == Set(stories.compactMap { number(fixture, title: $0.title) }))
    }

    @Test("each story is under the epic's issue in the tool: GitHub sub-issue, Jira parent field, Linear parent, Azure DevOps parent link", arguments: ["github", "jira", "linear", "azure-devops"])
    func parentInTool(_ kind: String) async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let (epic, stories) = seedEpic(fixture)
        let engine = fixture.engine()
        _ = await engine.run(fixture.target(fixture.adapter(kind)), trigger: "test")
        let simulated = try #require(fixture.simulators.devTools.first { $0.kind == kind })
        let keys = Dictionary(uniqueKeysWithValues: simulated.issues.map { ($0.title, $0.key) })
        let epicKey = try #require(keys[epic.title])
        for story in stories {
            #expect(simulated.parent(of: try #require(keys[story.title])) == epicKey, "\(story.title)")
        }
        // A second poll links nothing again: each story's timeline says it was put under its epic once.
        _ = await engine.run(fixture.target(fixture.adapter(kind)), trigger: "test")
        let entries = try await fixture.store.timeline.list(TimelineFilter(craftItemID: stories[0].id)).filter { $0.kind == .parentLinked }
        #expect(entries.map(\.outcome) == ["succeeded"])
    }

    @Test("Azure DevOps: the work item's relations are read first: the same parent again is done, another is refused naming the one it has")
    func azureDevOpsOneParent() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(3)
        _ = await fixture.engine().run(fixture.target(fixture.azureDevOps), trigger: "test")
        let items = fixture.simulators.azureDevOps.issues.map { DevIssueReference(id: $0.id, key: $0.key) }
        let linking = try #require(fixture.azureDevOps.parentLinking)
        try await linking.link(items[1], under: items[0])
        try await linking.link(items[1], under: items[0])
        let refusal = await #expect(throws: DevToolError.self) { try await linking.link(items[1], under: items[2]) }
        #expect("\(refusal.map { "\($0)" } ?? "")".contains("already has a parent") == true)
        #expect(fixture.simulators.calls.count("azure-devops PATCH /_apis/wit/workitems/:id") == 1, "one link written, the repeat only read")
        #expect(fixture.simulators.azureDevOps.parent(of: items[1].key) == items[0].key)
    }

    @Test("the epic's roll-up: written when its stories are created, and when one is done by webhook or by reconciliation")
    func rollUp() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let (epic, stories) = seedEpic(fixture)
        let rollUp = RollUp(store: fixture.store, craft: fixture.craft, field: "dev_rollup", logger: IntakeFixture.quietLogger)
        let engine = IntakeEngine(
            craft: fixture.craft, store: fixture.store, mapping: FieldMapping(), clock: fixture.clock, logger: IntakeFixture.quietLogger, rollUp: rollUp)
        let progress = IntakeTarget.Progress(field: "dev_status", statusMapping: StatusMapping())
        _ = await engine.run(IntakeTarget(workspaceID: fixture.workspace, devTool: fixture.github, progress: progress), trigger: "test")
        func rolledUp() -> String? { fixture.simulators.craft.items.first { $0.id == epic.id }?.customFieldValue("dev_rollup") }
        #expect(rolledUp() == "0/2 done")

        // The first story closes; its webhook arrives.
        let first = try #require(fixture.simulators.github.issues.first { $0.title == stories[0].title })
        var settings = ProgressProcessor.Settings()
        settings.rollUpField = "dev_rollup"
        // The published close, about this story, and later than its creation (the close of 2022 would be stale).
        let later = Date.now.addingTimeInterval(30).formatted(.iso8601)
        let close = String(decoding: try fixtureBytes("github/issues_closed_completed.json").replacingIssue(from: "1299020697", to: first.id), as: UTF8.self)
            .replacingOccurrences(of: "\"updated_at\": \"2022-07-08T13:54:56Z\"", with: "\"updated_at\": \"\(later)\"")
        _ = try await fixture.deliver(body: Array(close.utf8))
        await fixture.processor(settings: settings).processDue()
        #expect(rolledUp() == "1/2 done")

        // The second closes with its webhook lost: reconciliation pushes it, and the roll-up follows.
        let second = try #require(fixture.simulators.github.issues.first { $0.title == stories[1].title })
        await fixture.simulators.github.setState(number: second.number, state: "closed", reason: "completed", at: .now.addingTimeInterval(60))
        let reconciler = Reconciler(
            store: fixture.store, craft: fixture.craft, tools: [fixture.github], statusMapping: StatusMapping(), progressField: "dev_status",
            clock: fixture.clock, logger: IntakeFixture.quietLogger, rollUp: rollUp)
        _ = await reconciler.run()
        #expect(rolledUp() == "2/2 done")
    }
}
