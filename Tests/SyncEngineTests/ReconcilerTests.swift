import DevTools
import Foundation
import Support
import Logging
import Store
import Testing
import TestSupport
@testable import SyncEngine

@Suite("Reconciliation", .awaitsTeardown)
struct ReconcilerTests {
    @Test("a change whose webhook never came is pushed within one cycle, and only once")
    func healsMissedWebhook() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(3)
        _ = await fixture.engine().run(fixture.target(), trigger: "test")
        // No webhook target is configured: these changes reach nobody.
        let number = try #require(fixture.simulators.github.issues.first { $0.title == "Item 1" }?.number)
        await fixture.simulators.github.setState(number: number, state: "closed", reason: "not_planned")
        let reconciler = fixture.reconciler(batchSize: 2)
        let first = await reconciler.run()
        #expect(first == .init(checked: 3, pushed: 3, failed: 0))  // two open (To Do), one closed as not planned
        let values = Dictionary(uniqueKeysWithValues: fixture.simulators.craft.items.map { ($0.title, $0.customFieldValue("dev_status")) })
        #expect(values == ["Item 0": "To Do", "Item 1": "Won't Do", "Item 2": "To Do"])
        let second = await reconciler.run()
        #expect(second == .init(checked: 3, pushed: 0, failed: 0, incremental: 1))
        #expect(fixture.simulators.craft.updates.count == 3)
    }

    @Test("an item whose stored order lies in the future (a forged time kept before times were bounded) is repaired by a read")
    func futureOrderRepaired() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(1)
        _ = await fixture.engine().run(fixture.target(), trigger: "test")
        let mapping = try #require(try await fixture.store.mappings.list(MappingFilter(), beforeID: nil, limit: 10).first)
        _ = try await fixture.store.mappings.recordPush(id: mapping.id, status: "In Progress", eventOrder: 253_402_300_799_000, now: fixture.clock.now())
        let number = try #require(fixture.simulators.github.issues.first?.number)
        await fixture.simulators.github.setState(number: number, state: "closed", reason: "completed")
        #expect(await fixture.reconciler().run() == .init(checked: 1, pushed: 1, failed: 0))
        #expect(fixture.simulators.craft.items.first?.customFieldValue("dev_status") == "Done")
        let repaired = try #require(try await fixture.store.mappings.mapping(id: mapping.id)?.lastEventOrder)
        #expect(repaired < 253_402_300_799_000)
    }

    /// Earlier: a full pass read each linked issue (REST), and with boards its card (GraphQL): 2 calls per issue.
    @Test("a full pass over 250 linked issues lists them (pages of 100, a board read each) and reads only the one deleted since")
    func fullPassLists() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(250)
        _ = await fixture.engine(settings: IntakeSettings(concurrency: 8)).run(fixture.target(fixture.githubWithBoards), trigger: "test")
        let github = fixture.simulators.github
        let gone = try #require(github.issues.first { $0.title == "Item 7" }?.number)
        github.delete(number: gone)
        let before = fixture.simulators.calls.snapshot.filter { $0.key.hasPrefix("github ") }.values.reduce(0, +)
        let result = await fixture.reconciler(fixture.githubWithBoards).run()
        #expect(result.checked == 250 && result.failed == 0)
        let calls = fixture.simulators.calls.snapshot.filter { $0.key.hasPrefix("github ") }.values.reduce(0, +) - before
        // Pages of 100 (keyset paging by update time may ask for one or two more), a board read per page, and one
        // read of the issue the listing no longer has: about a dozen calls, where reading each issue cost 500.
        let byCall = fixture.simulators.calls.snapshot.filter { $0.key.hasPrefix("github ") }
        #expect(calls <= 12, "\(calls) GitHub calls: \(byCall)")
        #expect(fixture.simulators.calls.count("github GET /repos/:owner/:repo/issues/:number") == 1)
        #expect(try await fixture.store.mappings.countsByState()[.deleted] == 1)
    }

    @Test("after a full pass, a cycle lists the changes once instead of reading each issue, and heals a dropped webhook the same")
    func incrementalHeals() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(5)
        _ = await fixture.engine().run(fixture.target(), trigger: "test")
        let reconciler = fixture.reconciler()
        #expect(await reconciler.run() == .init(checked: 5, pushed: 5, failed: 0))  // the first pass lists every issue
        let reads = fixture.simulators.calls.count("github GET /repos/:owner/:repo/issues/:number")
        #expect(reads == 0, "a full pass lists, it does not read one by one")
        #expect(fixture.simulators.calls.count("github GET /repos/:owner/:repo/issues") == 1)

        // A change whose webhook never came, well after the first pass by the tool's clock.
        let number = try #require(fixture.simulators.github.issues.first { $0.title == "Item 3" }?.number)
        await fixture.simulators.github.setState(number: number, state: "closed", reason: "completed", at: .now.addingTimeInterval(3600))
        let lists = fixture.simulators.calls.count("github GET /repos/:owner/:repo/issues")
        let healed = await reconciler.run()
        #expect(healed.incremental == 1 && healed.pushed == 1 && healed.failed == 0)
        #expect(fixture.simulators.craft.items.first { $0.title == "Item 3" }?.customFieldValue("dev_status") == "Done")
        #expect(fixture.simulators.calls.count("github GET /repos/:owner/:repo/issues/:number") == reads, "no issue was read one by one")
        #expect(fixture.simulators.calls.count("github GET /repos/:owner/:repo/issues") == lists + 1, "one list call for the changes")

        // The cursor moved to the change: the next cycle lists only what is at most `overlap` older, and pushes nothing.
        let quiet = await reconciler.run()
        #expect(quiet.pushed == 0 && quiet.checked == 1)
    }

    @Test("a board move whose webhook never came is healed by a full pass; a later edit of the issue does not step back from the board")
    func healsMissedBoardMove() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(2)
        _ = await fixture.engine().run(fixture.target(), trigger: "test")
        let github = fixture.simulators.github
        let number = try #require(github.issues.first { $0.title == "Item 1" }?.number)
        // No webhook target: the move reaches nobody, and it leaves the issue's updated_at alone.
        await github.setBoardStatus(number: number, to: "In Review", at: .now.addingTimeInterval(60))
        let reconciler = fixture.reconciler(fixture.githubWithBoards, fullPassInterval: .seconds(3600))
        #expect(await reconciler.run() == .init(checked: 2, pushed: 2, failed: 0))
        func value() -> String? { fixture.simulators.craft.items.first { $0.title == "Item 1" }?.customFieldValue("dev_status") }
        #expect(value() == "In Review")
        #expect(fixture.simulators.calls.count("github POST /graphql") == 1, "one board read per listed page")
        // Someone is assigned later: the listing shows the issue, read with its board value, which still decides.
        await github.assign(number: number, login: "dev-bob", at: .now.addingTimeInterval(120))
        let listed = await reconciler.run()
        #expect(listed.incremental == 1 && listed.pushed == 0)
        #expect(value() == "In Review")
        // Off the board, the issue speaks for itself again (assigned: In Progress), once a full pass reads it.
        await github.setBoardStatus(number: number, to: nil, at: .now.addingTimeInterval(180))
        try await fixture.clock.sleep(for: .seconds(3601))
        #expect(await reconciler.run().pushed == 1)
        #expect(value() == "In Progress")
    }

    @Test("a card taken off the board whose delivery was lost: the next full pass puts the issue back to what it says itself")
    func healsMissedCardRemoval() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(1)
        _ = await fixture.engine().run(fixture.target(), trigger: "test")
        let github = fixture.simulators.github
        let number = try #require(github.issues.first?.number)
        let reconciler = fixture.reconciler(fixture.githubWithBoards, fullPassInterval: .seconds(3600))
        func value() -> String? { fixture.simulators.craft.items.first?.customFieldValue("dev_status") }
        await github.setBoardStatus(number: number, to: "In Review", at: .now.addingTimeInterval(60))
        _ = await reconciler.run()
        #expect(value() == "In Review")
        #expect(try await fixture.store.mappings.list(MappingFilter(), limit: 1).first?.lastDevStatus == "project:In Review")
        // Off the board, nobody told: the issue's own time is older than the card's, yet the read ends the card.
        await github.setBoardStatus(number: number, to: nil, at: .now.addingTimeInterval(120))
        try await fixture.clock.sleep(for: .seconds(3601))
        #expect(await reconciler.run().pushed == 1)
        #expect(value() == "To Do")
        // Only a tool that reads boards may say so: without them, an older read never steps back over the card.
        await github.setBoardStatus(number: number, to: "In Review", at: .now.addingTimeInterval(180))
        try await fixture.clock.sleep(for: .seconds(3601))
        _ = await reconciler.run()
        #expect(value() == "In Review")
        let boardsOff = fixture.reconciler(fullPassInterval: .seconds(1))
        try await fixture.clock.sleep(for: .seconds(2))
        let offResult = await boardsOff.run()
        #expect(offResult.checked == 1 && offResult.incremental == 0 && offResult.pushed == 0, "a full pass read it, and left it")
        #expect(value() == "In Review")
    }

    @Test("a failed listing does not move the cursor: the change is healed by the next cycle")
    func failedListingKeepsCursor() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(2)
        _ = await fixture.engine().run(fixture.target(), trigger: "test")
        let reconciler = fixture.reconciler()
        _ = await reconciler.run()
        let number = try #require(fixture.simulators.github.issues.first?.number)
        await fixture.simulators.github.setState(number: number, state: "closed", reason: "completed", at: .now.addingTimeInterval(3600))
        fixture.simulators.faults.set(.init(target: "github", failNext: 100, status: 500))
        let failed = await reconciler.run()
        #expect(failed.failed == 1 && failed.pushed == 0)
        fixture.simulators.faults.clear()
        let healed = await reconciler.run()
        #expect(healed.pushed == 1 && healed.incremental == 1)
    }

    @Test("a full pass comes back after fullPassInterval")
    func fullPassAgain() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(2)
        _ = await fixture.engine().run(fixture.target(), trigger: "test")
        let reconciler = fixture.reconciler(fullPassInterval: .seconds(3600))
        #expect(await reconciler.run().incremental == 0)
        #expect(await reconciler.run().incremental == 1)
        try await fixture.clock.sleep(for: .seconds(3601))
        #expect(await reconciler.run().incremental == 0, "a day's full pass catches what no listing shows (deletions)")
    }

    @Test("while the token's budget is low, reconciliation waits (no call) and loses nothing; after the reset it heals")
    func waitsForBudget() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(2)
        _ = await fixture.engine().run(fixture.target(), trigger: "test")
        let budget = RateBudget()
        let reset = fixture.clock.now().addingTimeInterval(600)
        budget.record(header: { ["x-ratelimit-remaining": "40", "x-ratelimit-limit": "5000", "x-ratelimit-reset": String(Int(reset.timeIntervalSince1970))][$0] }, now: fixture.clock.now())
        let reconciler = Reconciler(
            store: fixture.store, craft: fixture.craft, tools: [fixture.github], statusMapping: StatusMapping(), progressField: "dev_status",
            clock: fixture.clock, logger: IntakeFixture.quietLogger, budgets: ["github": budget])
        let reads = fixture.simulators.calls.count("github GET /repos/:owner/:repo/issues/:number")
        #expect(await reconciler.run() == .init(deferred: 1))
        #expect(fixture.simulators.calls.count("github GET /repos/:owner/:repo/issues/:number") == reads)
        try await fixture.clock.sleep(for: .seconds(601))
        let healed = await reconciler.run()
        #expect(healed.deferred == 0 && healed.checked == 2 && healed.pushed == 2)
    }

    /// Today's failure: the reconciler recorded its own clock as the event order; a host clock ahead of the tool's
    /// made every later webhook "older than the last event applied", and the close never reached Craft.io.
    @Test("orders come from the tool's clock: a reconcile on a host clock far ahead leaves later webhooks applicable")
    func toolClockOrdersReads() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(1)
        _ = await fixture.engine().run(fixture.target(), trigger: "test")
        fixture.clock.advance(by: .seconds(365 * 24 * 3600))  // the host clock jumps a year ahead
        let reconciler = fixture.reconciler()
        #expect(await reconciler.run().pushed == 1)

        // GitHub then closes the issue, a second later by GitHub's clock, and its webhook arrives.
        let issue = try #require(fixture.simulators.github.issues.first)
        let mapping = try #require(try await fixture.store.mappings.mapping(devToolInstance: "github", devIssueID: issue.id))
        let closedAt = issue.updatedAt.addingTimeInterval(1).formatted(.iso8601)
        let body = Array(String(decoding: try fixtureBytes("github/issues_closed_completed.json"), as: UTF8.self)
            .replacingOccurrences(of: "\"updated_at\": \"2022-07-08T13:54:56Z\"", with: "\"updated_at\": \"\(closedAt)\"").utf8)
            .replacingIssue(from: "1299020697", to: issue.id)
        let id = try await fixture.deliver(at: fixture.clock.now(), body: body)
        let processor = fixture.processor()
        await processor.processDue()
        let event = try await fixture.store.events.event(id: id)
        #expect(event?.state == .processed, "\(String(describing: event?.ignoredReason))")
        #expect(try await fixture.store.mappings.mapping(id: mapping.id)?.lastPushedStatus == "Done")
    }

    @Test("a same-second change after a reconcile still applies (GitHub times have one-second resolution)")
    func sameSecondApplies() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(1)
        _ = await fixture.engine().run(fixture.target(), trigger: "test")
        let reconciler = fixture.reconciler()
        _ = await reconciler.run()
        let issue = try #require(fixture.simulators.github.issues.first)
        let sameSecond = issue.updatedAt.formatted(.iso8601)
        let body = Array(String(decoding: try fixtureBytes("github/issues_closed_completed.json"), as: UTF8.self)
            .replacingOccurrences(of: "\"updated_at\": \"2022-07-08T13:54:56Z\"", with: "\"updated_at\": \"\(sameSecond)\"").utf8)
            .replacingIssue(from: "1299020697", to: issue.id)
        let id = try await fixture.deliver(at: fixture.clock.now(), body: body)
        let processor = fixture.processor()
        await processor.processDue()
        #expect(try await fixture.store.events.event(id: id)?.state == .processed)
        #expect(fixture.simulators.craft.items.first?.customFieldValue("dev_status") == "Done")
    }
}

