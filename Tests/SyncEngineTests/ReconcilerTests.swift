import DevTools
import Foundation
import Logging
import Testing
@testable import SyncEngine

@Suite("Reconciliation")
struct ReconcilerTests {
    @Test("a change whose webhook never came is pushed within one cycle, and only once")
    func healsMissedWebhook() async throws {
        let fixture = try IntakeFixture()
        defer { Task { await fixture.simulators.shutdown() } }
        fixture.seed(3)
        _ = await fixture.engine().run(fixture.target(), trigger: "test")
        // No webhook target is configured: these changes reach nobody.
        let number = try #require(fixture.simulators.github.issues.first { $0.title == "Item 1" }?.number)
        await fixture.simulators.github.setState(number: number, state: "closed", reason: "not_planned")
        var logger = Logger(label: "reconcile-test")
        logger.logLevel = .critical
        let reconciler = Reconciler(
            store: fixture.store, craft: fixture.craft, tools: [fixture.github], statusMapping: StatusMapping(), progressField: "dev_status",
            clock: fixture.clock, logger: logger, batchSize: 2)
        let first = await reconciler.run()
        #expect(first == .init(checked: 3, pushed: 3, failed: 0))  // two open (To Do), one closed as not planned
        let values = Dictionary(uniqueKeysWithValues: fixture.simulators.craft.items.map { ($0.title, $0.customFieldValue("dev_status")) })
        #expect(values == ["Item 0": "To Do", "Item 1": "Won't Do", "Item 2": "To Do"])
        let second = await reconciler.run()
        #expect(second == .init(checked: 3, pushed: 0, failed: 0))
        #expect(fixture.simulators.craft.updates.count == 3)
    }
}

@Suite("Concurrent progress writers")
struct ProgressWriteTests {
    @Test("an older write that lands in Craft.io after a newer one is undone")
    func olderWriteLosesInCraft() async throws {
        let fixture = try IntakeFixture()
        defer { Task { await fixture.simulators.shutdown() } }
        let item = try #require(fixture.seed(1).first)
        guard case .claimed(let mapping) = try await fixture.store.mappings.claim(
            workspaceID: fixture.workspace, craftItemID: item.id, devToolKind: "github", devToolInstance: "github", contentHash: nil, now: .now)
        else { Issue.record("no claim"); return }
        // The other writer already recorded a newer state while ours was on its way.
        #expect(try await fixture.store.mappings.recordPush(id: mapping.id, status: "Done", eventOrder: 2000, now: .now))
        let writer = ProgressWrite(store: fixture.store, craft: fixture.craft, field: "dev_status", clock: fixture.clock)
        try await writer.push(mapping, value: "In Progress", order: 900)
        #expect(fixture.simulators.craft.updates.map(\.value) == ["In Progress", "Done"])
        #expect(fixture.simulators.craft.items.first?.customFieldValue("dev_status") == "Done")
    }
}
