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
        let synced = try await SyncedIssue.start()
        defer { synced.stop() }
        let (service, simulators, issue, item) = (synced.service, synced.service.simulators, synced.issue, synced.item)
        let scheduler = try #require(service.app.scheduler)
        func progress() -> String? { synced.progress() }
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
            (try? await service.app.store.timeline.list(.init(craftItemID: item), limit: 50))?.contains { $0.outcome == "stale" && $0.detail.contains("is closed:completed now") } == true
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

    @Test("a card moved across the project board: each projects_v2_item delivery is read over GraphQL and its Status option applied; the board wins over assignment and pull requests")
    func projectBoard() async throws {
        let synced = try await SyncedIssue.start()
        defer { synced.stop() }
        let (service, github, issue, item) = (synced.service, synced.service.simulators.github, synced.issue, synced.item)
        func progress() -> String? { synced.progress() }
        func timeline() async -> [String] {
            ((try? await service.app.store.timeline.list(.init(craftItemID: item), limit: 50)) ?? []).filter { $0.kind == .webhook }
                .map { "\($0.outcome): \($0.detail)" }
        }

        let base = Date.now.addingTimeInterval(10)
        let moved = await github.setBoardStatus(number: issue.number, to: "In progress", at: base)
        #expect(moved?.status == 202)
        try await waitUntil("In Progress from the board", within: .seconds(10)) { progress() == "In Progress" }
        await github.setBoardStatus(number: issue.number, to: "In review", at: base.addingTimeInterval(10))
        try await waitUntil("In Review from the board", within: .seconds(10)) { progress() == "In Review" }
        // Assigned while the card says In review: the issue's own event is read with its board value, which decides.
        await github.assign(number: issue.number, login: "dev-bob", at: base.addingTimeInterval(20))
        try await waitUntil("the assignment to be processed", within: .seconds(10)) {
            await timeline().contains { $0.contains("issues.assigned") }
        }
        #expect(progress() == "In Review")
        // A card on an option nobody mapped is said, never guessed.
        await github.setBoardStatus(number: issue.number, to: "Parked", at: base.addingTimeInterval(30))
        try await waitUntil("the unmapped option on the timeline", within: .seconds(10)) {
            await timeline().contains { $0.hasPrefix("unmapped") && $0.contains("project:Parked") }
        }
        #expect(progress() == "In Review")
        await github.setBoardStatus(number: issue.number, to: "Done", at: base.addingTimeInterval(40))
        try await waitUntil("Done from the board", within: .seconds(10)) { progress() == "Done" }
        let applied = await timeline().filter { $0.hasPrefix("applied") }
        #expect(applied.contains { $0.contains("projects_v2_item.edited") && $0.contains("project:In review") }, "\(applied)")
    }

    @Test("a pull request linked to the issue only in its Development panel puts it in review: the link is read over GraphQL")
    func developmentPanelLink() async throws {
        let synced = try await SyncedIssue.start()
        defer { synced.stop() }
        let (service, simulators, issue, item) = (synced.service, synced.service.simulators, synced.issue, synced.item)
        func progress() -> String? { synced.progress() }
        let base = Date.now.addingTimeInterval(10)
        await simulators.github.assign(number: issue.number, login: "dev-alice", at: base)
        try await waitUntil("In Progress", within: .seconds(10)) { progress() == "In Progress" }
        let opened = await simulators.github.openPullRequest(closing: issue.number, linkedInPanel: true, at: base.addingTimeInterval(10))
        #expect(opened.delivery?.status == 202)
        try await waitUntil("In Review by the panel link", within: .seconds(10)) { progress() == "In Review" }
        // The description names no issue: only the read of the pull request's links can have found this one.
        try await waitUntil("the pull request's event applied on the timeline", within: .seconds(10)) {
            (try? await service.app.store.timeline.list(.init(craftItemID: item), limit: 50))?
                .contains { $0.outcome == "applied" && $0.detail.hasPrefix("pull_request.opened") && $0.detail.contains("open:in_review") } == true
        }
    }
}

/// What each test here starts from: the service over the simulators with the seeded workspace synced and webhooks
/// flowing, and the first GitHub issue it created with its Craft item.
struct SyncedIssue {
    let service: ServiceFixture
    let processing: Task<Void, Never>
    let issue: SimulatedIssue
    let item: String

    static func start() async throws -> SyncedIssue {
        let service = try await ServiceFixture.start()
        let processing = service.processWebhooks()
        Simulation.seedWorkspace(service.simulators)
        _ = try await #require(service.app.scheduler).runAll(trigger: "test")
        let issue = try #require(service.simulators.github.issues.first)
        let item = try #require(try await service.app.store.mappings.mapping(devToolInstance: "github", devIssueID: issue.id)?.craftItemID)
        return SyncedIssue(service: service, processing: processing, issue: issue, item: item)
    }

    /// The item's progress field in Craft.io.
    func progress() -> String? { service.simulators.craft.items.first { $0.id == item }?.customFieldValue("dev_status") }

    func stop() {
        processing.cancel()
        Task { [service] in
            await service.app.server.shutdown()
            await service.simulators.shutdown()
        }
    }
}
