import CraftAPI
import DevTools
import Foundation
import Support
import Simulators
import Store
import Synchronization
import Testing
import TestSupport
@testable import SyncEngine

@Suite("Intake: ready items become issues exactly once", .awaitsTeardown)
struct IntakeTests {
    @Test("a run reports its progress after each item: done counts up to the total, with what was created")
    func reportsProgress() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(5)
        let heard = Mutex<[IntakeProgress]>([])
        _ = await fixture.engine(settings: IntakeSettings(concurrency: 2)).run(fixture.target(fixture.github), trigger: "test") { progress in
            heard.withLock { $0.append(progress) }
        }
        let reports = heard.withLock { $0 }
        #expect(reports.map(\.done) == [1, 2, 3, 4, 5])
        #expect(reports.allSatisfy { $0.total == 5 && $0.workspaceID == fixture.workspace })
        #expect(reports.last?.created == 5 && reports.last?.failed == 0)
    }

    @Test("N ready items become N issues; a second poll creates nothing; other statuses are untouched")
    func createsOnce() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let ready = fixture.seed(5)
        fixture.seed(2, status: "In Refinement", prefix: "Draft")
        let engine = fixture.engine()

        let first = await engine.run(fixture.target(), trigger: "test")
        #expect(first.error == nil)
        #expect(first.counts.seen == 5 && first.counts.created == 5 && first.counts.failed == 0)
        #expect(Set(fixture.githubMarkers) == Set(ready.map { "craft:\($0.id)" }))
        #expect(fixture.githubMarkers.count == 5)

        let second = await engine.run(fixture.target(), trigger: "test")
        #expect(second.counts.created == 0 && second.counts.seen == 5)
        #expect(fixture.simulators.github.issues.count == 5)
        #expect(try await fixture.store.mappings.countsByState() == [.linked: 5])
        let runID = try #require(first.runID)
        let run = try #require(try await fixture.store.runs.run(id: runID))
        #expect(run.counts.created == 5 && run.finishedAt != nil)
    }

    @Test("every simulator fault still ends with exactly one issue per item", arguments: [
        FaultInjector.Fault(target: "github", failNext: 2, status: 502),
        FaultInjector.Fault(target: "github", failNext: 3, status: 429, retryAfter: "2"),
        FaultInjector.Fault(target: "github", latencyMs: 50),
        // A reset costs one request timeout (2 s here): libcurl holds one in-flight request until it expires.
        FaultInjector.Fault(target: "github", resetAfterCreate: 3),
        // A gateway's 502 after the origin created the issue: the marker lookup finds it.
        FaultInjector.Fault(target: "github", failAfterCreate: 3),
        FaultInjector.Fault(target: "craft", failNext: 2, status: 503),
    ])
    func faults(_ fault: FaultInjector.Fault) async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(6)
        fixture.simulators.faults.set(fault)
        let engine = fixture.engine(settings: IntakeSettings(concurrency: 3, createAttempts: 5))
        let report = await engine.run(fixture.target(), trigger: "test")
        #expect(report.error == nil)
        #expect(report.counts.created == 6, "failed: \(report.failed)")
        #expect(fixture.githubMarkers.count == 6)
        #expect(Set(fixture.githubMarkers).count == 6)
    }

    @Test("a crash after the dev tool created the issue but before the link was stored is healed without a duplicate")
    func crashBetweenCreateAndCommit() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let item = try #require(fixture.seed(1).first)
        // What the crashed run left: a pending mapping, and the issue already in GitHub with its marker.
        _ = try await fixture.store.mappings.claim(
            workspaceID: fixture.workspace, craftItemID: item.id, devToolKind: "github", devToolInstance: "github", contentHash: nil, holder: .test, now: .now)
        _ = try await fixture.github.create(NewIssue(title: item.title, description: "", marker: fixture.github.marker(for: item.id)))

        let report = await fixture.engine().run(fixture.target(), trigger: "restart")
        #expect(report.created.map(\.recovered) == [true])
        #expect(fixture.simulators.github.issues.count == 1)
        #expect(try await fixture.store.mappings.countsByState() == [.linked: 1])
    }

    @Test("a fresh pending claim belongs to a live run elsewhere and is left alone until its lease runs out")
    func liveClaimRespected() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let item = try #require(fixture.seed(1).first)
        _ = try await fixture.store.mappings.claim(
            workspaceID: fixture.workspace, craftItemID: item.id, devToolKind: "github", devToolInstance: "github", contentHash: nil,
            holder: .test, now: fixture.clock.now())
        let engine = fixture.engine(settings: IntakeSettings(claimLease: .seconds(300)))
        let early = await engine.run(fixture.target(), trigger: "replica")
        #expect(early.counts.created == 0 && early.counts.skipped == 1)
        // Said with who holds it: which host, which process, which run.
        #expect(early.skipped.first?.1.hasPrefix("being created by another run (test, pid 0, run test) until ") == true, "\(early.skipped)")
        #expect(fixture.simulators.github.issues.isEmpty)

        try await fixture.clock.sleep(for: .seconds(301))
        let late = await engine.run(fixture.target(), trigger: "schedule")
        #expect(late.created.map(\.recovered) == [false])
        #expect(fixture.simulators.github.issues.count == 1)
    }

    @Test("overlapping polls of one workspace run one at a time, and two engines on one database create once")
    func overlapping() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(8)
        fixture.simulators.faults.set(.init(target: "github", latencyMs: 20))
        let engine = fixture.engine()
        let replica = fixture.engine()
        async let a = engine.run(fixture.target(), trigger: "schedule")
        async let b = engine.run(fixture.target(), trigger: "manual")
        async let c = replica.run(fixture.target(), trigger: "replica")
        let reports = await [a, b, c]
        #expect(reports.contains { $0.error?.contains("already in progress") == true })
        #expect(fixture.githubMarkers.count == 8)
        #expect(Set(fixture.githubMarkers).count == 8)
    }

    @Test("items Craft.io's own integration linked are skipped and reported")
    func linkedByCraft() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(1)
        fixture.simulators.craft.seed(.init(workspaceId: fixture.workspace, title: "Linked", status: "Ready for Development", devToolKey: ["jira": "OPS-9"]))
        let report = await fixture.engine().run(fixture.target(), trigger: "test")
        #expect(report.counts.created == 1 && report.counts.skipped == 1)
        #expect(report.skipped.first?.reason.contains("OPS-9") == true)
    }

    @Test("a create that cannot succeed marks its item failed and the others go on")
    func failingItem() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(3)
        fixture.simulators.faults.set(.init(target: "github", failNext: 1, status: 422))
        let report = await fixture.engine(settings: IntakeSettings(concurrency: 1)).run(fixture.target(), trigger: "test")
        #expect(report.counts.created == 2 && report.counts.failed == 1)
        #expect(report.failed.first?.reason.contains("422") == true)
        #expect(try await fixture.store.mappings.countsByState() == [.linked: 2, .failed: 1])
        let again = await fixture.engine().run(fixture.target(), trigger: "test")
        #expect(again.counts.created == 0 && again.counts.skipped == 1)
        #expect(again.skipped.first?.reason.contains("/retry") == true)

        // After an operator's retry the next run looks for the marker, finds none, and creates the issue.
        let failedItem = try #require(report.failed.first?.craftItemID)
        let failed = try #require(try await fixture.store.mappings.mappings(craftItemID: failedItem).first)
        #expect(try await fixture.store.mappings.retry(id: failed.id))
        let retried = await fixture.engine().run(fixture.target(), trigger: "test")
        #expect(retried.created.map(\.craftItemID) == [failedItem])
        #expect(fixture.simulators.github.issues.count == 3)
    }

    @Test("Craft.io being down fails the run cleanly; the next run picks up")
    func craftDown() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(2)
        fixture.simulators.faults.set(.init(target: "craft", failNext: 10, status: 500))
        let failed = await fixture.engine().run(fixture.target(), trigger: "test")
        #expect(failed.error?.contains("500") == true)
        #expect(fixture.simulators.github.issues.isEmpty)
        let runID = try #require(failed.runID)
        #expect(try await fixture.store.runs.run(id: runID)?.error != nil)
        fixture.simulators.faults.clear()
        #expect(await fixture.engine().run(fixture.target(), trigger: "test").counts.created == 2)
    }

    @Test("a dry run plans the mapped issues and writes nothing anywhere")
    func dryRun() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(2)
        let planned = try await fixture.engine().plan(fixture.target(fixture.jira)).creates
        #expect(planned.map(\.issue.title) == ["Item 0", "Item 1"])
        #expect(planned.first?.issue.issueType == "Story")
        #expect(fixture.simulators.jira.issues.isEmpty)
        #expect(try await fixture.store.mappings.countsByState().isEmpty)
        #expect(try await fixture.store.runs.list().isEmpty)
    }

    @Test("Jira works the same, writes the link back to Craft, and edits after sync are reported as drift")
    func jiraLinkBackAndDrift() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let item = try #require(fixture.seed(1).first)
        let engine = fixture.engine()
        let report = await engine.run(fixture.target(fixture.jira, linkField: "dev_link"), trigger: "test")
        let created = try #require(report.created.first)
        #expect(created.issue.key == "ACME-1")
        #expect(fixture.simulators.craft.items.first?.customFieldValue("dev_link") == "ACME-1 \(created.issue.url)")

        fixture.simulators.craft.rename(itemID: item.id, title: "Item 0, renamed")
        let later = await engine.run(fixture.target(fixture.jira, linkField: "dev_link"), trigger: "test")
        #expect(later.drifted == [item.id])
        #expect(fixture.simulators.jira.issues.count == 1)
    }

    @Test("a dry run shows, field by field, what changed in Craft.io for linked items since their issue was created")
    func dryRunDrift() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let items = fixture.seed(2)
        _ = await fixture.engine().run(fixture.target(), trigger: "test")
        fixture.simulators.craft.rename(itemID: items[0].id, title: "Item 0, renamed")
        let plan = try await fixture.engine().plan(fixture.target())
        #expect(plan.creates.isEmpty)
        let drifted = try #require(plan.drifted.first)
        #expect(plan.drifted.count == 1 && drifted.item.id == items[0].id && drifted.issueKey != nil)
        #expect(drifted.changes == [FieldChange(field: "title", before: "Item 0", after: "Item 0, renamed")])
    }

    @Test("a spent rate budget: a create waits for a reset that is near, and leaves its claim pending when it is far; never a failure")
    func spentBudget() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(1)
        let budget = RateBudget()
        func spend(resetIn seconds: Double) {
            let reset = String(Int(fixture.clock.now().addingTimeInterval(seconds).timeIntervalSince1970))
            budget.record(header: { ["x-ratelimit-remaining": "0", "x-ratelimit-limit": "5000", "x-ratelimit-reset": reset][$0] }, now: fixture.clock.now())
        }
        let engine = IntakeEngine(
            craft: fixture.craft, store: fixture.store, mapping: FieldMapping(), clock: fixture.clock, logger: IntakeFixture.quietLogger,
            budgets: ["github": budget])
        spend(resetIn: 3600)
        let far = await engine.run(fixture.target(), trigger: "test")
        #expect(far.counts.created == 0 && far.counts.failed == 0 && far.skipped.first?.reason.contains("rate budget") == true)
        #expect(fixture.simulators.github.issues.isEmpty)
        #expect(try await fixture.store.mappings.countsByState() == [.pending: 1])

        // Later, with the reset 30 s away: the claim (past its lease) is taken over and the create waits, then runs.
        try await fixture.clock.sleep(for: .seconds(600))
        spend(resetIn: 30)
        let sleptBefore = fixture.clock.sleeps.count
        let near = await engine.run(fixture.target(), trigger: "test")
        #expect(near.counts.created == 1 && fixture.simulators.github.issues.count == 1)
        #expect(fixture.clock.sleeps.dropFirst(sleptBefore).contains(.seconds(30)))
    }

    @Test("the per-minute cap spaces creates out on the clock")
    func perMinuteCap() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(5)
        let started = fixture.clock.now()
        let report = await fixture.engine(settings: IntakeSettings(concurrency: 1, perMinuteCap: 2)).run(fixture.target(), trigger: "test")
        #expect(report.counts.created == 5)
        #expect(fixture.clock.now().timeIntervalSince(started) >= 120)
    }

    @Test("a first sync under GitHub's content limits (80 a minute, 500 an hour) fails nothing and ends within 5 % of the ideal time")
    func firstSyncUnderContentLimits() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(1000)
        let started = fixture.clock.now()
        // One create at a time: the test clock adds up the waits of concurrent sleepers, which would overstate the time.
        let report = await fixture.engine(settings: IntakeSettings(concurrency: 1, perMinuteCap: 80, perHourCap: 500))
            .run(fixture.target(), trigger: "test")
        #expect(report.counts.created == 1000 && report.counts.failed == 0 && report.counts.skipped == 0)
        // The ideal: each create at the earliest moment both windows allow (80 in any minute, 500 in any hour).
        var earliest: [Double] = []
        for index in 0..<1000 {
            earliest.append(max(
                earliest.last ?? 0, index >= 80 ? earliest[index - 80] + 60 : 0, index >= 500 ? earliest[index - 500] + 3600 : 0))
        }
        let ideal = earliest[999]
        let took = fixture.clock.now().timeIntervalSince(started)
        #expect(took >= ideal - 1 && took <= ideal * 1.05, "took \(took) s of simulated time; ideal \(ideal) s")
    }
}

@Suite("Intake with a dev tool whose search lags", .awaitsTeardown)
struct LaggingSearchTests {
    @Test("Jira: a create lost to a reset is not retried at once; after the lease the marker finds it")
    func jiraResetWaitsForLease() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(1)
        fixture.simulators.faults.set(.init(target: "jira", resetAfterCreate: 1))
        let engine = fixture.engine(settings: IntakeSettings(claimLease: .seconds(300)))
        let first = await engine.run(fixture.target(fixture.jira), trigger: "test")
        #expect(first.counts.created == 0 && first.counts.skipped == 1)
        #expect(first.skipped.first?.reason.contains("outcome is unknown") == true)
        #expect(fixture.simulators.jira.issues.count == 1)

        try await fixture.clock.sleep(for: .seconds(301))
        let later = await engine.run(fixture.target(fixture.jira), trigger: "test")
        #expect(later.created.map(\.recovered) == [true])
        #expect(fixture.simulators.jira.issues.count == 1)
    }
}
