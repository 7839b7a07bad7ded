import BenchSupport
import Foundation
import Store

// Durable inserts per second into the event log with 1, 8 and 64 concurrent writers. Every insert is
// acknowledged only after its transaction committed with synchronous=FULL; group commit lets concurrent
// writers share one fsync. Usage: StoreBench [SECONDS_PER_ROUND]

let seconds = Double(CommandLine.arguments.dropFirst().first ?? "3") ?? 3
let body = Array(String(repeating: #"{"action":"edited","issue":{"number":1,"title":"x"}}"#, count: 200).utf8)

func measure(writers: Int) async throws -> (perSecond: Double, transactions: Int, inserts: Int) {
    let (store, directory) = try Bench.temporaryStore("store-bench")
    defer { try? FileManager.default.removeItem(at: directory) }
    let deadline = ContinuousClock.now + .seconds(seconds)
    let start = ContinuousClock.now
    let inserts = try await withThrowingTaskGroup(of: Int.self) { group in
        for writer in 0..<writers {
            group.addTask {
                var count = 0
                while ContinuousClock.now < deadline {
                    _ = try await store.events.append(
                        IncomingEvent(tool: "bench", deliveryID: "\(writer)-\(count)", eventType: "issues", receivedAt: .now, body: body))
                    count += 1
                }
                return count
            }
        }
        return try await group.reduce(0, +)
    }
    let elapsed = ContinuousClock.now - start
    let elapsedSeconds = elapsed.timeInterval
    return (Double(inserts) / elapsedSeconds, store.transactionsCommitted, inserts)
}

print("durable event inserts (\(body.count)-byte bodies, synchronous=FULL), \(seconds)s per round")
print("writers  inserts/s  transactions  inserts/transaction")
var results: [Int: Double] = [:]
for writers in [1, 8, 64] {
    let result = try await measure(writers: writers)
    results[writers] = result.perSecond
    let perTransaction = Double(result.inserts) / Double(max(result.transactions, 1))
    print(String(format: "%7d  %9.0f  %12d  %19.1f", writers, result.perSecond, result.transactions, perTransaction))
}
print(String(format: "64 writers / 1 writer: %.1fx (target >= 10x)", results[64]! / results[1]!))
