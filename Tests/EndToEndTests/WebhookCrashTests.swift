import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Store
import TestSupport
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Webhooks flowing from the simulated GitHub while `craft-sync serve` is killed with SIGKILL at random moments
/// and restarted: every delivery that got a 2xx must end up in Craft.io, and be stored once.
@Suite("Webhooks survive SIGKILL", .timeLimit(.minutes(3)))
struct WebhookCrashTests {
    @Test("every acknowledged delivery reaches Craft.io despite random kills, and is stored exactly once")
    func killWhileDelivering() async throws {
        let binary = IntakeCrashTests.binary
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "build craft-sync first")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-wh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configPath = directory.appendingPathComponent("serve.yaml").path
        let database = directory.appendingPathComponent("craft-sync.sqlite").path
        let port = try freePort()

        let simulate = try ChildProcess(binary, [
            "simulate", "--listen", "127.0.0.1:0", "--empty", "--write-config", configPath, "--webhook-target", "http://127.0.0.1:\(port)",
        ])
        defer { simulate.kill() }
        let base = try #require(jsonField("url", in: try await simulate.waitForLine(containing: "simulators ready")))
        let count = 20
        for index in 0..<count {
            _ = try await httpExchange(base + "/_sim/craft/items", method: "POST", body: Data(#"{"workspaceId":"ws-demo","title":"Item \#(index)","status":"Ready for Development"}"#.utf8))
        }
        let environment = [
            "CRAFT_SYNC_LISTEN": "127.0.0.1:\(port)", "CRAFT_SYNC_DATABASE": database, "CRAFT_SYNC_INTAKE_INTERVAL": "24h",
            "CRAFT_SYNC_PROGRESS_RECONCILE": "false", "CRAFT_SYNC_LOG_LEVEL": "warning",
            // A killed serve holds the event it was processing this long; the test should not wait a minute for it.
            "CRAFT_SYNC_PROGRESS_PROCESSING_LEASE": "1s",
        ]
        // First let intake create the issues.
        var serve = try ChildProcess(binary, ["serve", "--config", configPath], environment: environment)
        try await waitUntil("intake linking \(count) issues", within: .seconds(30)) { try await linkedCount(database) >= count }

        // Close every issue; the simulator delivers each close as a signed webhook. Serve is killed at random between
        // deliveries, often after acknowledging one and before processing it, and restarted on the same port.
        var kills = 0
        for number in 1...count {
            _ = try await httpExchange(base + "/_sim/github/issues/\(number)/close", method: "POST", body: Data(#"{"reason":"completed"}"#.utf8))
            if Int.random(in: 0..<3) == 0 {
                await serve.stop()
                kills += 1
                serve = try ChildProcess(binary, ["serve", "--config", configPath], environment: environment)
                try await waitForPort(port)
            }
        }
        defer { serve.kill() }

        let state = try await httpExchange(base + "/_sim/state").json
        let deliveries = try #require(state["webhooks"] as? [[String: Any]])
        let acknowledged = deliveries.filter { (($0["status"] as? Int) ?? 0) / 100 == 2 }
        let ackedIDs = Set(acknowledged.compactMap { $0["deliveryID"] as? String })
        #expect(!acknowledged.isEmpty)

        // Acknowledged closes must all reach Craft.io; map each delivery to its issue via the store's events.
        let deadline = ContinuousClock.now + .seconds(30)
        var done = 0
        while ContinuousClock.now < deadline {
            let store = try Store(path: database)
            let processed = try await store.events.list(EventFilter(state: .processed), limit: 1000)
            done = processed.filter { ackedIDs.contains($0.deliveryID) }.count
            if done == ackedIDs.count { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(done == ackedIDs.count, "\(done) of \(ackedIDs.count) acknowledged deliveries processed; \(kills) kills")
        let stored = try await Store(path: database).events.list(EventFilter(), limit: 1000)
        #expect(Set(stored.map(\.deliveryID)).count == stored.count)  // each delivery stored once
        let craftDone = (try await httpExchange(base + "/_sim/state").json["craft"] as? [String: Any]).flatMap { $0["items"] as? [[String: Any]] }?
            .filter { item in ((item["customFields"] as? [[String: Any]]) ?? []).contains { $0["value"] as? String == "Done" } }.count ?? 0
        #expect(craftDone >= ackedIDs.count)
    }
}

func freePort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}
