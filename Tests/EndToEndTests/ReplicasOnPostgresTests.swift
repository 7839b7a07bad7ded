import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Store
import TestSupport
import Testing

/// Three `craft-sync serve` replicas on one PostgreSQL behind a balancer, each killed with SIGKILL at random and
/// restarted, PostgreSQL itself restarted in the middle of intake and again in the middle of the deliveries: every
/// item gets exactly one issue, every acknowledged delivery's close reaches Craft.io, and nothing is dead.
@Suite("Replicas on PostgreSQL survive SIGKILL and a database restart", .serialized, .timeLimit(.minutes(4)), .awaitsTeardown)
struct ReplicasOnPostgresTests {
    static let items = 60
    static let replicas = 3

    @Test("three replicas, random kills, PostgreSQL restarted twice: one issue per item, every acknowledged close applied, 0 dead")
    func killReplicasAndRestartPostgres() async throws {
        if let reason = SharedPostgres.missingReason { try Test.cancel(Comment(rawValue: reason)) }
        let binary = IntakeCrashTests.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build craft-sync first")
        // A server of its own: this test restarts it.
        let postgres = try ThrowawayPostgres()
        Teardown.later { await postgres.stop() }
        try await postgres.start()
        try await offThePool { try postgres.createDatabase("craft") }
        let database = postgres.url(database: "craft")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-replicas-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configPath = directory.appendingPathComponent("serve.yaml").path
        let ports = try (0..<Self.replicas).map { _ in try freePort() }
        let balancer = try TCPBalancer(backends: ports)
        balancer.start()
        defer { balancer.stop() }

        let simulate = try ChildProcess(binary, [
            "simulate", "--listen", "127.0.0.1:0", "--empty", "--write-config", configPath, "--webhook-target", "http://127.0.0.1:\(balancer.port)",
        ])
        defer { simulate.kill() }
        let base = try #require(jsonField("url", in: try await simulate.waitForLine(containing: "simulators ready")))
        for index in 0..<Self.items {
            _ = try await httpExchange(base + "/_sim/craft/items", method: "POST", body: Data(#"{"workspaceId":"ws-demo","title":"Item \#(index)","status":"Ready for Development"}"#.utf8))
        }
        // Creates take a little while, so kills land in the middle of them.
        _ = try await httpExchange(base + "/_sim/faults", method: "POST", body: Data(#"{"target":"github","latencyMs":15}"#.utf8))

        func environment(_ port: Int) -> [String: String] {
            [
                "CRAFT_SYNC_LISTEN": "127.0.0.1:\(port)", "CRAFT_SYNC_DATABASE": database, "CRAFT_SYNC_INTAKE_INTERVAL": "1s",
                "CRAFT_SYNC_INTAKE_JITTER": "0s", "CRAFT_SYNC_INTAKE_CLAIM_LEASE": "1s", "CRAFT_SYNC_PROGRESS_PROCESSING_LEASE": "1s",
                "CRAFT_SYNC_PROGRESS_RECONCILE": "false", "CRAFT_SYNC_LOG_LEVEL": "warning",
            ]
        }
        var running = try ports.map { try ChildProcess(binary, ["serve", "--config", configPath], environment: environment($0)) }
        defer { running.forEach { $0.kill() } }
        var kills = 0
        func killOne() async throws {
            let index = Int.random(in: 0..<ports.count)
            await running[index].stop()
            kills += 1
            running[index] = try ChildProcess(binary, ["serve", "--config", configPath], environment: environment(ports[index]))
        }

        // Intake, with kills, and PostgreSQL restarted once issues are being created.
        var restarted = false
        try await waitUntil("intake linking \(Self.items) issues", within: .seconds(120), every: .milliseconds(200)) {
            let linked = try await linkedCount(onPostgres: database)
            if !restarted && linked > Self.items / 3 {
                await postgres.stopServer()
                try await postgres.start()
                restarted = true
            }
            if linked < Self.items && Int.random(in: 0..<3) == 0 { try await killOne() }
            return linked >= Self.items
        }
        #expect(restarted)
        for port in ports { try await waitForPort(port, within: .seconds(30)) }

        // Close every issue; the simulated GitHub delivers each close through the balancer. Replicas die at random
        // between deliveries; PostgreSQL restarts half-way.
        for number in 1...Self.items {
            _ = try await httpExchange(base + "/_sim/github/issues/\(number)/close", method: "POST", body: Data(#"{"reason":"completed"}"#.utf8))
            if number == Self.items / 2 {
                await postgres.stopServer()
                try await postgres.start()
            }
            if Int.random(in: 0..<6) == 0 { try await killOne() }
        }

        let state = try await httpExchange(base + "/_sim/state").json
        let deliveries = try #require(state["webhooks"] as? [[String: Any]])
        let acknowledged = Set(deliveries.filter { (($0["status"] as? Int) ?? 0) / 100 == 2 }.compactMap { $0["deliveryID"] as? String })
        #expect(acknowledged.count >= Self.items / 2, "most deliveries reach a live replica: \(acknowledged.count) of \(deliveries.count)")

        var processed = 0
        try await waitUntil("every acknowledged delivery processed", within: .seconds(60), every: .milliseconds(200)) {
            let store = try await offThePool { try Store(DatabaseLocation(database)) }
            let events = try await store.events.list(EventFilter(state: .processed), limit: 1000)
            processed = events.filter { acknowledged.contains($0.deliveryID) }.count
            return processed == acknowledged.count
        }
        let store = try await offThePool { try Store(DatabaseLocation(database)) }
        let issues = try #require((try await httpExchange(base + "/_sim/state").json["github"]) as? [[String: Any]])
        let markers = issues.flatMap { ($0["labels"] as? [String] ?? []).filter { $0.hasPrefix("craft:") || $0.hasPrefix("craft-") } }
        let stored = try await store.events.list(EventFilter(), limit: 1000)
        let craftDone = ((try await httpExchange(base + "/_sim/state").json["craft"] as? [String: Any])?["items"] as? [[String: Any]] ?? [])
            .filter { item in ((item["customFields"] as? [[String: Any]]) ?? []).contains { $0["value"] as? String == "Done" } }.count
        let dead = try await store.events.countsByState()[.dead] ?? 0
        print("replicas on PostgreSQL: \(Self.items) items, \(kills) kills, 2 PostgreSQL restarts, \(acknowledged.count) of \(deliveries.count) deliveries acknowledged, \(processed) processed, \(craftDone) items Done, \(dead) dead")
        #expect(issues.count == Self.items)
        #expect(Set(markers).count == Self.items)
        #expect(try await store.mappings.countsByState()[.linked] == Self.items)
        #expect(Set(stored.map(\.deliveryID)).count == stored.count, "each delivery stored once")
        #expect(craftDone >= acknowledged.count)
        #expect(dead == 0)
        #expect(kills >= 3)
    }
}

/// Linked mappings on the PostgreSQL database at `url` (0 while it cannot be read: a restart).
func linkedCount(onPostgres url: String) async throws -> Int {
    guard let store = try? await offThePool({ try Store(DatabaseLocation(url)) }) else { return 0 }
    return (try? await store.mappings.countsByState()[.linked]) ?? 0
}
