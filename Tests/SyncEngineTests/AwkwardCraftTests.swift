import CraftAPI
import Foundation
import Testing
import TestSupport
@testable import SyncEngine

/// Craft.io as its published document allows it to answer: one odd item must not stop a workspace's sync.
@Suite("Reading Craft.io never fails whole", .awaitsTeardown)
struct AwkwardCraftTests {
    /// Today: one item with a null id (or no title) made the whole poll fail, so nothing in the workspace synced.
    @Test("a poll over a workspace with an unreadable item syncs all the others and reports the one", arguments: [CraftDialect.guide, .openapi])
    func unreadableItemSkipped(_ dialect: CraftDialect) async throws {
        let fixture = try IntakeFixture(craftDialect: dialect)
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(3)
        // An item whose title is empty is listed without a `title` key.
        fixture.simulators.craft.seed(.init(workspaceId: fixture.workspace, title: "", status: "Ready for Development"))
        fixture.simulators.craft.setAwkwardShapes(true)

        let report = await fixture.engine().run(fixture.target(), trigger: "test")
        #expect(report.error == nil)
        #expect(report.counts.created == 4, "skipped: \(report.skipped), failed: \(report.failed)")
        #expect(report.counts.unreadable == 2)
        #expect(report.unreadable.contains { $0.id == nil && $0.reason.contains("no id") })
        #expect(fixture.simulators.github.issues.contains { $0.title.hasPrefix("Untitled Craft.io item") })
        let runID = try #require(report.runID)
        let run = try #require(try await fixture.store.runs.run(id: runID))
        #expect(run.counts.unreadable == 2)
    }

    @Test("custom field values and ids that come as numbers are read as text")
    func numericFieldValues() throws {
        let json = #"{"id": 7, "title": "t", "customFields": [{"id": 123456789012, "value": 42}, {"id": "f", "value": {"odd": true}}], "labels": "not-a-list"}"#
        let item = try JSONDecoder().decode(CraftItem.self, from: Data(json.utf8))
        #expect(item.id == "7")
        #expect(item.customFieldValue("123456789012") == "42")
        #expect(item.customFields?.count == 2 && item.customFieldValue("f") == nil)
        #expect(item.labels == nil)
    }
}
