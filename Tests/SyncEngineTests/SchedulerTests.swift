import Foundation
import Synchronization
import Testing
import TestSupport
@testable import SyncEngine

@Suite("The intake scheduler", .awaitsTeardown)
struct SchedulerTests {
    @Test("polls at start, then every interval give or take the jitter, on the injected clock")
    func schedule() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(2)
        let cycles = Mutex(0)
        let scheduler = SyncCycleScheduler(
            engine: fixture.engine(), targets: [fixture.target()], interval: .seconds(3600), jitter: .seconds(60), clock: fixture.clock,
            random: { 0.75 }, afterCycle: { cycles.withLock { $0 += 1 } })
        #expect(scheduler.nextWait() == .seconds(3630))
        let reports = await scheduler.runAll(trigger: "startup")
        #expect(reports.map(\.counts.created) == [2])
        #expect(cycles.withLock { $0 } == 1, "the after-cycle hook (the service's memory release) runs once per cycle")
        let task = Task { await scheduler.run() }
        // The fast clock lets the loop spin through many intervals; each later poll finds nothing new.
        while try await fixture.store.runs.list(limit: 100).count < 5 { await Task.yield() }
        task.cancel()
        let runs = try await fixture.store.runs.list(limit: 100)
        #expect(runs.last?.trigger == "startup")
        #expect(runs.dropLast().contains { $0.trigger == "schedule" })
        #expect(fixture.simulators.github.issues.count == 2)
    }
}
