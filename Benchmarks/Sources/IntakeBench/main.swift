import CraftAPI
import DevTools
import Foundation
import Logging
import OutboundHTTP
import Simulators
import Store
import Support
import SyncEngine

// Intake throughput: N ready items into a GitHub simulator that answers each call in 50 ms, with 8 creates in
// flight (ceiling 8 / 0.05 s = 160 items/s). Then the CPU time of a poll that finds all N already synced.
// Usage: IntakeBench [ITEMS]   (the simulator runs in this process; its CPU is counted too)

let count = Int(CommandLine.arguments.dropFirst().first ?? "10000") ?? 10000
let concurrency = 8
let latencyMs = 50

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

var logger = Logger(label: "bench")
logger.logLevel = .error
let simulators = SimulatorServer(logger: logger)
try simulators.start()
let credentials = simulators.credentials
for index in 0..<count {
    simulators.craft.seed(.init(workspaceId: "ws-bench", title: "Item \(index)", status: "Ready for Development", type: "Feature"))
}
simulators.faults.set(.init(target: "github", latencyMs: latencyMs))

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("intake-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let store = try Store(path: directory.appendingPathComponent("bench.sqlite").path)
let clock = SystemClock()
let transport = URLSessionHTTPClient(requestTimeout: 30)
let policy = RetryPolicy()
let craft = CraftClients.make(
    dialect: .guide, baseURL: simulators.baseURL, apiKey: credentials.craftAPIKey, http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock))
let github = GitHubAdapter(
    baseURL: simulators.baseURL, owner: GitHubSimulator.Account.owner, repository: GitHubSimulator.Account.repository, token: GitHubSimulator.Account.token,
    transport: transport, policy: policy, clock: clock)
let engine = IntakeEngine(
    craft: craft, store: store, mapping: FieldMapping(), clock: clock, settings: IntakeSettings(concurrency: concurrency), logger: logger)
let target = IntakeTarget(workspaceID: "ws-bench", devTool: github)

let started = ContinuousClock.now
let first = await engine.run(target, trigger: "bench")
let elapsed = ContinuousClock.now - started
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let ceiling = Double(concurrency) / (Double(latencyMs) / 1000)
print("intake of \(count) ready items, dev tool answering in \(latencyMs) ms, concurrency \(concurrency)")
print(String(format: "  created %d (failed %d) in %.1f s: %.1f items/s = %.0f%% of the %.0f items/s ceiling (target >= 90%%)",
    first.counts.created, first.counts.failed, seconds, Double(first.counts.created) / seconds, 100 * Double(first.counts.created) / seconds / ceiling, ceiling))

simulators.faults.clear()
let cpuBefore = cpuSeconds()
let pollStarted = ContinuousClock.now
let second = await engine.run(target, trigger: "bench")
let pollElapsed = ContinuousClock.now - pollStarted
let cpu = cpuSeconds() - cpuBefore
print(String(format: "poll finding %d already-synced items: created %d, %.3f s CPU (simulator included; target <= 1 s), %.3f s wall",
    second.counts.seen, second.counts.created, cpu, Double(pollElapsed.components.seconds) + Double(pollElapsed.components.attoseconds) / 1e18))
print("GitHub issues in the simulator: \(simulators.github.issues.count)")
await simulators.shutdown()
