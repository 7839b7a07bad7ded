import BenchSupport
import CraftAPI
import DevTools
import Foundation
import Logging
import OutboundHTTP
import Simulators
import Store
import Support
import Synchronization
import SyncEngine

// A first sync of N ready items (default 10,000) into a simulated GitHub under its documented content-creation
// limits (80 creates a minute, 500 an hour), on an accelerated clock: waits advance virtual time at once, so hours of
// pacing run in seconds. Prints failures, the virtual time taken, and the earliest time the limits allow.
// Usage: FirstSyncBench [ITEMS]

/// Virtual time: `sleep` moves it on and returns at once.
final class AcceleratedClock: SyncClock {
    private let time = Mutex(Date())
    func now() -> Date { time.withLock { $0 } }
    func sleep(for duration: Duration) async throws {
        time.withLock { $0 = $0.addingTimeInterval(duration.timeInterval) }
        await Task.yield()
    }
}

let count = Int(CommandLine.arguments.dropFirst().first ?? "10000") ?? 10000
let logger = Bench.logger()
let simulators = SimulatorServer(logger: logger)
try simulators.start()
simulators.github.setRateLimit(1_000_000)
for index in 0..<count {
    simulators.craft.seed(.init(workspaceId: "ws-bench", title: "Item \(index)", status: "Ready for Development", type: "Feature"))
}
let (store, directory) = try Bench.temporaryStore("first-sync")
defer { try? FileManager.default.removeItem(at: directory) }
let clock = AcceleratedClock()
let (craft, github) = Bench.clients(simulators, dialect: .guide, transport: URLSessionHTTPClient(requestTimeout: 30), clock: clock)
// One create at a time: concurrent sleepers would each move the shared virtual clock.
let engine = IntakeEngine(
    craft: craft, store: store, mapping: FieldMapping(), clock: clock,
    settings: IntakeSettings(concurrency: 1, perMinuteCap: 80, perHourCap: 500, claimLease: .seconds(24 * 3600)), logger: logger)
let started = clock.now()
let wall = ContinuousClock.now
let report = await engine.run(IntakeTarget(workspaceID: "ws-bench", devTool: github), trigger: "bench")
let took = clock.now().timeIntervalSince(started)
var earliest: [Double] = []
for index in 0..<count {
    earliest.append(max(earliest.last ?? 0, index >= 80 ? earliest[index - 80] + 60 : 0, index >= 500 ? earliest[index - 500] + 3600 : 0))
}
let ideal = earliest[count - 1]
print("first sync of \(count) items under 80 creates/minute and 500/hour (virtual time)")
print(String(format: "  created %d, failed %d, skipped %d; took %.0f s (%.1f h) of virtual time against the earliest the limits allow, %.0f s: %.2f%% over; %.1f s wall",
    report.counts.created, report.counts.failed, report.counts.skipped, took, took / 3600, ideal, (took / ideal - 1) * 100,
    Double((ContinuousClock.now - wall).components.seconds)))
print("  GitHub create calls: \(simulators.calls.count("github POST /repos/:owner/:repo/issues")) (one per item: no refused create retried)")
await simulators.shutdown()
