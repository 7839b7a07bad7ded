import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import Testing

/// `simulate` and `serve` run together as a new user would, with a webhook secret of their own choosing.
@Suite("simulate and serve together", .timeLimit(.minutes(2)))
struct SimulateServeTests {
    /// Today: `simulate --webhook-secret S --write-config F` signed with S but wrote the default secret into F, so
    /// `serve --config F` answered 401 to every simulated delivery.
    @Test("a chosen webhook secret signs the deliveries and lands in the written configuration: deliveries are accepted, and progress reaches Craft.io",
          arguments: ["github", "gitlab", "linear", "azure-devops"])
    func chosenSecret(_ tool: String) async throws {
        let binary = IntakeCrashTests.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build craft-sync first")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-secret-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configPath = directory.appendingPathComponent("serve.yaml").path
        let port = try freePort()
        // From a file, so the secret is not in the process list.
        let secretPath = directory.appendingPathComponent("webhook-secret").path
        try "my-own-secret-123\n".write(toFile: secretPath, atomically: true, encoding: .utf8)
        let simulate = try ChildProcess(binary, [
            "simulate", "--listen", "127.0.0.1:0", "--write-config", configPath, "--webhook-target", "http://127.0.0.1:\(port)",
            "--webhook-secret-file", secretPath, "--dev-tool", tool,
        ])
        defer { simulate.kill() }
        let base = try #require(jsonField("url", in: try await simulate.waitForLine(containing: "simulators ready")))
        #expect(try String(contentsOfFile: configPath, encoding: .utf8).contains("webhook_secret: my-own-secret-123"))
        // The written configuration holds credentials: owner-only, whatever the umask.
        #expect(try FileManager.default.attributesOfItem(atPath: configPath)[.posixPermissions] as? Int == 0o600)
        let serve = try ChildProcess(binary, ["serve", "--config", configPath], environment: [
            "CRAFT_SYNC_LISTEN": "127.0.0.1:\(port)", "CRAFT_SYNC_DATABASE": directory.appendingPathComponent("db.sqlite").path,
            "CRAFT_SYNC_LOG_LEVEL": "warning",
        ])
        defer { serve.kill() }
        try await waitForPort(port)
        try await waitUntil("intake to create the seeded issues", within: .seconds(30)) {
            ((try? await httpExchange(base + "/_sim/state"))?.json[tool] as? [Any])?.count == 3
        }
        try await closeAndAwaitProgress(base: base, tool: tool)
        // The database and its WAL are owner-only too.
        for file in ["db.sqlite", "db.sqlite-wal"] {
            let path = directory.appendingPathComponent(file).path
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600, "\(file)")
        }
    }

    @Test("serve with webhooks.register_at_start asks the simulated tool for a webhook to its public_url; the tool's deliveries then arrive and apply")
    func registersAtStart() async throws {
        let binary = IntakeCrashTests.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build craft-sync first")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-register-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configPath = directory.appendingPathComponent("serve.yaml").path
        // No --webhook-target: the simulated GitHub sends nothing until craft-sync registers a webhook.
        let simulate = try ChildProcess(binary, ["simulate", "--listen", "127.0.0.1:0", "--write-config", configPath, "--dev-tool", "github"])
        defer { simulate.kill() }
        let base = try #require(jsonField("url", in: try await simulate.waitForLine(containing: "simulators ready")))
        let port = try freePort()
        let serve = try ChildProcess(binary, ["serve", "--config", configPath], environment: [
            "CRAFT_SYNC_LISTEN": "127.0.0.1:\(port)", "CRAFT_SYNC_DATABASE": directory.appendingPathComponent("db.sqlite").path,
            "CRAFT_SYNC_PUBLIC_URL": "http://127.0.0.1:\(port)", "CRAFT_SYNC_WEBHOOKS_REGISTER_AT_START": "true",
        ])
        defer { serve.kill() }
        _ = try await serve.waitForLine(containing: "dev tool webhook registered")
        try await waitUntil("intake to create the seeded issues", within: .seconds(30)) {
            ((try? await httpExchange(base + "/_sim/state"))?.json["github"] as? [Any])?.count == 3
        }
        try await closeAndAwaitProgress(base: base, tool: "github")
        #expect(!serve.outputTail(lines: 200).contains("sim-webhook"), "the webhook secret reached a log line")
    }

    /// Closes simulated issue 1 of `tool`: its webhook must be accepted (202) and the close must reach Craft.io.
    func closeAndAwaitProgress(base: String, tool: String) async throws {
        _ = try await httpExchange(base + "/_sim/\(tool)/issues/1/close", method: "POST", body: Data(#"{"reason":"completed"}"#.utf8))
        let deliveries = try #require(try await httpExchange(base + "/_sim/state").json["webhooks"] as? [[String: Any]])
        #expect(deliveries.last?["status"] as? Int == 202, "\(deliveries)")
        try await waitUntil("the close to reach Craft.io", within: .seconds(20)) {
            let items = ((try? await httpExchange(base + "/_sim/state"))?.json["craft"] as? [String: Any])?["items"] as? [[String: Any]] ?? []
            return items.contains { item in ((item["customFields"] as? [[String: Any]]) ?? []).contains { $0["value"] as? String == "Done" } }
        }
    }
}
