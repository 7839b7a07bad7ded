import DevTools
import Foundation
import Simulators
import Store
import Testing
import TestSupport
@testable import SyncEngine

@Suite("Routing rules: which tool an item goes to", .awaitsTeardown)
struct RoutingTests {
    func engine(_ fixture: IntakeFixture, _ rules: [RoutingRule]) -> IntakeEngine {
        IntakeEngine(
            craft: fixture.craft, store: fixture.store, mapping: FieldMapping(), clock: fixture.clock, logger: IntakeFixture.quietLogger,
            routing: rules, tools: ["github": fixture.github, "jira": fixture.jira])
    }

    @Test("a bug goes to Jira as a Bug by the first matching rule, the rest to the workspace's GitHub; the claim says why; nothing twice")
    func routesByType() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let craft = fixture.simulators.craft
        let bug = craft.seed(.init(workspaceId: fixture.workspace, title: "Crash on save", status: "Ready for Development", type: "Bug"))
        craft.seed(.init(workspaceId: fixture.workspace, title: "Dark mode", status: "Ready for Development", type: "Feature"))
        craft.seed(.init(workspaceId: fixture.workspace, title: "Mobile crash", status: "Ready for Development", type: "Bug", labels: ["mobile"]))
        let rules = [
            RoutingRule(type: "bug", label: "mobile", instance: "github"),
            RoutingRule(type: "Bug", instance: "jira", issueType: "Bug"),
        ]
        let routing = engine(fixture, rules)
        let plan = try await routing.plan(fixture.target())
        #expect(plan.creates.first { $0.item.id == bug.id }.map { "\($0.devToolInstance) \($0.rule?.reason ?? "")" } == "jira type = Bug")

        let report = await routing.run(fixture.target(), trigger: "test")
        #expect(report.counts.created == 3)
        #expect(fixture.simulators.jira.issues.map(\.title) == ["Crash on save"] && fixture.simulators.jira.issues.first?.issueType == "Bug")
        #expect(Set(fixture.simulators.github.issues.map(\.title)) == ["Dark mode", "Mobile crash"])
        let claimed = try await fixture.store.timeline.list(TimelineFilter(craftItemID: bug.id)).first { $0.kind == .claimed }
        #expect(claimed?.detail.contains("routed by rule: type = Bug") == true)
        let routedBy = try await fixture.store.mappings.list(MappingFilter(), limit: 10).map { "\($0.craftTitle ?? "") \($0.routedBy ?? "default")" }
        #expect(Set(routedBy) == ["Crash on save type = Bug", "Dark mode default", "Mobile crash type = bug, label = mobile"])

        #expect(await routing.run(fixture.target(), trigger: "test").counts.created == 0)
        // The rules change (or go): a synced item is not moved, nor created again elsewhere; the change is said once.
        let changed = engine(fixture, [RoutingRule(type: "Bug", instance: "github")])
        #expect(await changed.run(fixture.target(), trigger: "test").counts.created == 0)
        #expect(await changed.run(fixture.target(), trigger: "test").counts.created == 0)
        #expect(await engine(fixture, []).run(fixture.target(), trigger: "test").counts.created == 0)
        #expect(fixture.simulators.github.issues.count == 2 && fixture.simulators.jira.issues.count == 1)
        let rerouted = try await fixture.store.timeline.list(TimelineFilter(craftItemID: bug.id)).filter { $0.outcome == "rerouted" }
        #expect(rerouted.count == 1 && rerouted.first?.detail.contains("now send it to github (rule: type = Bug); it stays in jira") == true)
    }

    @Test("a claim whose create was cut off is resumed with the tool it was claimed for")
    func resumesRoutedClaim() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.simulators.craft.seed(.init(workspaceId: fixture.workspace, title: "Crash on save", status: "Ready for Development", type: "Bug"))
        let routing = engine(fixture, [RoutingRule(type: "Bug", instance: "jira")])
        fixture.simulators.faults.set(.init(target: "jira", failNext: 100, status: 503))
        let cut = await routing.run(fixture.target(), trigger: "test")
        #expect(cut.counts.created == 0 && cut.counts.failed == 0)
        fixture.simulators.faults.clear()
        try await fixture.clock.sleep(for: .seconds(600))  // past the claim lease
        #expect(await engine(fixture, []).run(fixture.target(), trigger: "test").counts.created == 0, "without the rule the claim is not the default target's")
        #expect(await routing.run(fixture.target(), trigger: "test").counts.created == 1)
        #expect(fixture.simulators.jira.issues.count == 1 && fixture.simulators.github.issues.isEmpty)
    }

    @Test("a rule over a custom field routes by the item's value (by field name, case-insensitive); an item without it goes by default")
    func routesByCustomField() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let craft = fixture.simulators.craft
        let widget = craft.seed(.init(workspaceId: fixture.workspace, title: "Home screen widget", status: "Ready for Development", type: "Feature"))
        craft.seed(.init(workspaceId: fixture.workspace, title: "Web dashboard", status: "Ready for Development", type: "Feature"))
        craft.addTextField(named: "Platform")
        try await fixture.craft.setField(workspaceID: fixture.workspace, itemID: widget.id, field: "Platform", value: "iOS")
        let routing = engine(fixture, [RoutingRule(fields: [.init(field: "platform", value: "ios")], instance: "jira")])
        let plan = try await routing.plan(fixture.target())
        #expect(plan.creates.map { "\($0.item.title) → \($0.devToolInstance) \($0.rule?.reason ?? "")" }.sorted()
            == ["Home screen widget → jira platform = ios", "Web dashboard → github "])
        #expect(await routing.run(fixture.target(), trigger: "test").counts.created == 2)
        #expect(fixture.simulators.jira.issues.map(\.title) == ["Home screen widget"])
    }
}
