import BenchSupport
import CraftAPI
import DevTools
import Foundation
import Logging
import OutboundHTTP
import Simulators
import Store
import Support
import SyncEngine

// Steady state at scale: W workspaces of N linked items each (default 100 × 1,000 = 100,000 mappings) on one
// simulated GitHub, Craft.io in the published form (incremental polls). Builds the linked state with a first cycle,
// then changes 1 % of the issues with their webhooks lost, and measures one cycle (poll every workspace, then
// reconcile): API calls by endpoint, CPU seconds, RSS, and whether every change reached Craft.io. The same cycle with
// the per-item reconciliation (a full pass) is measured after it, side by side.
// Usage: ScaleBench [WORKSPACES] [ITEMS_PER_WORKSPACE] [CHANGED_PERCENT]   (simulators in this process; their CPU counts)

let arguments = CommandLine.arguments.dropFirst().map { Int($0) ?? 0 }
let workspaces = arguments.count > 0 ? arguments[0] : 100
let perWorkspace = arguments.count > 1 ? arguments[1] : 1000
let changedPercent = arguments.count > 2 ? arguments[2] : 1

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func residentMB() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}


let logger = Bench.logger()
let simulators = SimulatorServer(logger: logger)
try simulators.start()
let credentials = simulators.credentials
let now = Date()
Bench.seedBacklog(simulators, workspaces: workspaces, perWorkspace: perWorkspace, now: now)

let (store, directory) = try Bench.temporaryStore("scale-bench")
defer { try? FileManager.default.removeItem(at: directory) }
let clock = SystemClock()
let (craft, github) = Bench.clients(simulators, dialect: .openapi, transport: URLSessionHTTPClient(requestTimeout: 60), clock: clock)
let engine = IntakeEngine(craft: craft, store: store, mapping: FieldMapping(), clock: clock, settings: IntakeSettings(concurrency: 16), logger: logger)
let targets = (0..<workspaces).map { IntakeTarget(workspaceID: "ws-\($0)", devTool: github) }
func reconciler(fullPassInterval: Duration) -> Reconciler {
    Reconciler(
        store: store, craft: craft, tools: [github], statusMapping: StatusMapping(), progressField: "dev_status", clock: clock, logger: logger,
        batchSize: 500, fullPassInterval: fullPassInterval)
}

/// One cycle as the scheduler runs it: every workspace polled, then reconciliation.
func cycle(_ reconciler: Reconciler) async -> (calls: [String: Int], cpu: Double, wall: Double, created: Int, pushed: Int, incremental: Int) {
    let before = simulators.calls.snapshot
    let cpu = cpuSeconds()
    let started = ContinuousClock.now
    var created = 0
    for target in targets { created += await engine.run(target, trigger: "bench").counts.created }
    let result = await reconciler.run()
    let after = simulators.calls.snapshot
    let calls = after.reduce(into: [String: Int]()) { $0[$1.key] = $1.value - (before[$1.key] ?? 0) }.filter { $0.value > 0 }
    return (calls, cpuSeconds() - cpu, (ContinuousClock.now - started).timeInterval, created, result.pushed, result.incremental)
}

func report(_ name: String, _ outcome: (calls: [String: Int], cpu: Double, wall: Double, created: Int, pushed: Int, incremental: Int)) {
    let devTool = outcome.calls.filter { $0.key.hasPrefix("github") }.values.reduce(0, +)
    let craftCalls = outcome.calls.filter { $0.key.hasPrefix("craft") }.values.reduce(0, +)
    print(String(format: "%@: %.1f s wall, %.2f s CPU, RSS %.0f MB; created %d, pushed %d; dev-tool calls %d (%.2f per workspace), Craft.io calls %d (%.2f per workspace)",
        name, outcome.wall, outcome.cpu, residentMB(), outcome.created, outcome.pushed, devTool, Double(devTool) / Double(workspaces), craftCalls,
        Double(craftCalls) / Double(workspaces)))
    for (endpoint, count) in outcome.calls.sorted(by: { $0.key < $1.key }) { print("    \(endpoint): \(count)") }
}

print("scale: \(workspaces) workspaces × \(perWorkspace) items = \(workspaces * perWorkspace) mappings; \(changedPercent) % of issues change per cycle")
let incrementalReconciler = reconciler(fullPassInterval: .seconds(86_400))
report("first cycle (creates everything, full reconciliation)", await cycle(incrementalReconciler))

// An hour passes (by the tool's clock): one issue changes and a cycle runs, as the hourly schedule would.
let issues = simulators.github.issues
if let first = issues.first { await simulators.github.setState(number: first.number, state: "open", reason: "reopened", at: now.addingTimeInterval(3600)) }
_ = await cycle(incrementalReconciler)
// The next hour 1 % of the issues change; their webhooks are lost (no target), so only reconciliation can heal them.
let changed = Swift.max(1, issues.count * changedPercent / 100)
let sample = Array(issues.dropFirst().shuffled().prefix(changed))
for issue in sample {
    await simulators.github.setState(number: issue.number, state: "closed", reason: "completed", at: now.addingTimeInterval(7200))
}
let steady = await cycle(incrementalReconciler)
report("steady-state cycle (incremental poll, listing reconciliation)", steady)
let reachedCraft = simulators.craft.items.filter { $0.customFieldValue("dev_status") == "Done" }.count
print("  changes that reached Craft.io: \(reachedCraft) of \(changed)")
let targetCalls = 2 * workspaces + (changed + 99) / 100
let devToolCalls = steady.calls.filter { $0.key.hasPrefix("github") }.values.reduce(0, +)
print("  dev-tool calls \(devToolCalls) against the target ≤ \(targetCalls) (2 per workspace + 1 per 100 changed issues)")

// The same steady state, reconciled the old way: every linked issue read one by one.
for issue in sample {
    await simulators.github.setState(number: issue.number, state: "open", reason: nil, at: now.addingTimeInterval(10_800))
}
report("the same cycle with a full pass (one read per linked issue, as before)", await cycle(reconciler(fullPassInterval: .zero)))
let size = (try? FileManager.default.attributesOfItem(atPath: store.path)[.size] as? Int) ?? 0
print(String(format: "database: %.1f MB", Double(size) / 1_048_576))
await simulators.shutdown()
