import Foundation
import Simulators
import TestSupport
@testable import SimulatorCommands
import Synchronization
import SyncEngine
import Testing
@testable import App

@Suite("craft-sync sync shows its progress", .awaitsTeardown)
struct SyncProgressTests {
    static func progress(done: Int, total: Int = 5, seconds: Int64 = 2) -> IntakeProgress {
        IntakeProgress(workspaceID: "ws-demo", done: done, total: total, created: done, failed: 0, elapsed: .seconds(seconds))
    }

    @Test("the line says done/total, counts, rate and time left")
    func line() {
        #expect(SyncProgressReporter.line(Self.progress(done: 1, total: 5)) == "ws-demo: 1/5 (20%), 1 created, 0 failed, 0.5 items/s, about 8 s left")
        #expect(SyncProgressReporter.line(Self.progress(done: 5, total: 5)) == "ws-demo: 5/5 (100%), 5 created, 0 failed, 2.5 items/s")
        #expect(SyncProgressReporter.line(Self.progress(done: 10, total: 5000, seconds: 10)).hasSuffix("about 83 min left"))
    }

    @Test("off a terminal: a line every N items and at the end; on one: the line redrawn in place, ended once")
    func throttling() {
        let written = Mutex<[String]>([])
        let logged = SyncProgressReporter(interactive: false, every: 2) { text in written.withLock { $0.append(text) } }
        for done in 1...5 { logged.report(Self.progress(done: done)) }
        #expect(written.withLock { $0 }.map { $0.prefix(11) } == ["ws-demo: 2/", "ws-demo: 4/", "ws-demo: 5/"])

        written.withLock { $0.removeAll() }
        let terminal = SyncProgressReporter(interactive: true) { text in written.withLock { $0.append(text) } }
        for done in 1...3 { terminal.report(Self.progress(done: done, total: 3)) }
        let lines = written.withLock { $0 }
        #expect(lines.count == 3 && lines.allSatisfy { $0.hasPrefix("\r") })
        #expect(lines.filter { $0.hasSuffix("\n") }.count == 1 && lines.last?.hasSuffix("\n") == true)
    }
}

@Suite("craft-sync sync --dry-run", .awaitsTeardown)
struct DryRunOutputTests {
    @Test("prints each item it would create, and for linked items edited in Craft.io a diff per changed field; writes nothing")
    func driftDiff() async throws {
        let simulators = SimulatorServer()
        try simulators.start()
        Teardown.later { await simulators.shutdown() }
        Simulation.seedWorkspace(simulators)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dry-run-\(UUID().uuidString).yaml").path
        try Simulation.configuration(baseURL: simulators.baseURL.absoluteString, credentials: simulators.credentials, devTool: "github")
            .write(toFile: path, atomically: true, encoding: .utf8)
        var configuration = try ConfigurationLoader.load(file: path, environment: [:]).configuration
        configuration.database = temporaryDatabase("dry-run")

        let first = try await SyncOnce.run(configuration, dryRun: true)
        #expect(first.contains("dry run: 3 item(s)") && first.contains("- item 1001 \"Onboarding checklist\""))
        #expect(simulators.github.issues.isEmpty)

        _ = try await SyncOnce.run(configuration, dryRun: false)
        simulators.craft.rename(itemID: "1001", title: "Onboarding checklist v2")
        let issues = simulators.github.issues.count
        let second = try await SyncOnce.run(configuration, dryRun: true)
        #expect(second.contains("dry run: 0 item(s)"))
        #expect(second.contains("""
            ~ item 1001 "Onboarding checklist v2" → acme/product#
            """))
        #expect(second.contains("""
                title:
                  - Onboarding checklist
                  + Onboarding checklist v2
            """))
        #expect(!second.contains("description:\n      -"), "only changed fields are listed")
        #expect(simulators.github.issues.count == issues)
    }
}