@Suite("Concurrent progress writers", .awaitsTeardown)
struct ProgressWriteTests {
    /// The processor (a webhook) and the reconciler (a read) write one item at the same time, many times, in both
    /// orders of age: Craft.io and the store end at the newer dev-tool state.
    @Test("processor and reconciler racing on one item converge on the newest state", arguments: [true, false])
    func racingWriters(webhookIsNewer: Bool) async throws {
        for round in 0..<10 {
            let fixture = try IntakeFixture()
            Teardown.later { await fixture.simulators.shutdown() }
            fixture.seed(1)
            _ = await fixture.engine().run(fixture.target(), trigger: "test")
            let issue = try #require(fixture.simulators.github.issues.first)
            let base = issue.updatedAt
            // The tool's state as the reconciler will read it, and the webhook's state, one second apart.
            let readAt = webhookIsNewer ? base.addingTimeInterval(1) : base.addingTimeInterval(2)
            let hookAt = webhookIsNewer ? base.addingTimeInterval(2) : base.addingTimeInterval(1)
            await fixture.simulators.github.setState(number: issue.number, state: webhookIsNewer ? "open" : "closed", reason: webhookIsNewer ? "reopened" : "completed", at: readAt)
            let hookBody = Array(String(decoding: try fixtureBytes(webhookIsNewer ? "github/issues_closed_completed.json" : "github/issues_reopened.json"), as: UTF8.self)
                .replacingOccurrences(of: #"("updated_at": ")[^"]*(")"#, with: "$1\(hookAt.formatted(.iso8601))$2", options: .regularExpression)
                .replacingOccurrences(of: #""id": (1299020697|444500041)"#, with: "\"id\": \(issue.id)", options: .regularExpression).utf8)
            let id = try await fixture.deliver(at: fixture.clock.now(), body: hookBody)
            fixture.simulators.faults.set(.init(target: "craft", latencyMs: Int.random(in: 0...15)))
            let processor = fixture.processor()
            let reconciler = fixture.reconciler()
            async let processed = processor.processDue()
            async let reconciled = reconciler.run()
            _ = await (processed, reconciled)
            // Applied, or found stale because reconciliation got there first: either way finished, never left failed.
            let state = try await fixture.store.events.event(id: id)?.state
            #expect(state == .processed || state == .ignored, "round \(round): \(String(describing: state))")
            let newest = "Done"  // closed as completed is the newer state in both arrangements
            #expect(fixture.simulators.craft.items.first?.customFieldValue("dev_status") == newest, "round \(round)")
            let mapping = try #require(try await fixture.store.mappings.mapping(devToolInstance: "github", devIssueID: issue.id))
            #expect(mapping.lastPushedStatus == newest, "round \(round)")
        }
    }

    @Test("an older write that lands in Craft.io after a newer one is undone")
    func olderWriteLosesInCraft() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let item = try #require(fixture.seed(1).first)
        guard case .claimed(let mapping) = try await fixture.store.mappings.claim(
            workspaceID: fixture.workspace, craftItemID: item.id, devToolKind: "github", devToolInstance: "github", contentHash: nil, holder: .test, now: .now)
        else { Issue.record("no claim"); return }
        // The other writer already recorded a newer state while ours was on its way.
        #expect(try await fixture.store.mappings.recordPush(id: mapping.id, status: "Done", eventOrder: 2000, now: .now))
        let writer = ProgressWrite(store: fixture.store, craft: fixture.craft, field: "dev_status", clock: fixture.clock, logger: IntakeFixture.quietLogger)
        try await writer.push(mapping, value: "In Progress", order: 900)
        #expect(fixture.simulators.craft.updates.map(\.value) == ["In Progress", "Done"])
        #expect(fixture.simulators.craft.items.first?.customFieldValue("dev_status") == "Done")
    }
}
