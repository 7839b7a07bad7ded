import Foundation
import Simulators
import Testing
import TestSupport
@testable import App
@testable import SimulatorCommands

/// What a developer does on GitHub shows in Craft.io: To Do → In Progress (assigned) → In Review (a pull request that
/// closes the issue) → Done (merged), each by the webhook GitHub sends, and reconciliation never steps back.
@Suite("GitHub progress beyond open and closed")
struct ProgressSignalsTests {
    @Test("assigned, a pull request that closes it, merged: In Progress, In Review, Done; a reconciliation between changes nothing")
    func developerDay() async throws {
        let service = try await ServiceFixture.start()
        defer { Task { await service.app.server.shutdown(); await service.simulators.shutdown() } }
        let simulators = service.simulators
        let processing = service.processWebhooks()
        defer { processing.cancel() }
        Simulation.seedWorkspace(simulators)
        let scheduler = try #require(service.app.scheduler)
        _ = await scheduler.runAll(trigger: "test")
        let issue = try #require(simulators.github.issues.first)
        let item = try #require(try await service.app.store.mappings.mapping(devToolInstance: "github", devIssueID: issue.id)?.craftItemID)
        func progress() -> String? { simulators.craft.items.first { $0.id == item }?.customFieldValue("dev_status") }
        func settle(on value: String) async throws {
            try await waitUntil("Craft item \(item) to show \(value)", within: .seconds(10)) { progress() == value }
        }
        #expect(progress() == "To Do")

        let base = Date.now.addingTimeInterval(10)
        await simulators.github.assign(number: issue.number, login: "dev-alice", at: base)
        try await settle(on: "In Progress")
        let opened = await simulators.github.openPullRequest(closing: issue.number, at: base.addingTimeInterval(10))
        #expect(opened.delivery?.status == 202)
        try await settle(on: "In Review")
        // The issue itself did not change when the pull request opened: a read of it is older than the review.
        _ = await scheduler.runAll(trigger: "test")
        #expect(progress() == "In Review")
        // A second developer joins while the review is open: the issue's own event does not take it out of review.
        let joined = await simulators.github.assign(number: issue.number, login: "dev-bob", at: base.addingTimeInterval(15))
        #expect(joined?.status == 202)
        try await waitUntil("the assignment to be processed", within: .seconds(10)) {
            (try? await service.app.store.timeline.list(.init(craftItemID: item), limit: 50))?
                .filter { $0.kind == .webhook && $0.detail.hasPrefix("issues.assigned") }.count == 2
        }
        #expect(progress() == "In Review")
        await simulators.github.mergePullRequest(opened.number, at: base.addingTimeInterval(20))
        try await settle(on: "Done")
        // A later pull request that names the closed issue does not reopen it in Craft.io.
        let late = await simulators.github.openPullRequest(closing: issue.number, at: base.addingTimeInterval(30))
        #expect(late.delivery?.status == 202)
        try await waitUntil("the late pull request to be recorded as stale", within: .seconds(10)) {
            (try? await service.app.store.timeline.list(.init(craftItemID: item), limit: 50))?.contains { $0.outcome == "stale" && $0.detail.contains("closed now") } == true
        }
        #expect(progress() == "Done")

        // The timeline entry follows the Craft.io write: wait for it rather than read it at once.
        func story() async throws -> [String] {
            try await service.app.store.timeline.list(.init(craftItemID: item), limit: 50).reversed()
                .filter { $0.kind == .webhook && $0.outcome == "applied" }.map(\.detail)
        }
        try await waitUntil("the close to be on the timeline", within: .seconds(10)) { (try? await story())?.count == 3 }
        let applied = try await story()
        #expect(applied[1].hasPrefix("pull_request.opened") && applied[1].contains("open:in_review") && applied[1].contains("In Review"), "\(applied)")
    }
}
