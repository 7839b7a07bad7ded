import CraftAPI
import Foundation
import Simulators
import Store
import Testing
import TestSupport
@testable import SyncEngine

/// Where Craft.io filters by update time (the published form's `updated_from`), a poll lists only what changed since
/// the newest update it saw. The cursor must never skip an item.
@Suite("Incremental polls", .awaitsTeardown)
struct IncrementalPollTests {
    let base = Date(timeIntervalSince1970: 1_900_000_000)

    func seed(_ fixture: IntakeFixture, _ title: String, at time: Date, status: String = "Ready for Development") -> SimulatedCraftItem {
        fixture.simulators.craft.seed(.init(workspaceId: fixture.workspace, title: title, status: status, type: "Feature"), now: time)
    }

    @Test("after a full listing, a poll lists only items updated since; the guide's form always lists all")
    func listsOnlyChanges() async throws {
        let fixture = try IntakeFixture(craftDialect: .openapi)
        Teardown.later { await fixture.simulators.shutdown() }
        for index in 0..<3 { _ = seed(fixture, "Old \(index)", at: base.addingTimeInterval(Double(index - 2) * 3600)) }
        let engine = fixture.engine()
        let first = await engine.run(fixture.target(), trigger: "test")
        #expect(first.updatedSince == nil && first.counts.created == 3)
        _ = seed(fixture, "New", at: base.addingTimeInterval(3600))
        let second = await engine.run(fixture.target(), trigger: "test")
        #expect(second.updatedSince == base.addingTimeInterval(-300), "the newest update seen, less the overlap")
        // Listed: the new item, and the one old item within the overlap of the newest update seen.
        #expect(second.counts.seen == 2 && second.created.map(\.title) == ["New"])

        let guide = try IntakeFixture(craftDialect: .guide)
        Teardown.later { await guide.simulators.shutdown() }
        guide.seed(2)
        let guideEngine = guide.engine()
        _ = await guideEngine.run(guide.target(), trigger: "test")
        #expect(await guideEngine.run(guide.target(), trigger: "test").updatedSince == nil)
    }

    @Test("an item whose update time is older than the newest seen, within the overlap, is still listed (an update during the poll, clock skew)")
    func overlapCatchesLateTimes() async throws {
        let fixture = try IntakeFixture(craftDialect: .openapi)
        Teardown.later { await fixture.simulators.shutdown() }
        _ = seed(fixture, "First", at: base)
        let engine = fixture.engine()
        _ = await engine.run(fixture.target(), trigger: "test")
        // Written by another Craft.io node whose clock is two minutes behind, or committed during the last poll.
        _ = seed(fixture, "Late", at: base.addingTimeInterval(-120))
        let next = await engine.run(fixture.target(), trigger: "test")
        #expect(next.created.map(\.title) == ["Late"])
    }

    @Test("the host clock far ahead of Craft.io's changes nothing: the cursor is Craft.io's own time")
    func hostClockAhead() async throws {
        let fixture = try IntakeFixture(craftDialect: .openapi)
        Teardown.later { await fixture.simulators.shutdown() }
        // The host runs six hours ahead of every time Craft.io writes: a cursor taken from the host's clock would skip "Second".
        fixture.clock.advance(by: .seconds(base.timeIntervalSince(fixture.clock.now()) + 6 * 3600))
        _ = seed(fixture, "First", at: base)
        let engine = fixture.engine()
        _ = await engine.run(fixture.target(), trigger: "test")
        _ = seed(fixture, "Second", at: base.addingTimeInterval(10))
        let next = await engine.run(fixture.target(), trigger: "test")
        #expect(next.updatedSince != nil && next.created.map(\.title) == ["Second"])
    }

    @Test("a failed poll leaves the cursor where it was; a full listing comes back after fullPollInterval")
    func failuresDoNotAdvance() async throws {
        let fixture = try IntakeFixture(craftDialect: .openapi)
        Teardown.later { await fixture.simulators.shutdown() }
        _ = seed(fixture, "First", at: base)
        let engine = fixture.engine(settings: IntakeSettings(fullPollInterval: .seconds(3600)))
        _ = await engine.run(fixture.target(), trigger: "test")
        let cursor = try await fixture.store.cursors.value(IntakeEngine.updatedSinceCursor(fixture.target()))

        fixture.simulators.faults.set(.init(target: "craft", failNext: 100, status: 500))
        _ = seed(fixture, "During the outage", at: base.addingTimeInterval(600))
        let failed = await engine.run(fixture.target(), trigger: "test")
        #expect(failed.error != nil)
        #expect(try await fixture.store.cursors.value(IntakeEngine.updatedSinceCursor(fixture.target())) == cursor)
        fixture.simulators.faults.clear()
        #expect(await engine.run(fixture.target(), trigger: "test").created.map(\.title) == ["During the outage"])

        // Beyond the overlap and older than the cursor: only the periodic full listing can see it.
        _ = seed(fixture, "Long ago", at: base.addingTimeInterval(-7200))
        #expect(await engine.run(fixture.target(), trigger: "test").created.isEmpty)
        try await fixture.clock.sleep(for: .seconds(3601))
        let full = await engine.run(fixture.target(), trigger: "test")
        #expect(full.updatedSince == nil && full.created.map(\.title) == ["Long ago"])
    }
}
