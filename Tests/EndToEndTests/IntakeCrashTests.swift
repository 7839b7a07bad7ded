import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Store
import Testing

/// `craft-sync simulate` in one process and `craft-sync serve` in another, the service killed with SIGKILL at
/// random moments and restarted until intake is done: the dev tool must end with exactly one issue per item.
@Suite("Intake survives SIGKILL")
struct IntakeCrashTests {
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("craft-sync")

    @Test("200 ready items, the service killed at random moments: exactly 200 issues, and the store agrees")
    func killAndRestart() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build craft-sync first")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configPath = directory.appendingPathComponent("serve.yaml").path
        let database = directory.appendingPathComponent("craft-sync.sqlite").path

        let simulate = try ChildProcess(Self.binary, ["simulate", "--listen", "127.0.0.1:0", "--empty", "--write-config", configPath])
        defer { simulate.kill() }
        let ready = try #require(simulate.waitForLine(containing: "simulators ready"))
        let base = try #require(jsonField("url", in: ready))

        for index in 0..<200 {
            try await post(base + "/_sim/craft/items", #"{"workspaceId":"ws-demo","title":"Item \#(index)","status":"Ready for Development"}"#)
        }
        // Creates take a little while, so kills land in the middle of them.
        try await post(base + "/_sim/faults", #"{"target":"github","latencyMs":15}"#)

        let environment = [
            "CRAFT_SYNC_LISTEN": "127.0.0.1:0", "CRAFT_SYNC_DATABASE": database, "CRAFT_SYNC_INTAKE_INTERVAL": "1s",
            "CRAFT_SYNC_INTAKE_JITTER": "0s", "CRAFT_SYNC_INTAKE_CLAIM_LEASE": "1s", "CRAFT_SYNC_LOG_LEVEL": "warning",
        ]
        var kills = 0
        while try await githubIssueCount(base) < 200 && kills < 40 {
            let serve = try ChildProcess(Self.binary, ["serve", "--config", configPath], environment: environment)
            try await Task.sleep(for: .milliseconds(Int.random(in: 30...400)))  // the random moment is the point of the test
            serve.kill()
            kills += 1
        }
        // One last run, left to finish (abandoned claims are recovered once their one-second lease is over).
        let last = try ChildProcess(Self.binary, ["serve", "--config", configPath], environment: environment)
        defer { last.kill() }
        let deadline = ContinuousClock.now + .seconds(60)
        while try await linkedCount(database) < 200 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }

        let state = try await getJSON(base + "/_sim/state")
        let issues = try #require(state["github"] as? [[String: Any]])
        let markers = issues.flatMap { ($0["labels"] as? [String] ?? []).filter { $0.hasPrefix("craft:") } }
        #expect(kills >= 3)
        #expect(issues.count == 200)
        #expect(Set(markers).count == 200)
        #expect(try await linkedCount(database) == 200)
    }

    func githubIssueCount(_ base: String) async throws -> Int {
        (try await getJSON(base + "/_sim/state")["github"] as? [Any])?.count ?? 0
    }

    func linkedCount(_ database: String) async throws -> Int {
        guard FileManager.default.fileExists(atPath: database) else { return 0 }
        return try await Store(path: database).mappings.countsByState()[.linked] ?? 0
    }
}

/// A child process whose standard output can be read line by line.
final class ChildProcess: @unchecked Sendable {
    // @unchecked: the process and pipe are used from one test task at a time.
    let process = Process()
    private let output = Pipe()
    private var buffer = ""

    private let exitStream: AsyncStream<Void>

    init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        exitStream = stream
        process.terminationHandler = { _ in continuation.finish() }
        try process.run()
    }

    /// Waits for the process to exit, through its termination handler, for at most `limit`; false if it did not.
    func waitForExit(within limit: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { [exitStream] in
                for await _ in exitStream {}
                return true
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    func waitForLine(containing text: String) -> String? {
        while true {
            if let range = buffer.range(of: text) {
                let start = buffer[..<range.lowerBound].lastIndex(of: "\n").map { buffer.index(after: $0) } ?? buffer.startIndex
                let end = buffer[range.upperBound...].firstIndex(of: "\n") ?? buffer.endIndex
                return String(buffer[start..<end])
            }
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { return nil }
            buffer += String(decoding: data, as: UTF8.self)
        }
    }

    func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

func jsonField(_ name: String, in line: String) -> String? {
    (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?[name] as? String
}

func post(_ url: String, _ body: String) async throws {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = "POST"
    request.httpBody = Data(body.utf8)
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    _ = try await URLSession.shared.data(for: request)
}

func getJSON(_ url: String) async throws -> [String: Any] {
    let (data, _) = try await URLSession.shared.data(from: URL(string: url)!)
    return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
}
