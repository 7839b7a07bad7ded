import DevTools
import Foundation
import Logging
import Store
import Testing
import TestSupport
@testable import SyncEngine

/// Issues deleted or transferred in the dev tool: the mapping says so, and nothing keeps failing on them.
@Suite("Deleted and transferred issues", .awaitsTeardown)
struct DeletedIssueTests {
    @Test("GitHub's published deleted and transferred payloads parse as such")
    func parsing() throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let headers = ["x-github-event": "issues"]
        #expect(try fixture.github.parseWebhook(headers: headers, body: try fixtureBytes("github/issues_deleted.json"))
            == .deleted(issueID: "444500041", key: "Codertocat/Hello-World#1"))
        let moved = try fixture.github.parseWebhook(headers: headers, body: try fixtureBytes("github/issues_opened_with_transfer.json"))
        guard case .moved(let from, let to) = moved else { Issue.record("got \(moved)"); return }
        #expect(from == "512748900")
        #expect(to.issueID == "444500041" && to.key == "Codertocat/Hello-World#1")
    }

    /// Today: the deletion was ignored and the reconciler failed on the issue every cycle.
    @Test("a deleted-issue webhook marks the mapping deleted, and reconciliation leaves it alone")
    func deletedByWebhook() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let (processor, _, mapping) = try await fixture.linkedProcessor(issueID: "444500041")
        let id = try await fixture.deliver(at: fixture.clock.now(), body: try fixtureBytes("github/issues_deleted.json"))
        await processor.processDue()
        #expect(try await fixture.store.events.event(id: id)?.state == .processed)
        #expect(try await fixture.store.mappings.mapping(id: mapping.id)?.state == .deleted)
        #expect(try await fixture.store.mappings.linked(afterID: 0, limit: 10).isEmpty)
    }

    @Test("an issue that GitHub answers 410 Gone for is marked deleted once, and stops costing a request each cycle")
    func deletedFoundByReconciler() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(2)
        _ = await fixture.engine().run(fixture.target(), trigger: "test")
        let deleted = try #require(fixture.simulators.github.issues.first)
        fixture.simulators.github.delete(number: deleted.number)
        let reconciler = fixture.reconciler()
        let first = await reconciler.run()
        #expect(first.failed == 0 && first.checked == 2)
        #expect(try await fixture.store.mappings.countsByState() == [.linked: 1, .deleted: 1])
        let second = await reconciler.run()
        #expect(second.checked == 1 && second.failed == 0)
        // Intake does not create the deleted issue again for its still-ready item.
        let again = await fixture.engine().run(fixture.target(), trigger: "test")
        #expect(again.counts.created == 0)
        #expect(again.skipped.contains { $0.reason.contains("deleted in the dev tool") })
    }

    @Test("a transfer moves the mapping to the new issue, which is read where it now lives")
    func transferred() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let (processor, _, mapping) = try await fixture.linkedProcessor(issueID: "512748900")
        _ = try await fixture.deliver(at: fixture.clock.now(), body: try fixtureBytes("github/issues_opened_with_transfer.json"))
        await processor.processDue()
        let moved = try #require(try await fixture.store.mappings.mapping(id: mapping.id))
        #expect(moved.devIssueID == "444500041")
        #expect(moved.devIssueKey == "Codertocat/Hello-World#1")
        #expect(moved.state == .linked)
    }
}
