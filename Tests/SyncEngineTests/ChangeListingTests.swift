import DevTools
import Foundation
import Simulators
import Testing
import TestSupport
@testable import SyncEngine

@Suite("Each tool lists its changed issues, and reconciliation heals from that list", .awaitsTeardown)
struct ChangeListingTests {
    /// Closes the simulated issue `key` as a developer would (its webhook goes nowhere: the fixture has no target).
    func close(_ simulators: SimulatorServer, _ kind: String, _ issue: DevIssue) async {
        let number = Int(issue.key.split(whereSeparator: { $0 == "#" || $0 == "-" }).last ?? "") ?? 0
        switch kind {
        case "github": await simulators.github.setState(number: number, state: "closed", reason: "completed")
        case "jira": await simulators.jira.setStatus(id: issue.id, name: "Done", category: "done")
        case "gitlab": await simulators.gitlab.setState(iid: number, state: "closed")
        case "linear": await simulators.linear.setState(number: number, name: "Done", type: "completed")
        default: await simulators.azureDevOps.setState(id: number, state: "Closed")
        }
    }

    @Test("the listing holds every issue changed since a time; after a full pass, a dropped webhook is healed from it", arguments: SimulatorServer.simulatedKinds)
    func healsFromListing(_ kind: String) async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let tool = fixture.adapter(kind)
        let listing = try #require(tool.changeListing)
        fixture.seed(3)
        let created = await fixture.engine().run(fixture.target(tool), trigger: "test").created.map(\.issue)
        #expect(created.count == 3)
        #expect(Set(try await listing.issuesChanged(since: .now.addingTimeInterval(-3600)).map(\.id)) == Set(created.map(\.id)))

        let reconciler = fixture.reconciler(tool)
        #expect(await reconciler.run().incremental == 0)  // the first pass reads each issue and sets the cursor
        let target = try #require(created.first)
        await close(fixture.simulators, kind, target)
        let healed = await reconciler.run()
        #expect(healed.incremental == 1 && healed.pushed == 1 && healed.failed == 0, "\(healed)")
        let item = try #require(try await fixture.store.mappings.mapping(devToolInstance: tool.instance, devIssueID: target.id))
        #expect(fixture.simulators.craft.items.first { $0.id == item.craftItemID }?.customFieldValue("dev_status") == "Done")
    }

    @Test("a listing longer than a page (100 issues) is read to its end", arguments: SimulatorServer.simulatedKinds)
    func paging(_ kind: String) async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let tool = fixture.adapter(kind)
        fixture.seed(130)
        let report = await fixture.engine(settings: IntakeSettings(concurrency: 8)).run(fixture.target(tool), trigger: "test")
        #expect(report.created.count == 130)
        let listed = try await tool.changeListing?.issuesChanged(since: .now.addingTimeInterval(-3600)) ?? []
        #expect(listed.count == 130 && Set(listed.map(\.id)).count == 130)
    }
}
