import BenchSupport
import Foundation
import Logging
import Simulators

// The simulators for Benchmarks/scale-serve.sh: Craft.io seeded with W workspaces of N ready items (made ready over
// the past weeks, ten minutes apart), GitHub empty, webhooks signed with SECRET to TARGET (the `serve` under test).
// Usage: ScaleSimulators WORKSPACES ITEMS PORT TARGET SECRET. Prints "ready <url>" and serves until killed.

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 5, let workspaces = Int(arguments[0]), let perWorkspace = Int(arguments[1]), let port = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: ScaleSimulators WORKSPACES ITEMS PORT TARGET SECRET\n".utf8))
    exit(2)
}
let logger = Bench.logger("scale-simulators")
let simulators = SimulatorServer(host: "127.0.0.1", port: port, logger: logger)
let bound = try simulators.start()
Bench.seedBacklog(simulators, workspaces: workspaces, perWorkspace: perWorkspace)
simulators.webhooks.configure(target: arguments[3], secret: arguments[4])
// Building 100,000 issues takes far more than a token's 5,000 requests an hour; the steady state measured after it
// spends a handful. The budget is raised for the set-up only in the sense that it never runs out.
simulators.github.setRateLimit(100_000_000)
FileHandle.standardOutput.write(Data("ready http://127.0.0.1:\(bound)\n".utf8))
while true { try await Task.sleep(for: .seconds(3600)) }
