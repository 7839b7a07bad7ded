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

let logger = Bench.logger(level: .error)
let simulators = SimulatorServer(logger: logger)
try simulators.start()
let credentials = simulators.credentials
for index in 0..<count {
    simulators.craft.seed(.init(workspaceId: "ws-bench", title: "Item \(index)", status: "Ready for Development", type: "Feature"))
}
simulators.faults.set(.init(target: "github", latencyMs: latencyMs))

let (store, directory) = try Bench.temporaryStore("intake-bench")
defer { try? FileManager.default.removeItem(at: directory) }
let clock = SystemClock()
let (craft, github) = Bench.clients(simulators, dialect: .guide, transport: URLSessionHTTPClient(requestTimeout: 30), clock: clock)
let engine = IntakeEngine(
    craft: craft, store: store, mapping: FieldMapping(), clock: clock, settings: IntakeSettings(concurrency: concurrency), logger: logger)
let target = IntakeTarget(workspaceID: "ws-bench", devTool: github)

let started = ContinuousClock.now
let first = await engine.run(target, trigger: "bench")
let elapsed = ContinuousClock.now - started
let seconds = elapsed.timeInterval
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
    second.counts.seen, second.counts.created, cpu, pollElapsed.timeInterval))
print("GitHub issues in the simulator: \(simulators.github.issues.count)")
await simulators.shutdown()
