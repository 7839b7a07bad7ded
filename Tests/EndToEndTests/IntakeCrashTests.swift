import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Store
import TestSupport
import Testing

/// `craft-sync simulate` in one process and `craft-sync serve` in another, the service killed with SIGKILL at
/// random moments and restarted until intake is done: the dev tool must end with exactly one issue per item.
// One tool at a time: four services being killed at once on two cores would starve the rest of the suite.
@Suite("Intake survives SIGKILL", .serialized, .timeLimit(.minutes(3)))
struct IntakeCrashTests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("craft-sync")

    @Test("200 ready items, the service killed at random moments: exactly 200 issues, and the store agrees", arguments: ["github", "gitlab", "linear", "azure-devops"])
    func killAndRestart(_ tool: String) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build craft-sync first")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configPath = directory.appendingPathComponent("serve.yaml").path
        let database = directory.appendingPathComponent("craft-sync.sqlite").path

        let simulate = try ChildProcess(Self.binary, ["simulate", "--listen", "127.0.0.1:0", "--empty", "--write-config", configPath, "--dev-tool", tool])
        defer { simulate.kill() }
        let ready = try await simulate.waitForLine(containing: "simulators ready")
        let base = try #require(jsonField("url", in: ready))

        for index in 0..<200 {
            _ = try await httpExchange(base + "/_sim/craft/items", method: "POST", body: Data(#"{"workspaceId":"ws-demo","title":"Item \#(index)","status":"Ready for Development"}"#.utf8))
        }
        // Creates take a little while, so kills land in the middle of them.
        _ = try await httpExchange(base + "/_sim/faults", method: "POST", body: Data(#"{"target":"\#(tool)","latencyMs":15}"#.utf8))

        let environment = [
            "CRAFT_SYNC_LISTEN": "127.0.0.1:0", "CRAFT_SYNC_DATABASE": database, "CRAFT_SYNC_INTAKE_INTERVAL": "1s",
            "CRAFT_SYNC_INTAKE_JITTER": "0s", "CRAFT_SYNC_INTAKE_CLAIM_LEASE": "1s", "CRAFT_SYNC_LOG_LEVEL": "warning",
        ]
        var kills = 0
        while try await issueCount(base, tool) < 200 && kills < 40 {
            let serve = try ChildProcess(Self.binary, ["serve", "--config", configPath], environment: environment)
            try await Task.sleep(for: .milliseconds(Int.random(in: 30...400)))  // the random moment is the point of the test
            await serve.stop()
            kills += 1
        }
        // One last run, left to finish (abandoned claims are recovered once their one-second lease is over).
        let last = try ChildProcess(Self.binary, ["serve", "--config", configPath], environment: environment)
        defer { last.kill() }
        try await waitUntil("200 linked mappings", within: .seconds(60)) { try await linkedCount(database) >= 200 }

        let state = try await httpExchange(base + "/_sim/state").json
        let issues = try #require(state[tool] as? [[String: Any]])
        // The marker: a label for GitHub and GitLab; for Linear, the issue id craft-sync chose.
        let markers = tool == "linear"
            ? issues.compactMap { $0["id"] as? String }
            : issues.flatMap { ($0["labels"] as? [String] ?? []).filter { $0.hasPrefix("craft:") || $0.hasPrefix("craft-") } }
        #expect(kills >= 3)
        #expect(issues.count == 200)
        #expect(Set(markers).count == 200)
        #expect(try await linkedCount(database) == 200)
    }

    func issueCount(_ base: String, _ tool: String) async throws -> Int {
        (try await httpExchange(base + "/_sim/state").json[tool] as? [Any])?.count ?? 0
    }
}

/// How many mappings the database at `database` holds linked (0 before it exists).
func linkedCount(_ database: String) async throws -> Int {
    guard FileManager.default.fileExists(atPath: database) else { return 0 }
    return try await Store(path: database).mappings.countsByState()[.linked] ?? 0
}

/// A field of one JSON log line.
func jsonField(_ name: String, in line: String) -> String? {
    (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?[name] as? String
}

