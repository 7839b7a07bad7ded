import Foundation
import TestSupport
import Testing
@testable import Store

@Suite("Group commit, backup and crashes", .timeLimit(.minutes(3)))
struct DurabilityTests {
    @Test("many concurrent writers all commit (on SQLite in fewer transactions than writes)", arguments: Backend.allCases)
    func groupCommit(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    _ = try await store.events.append(
                        IncomingEvent(tool: "t", deliveryID: "d\(index)", eventType: "e", receivedAt: t0, body: [UInt8(index % 256)]))
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.read { try $0.scalarInt("SELECT count(*) FROM events") } == 200)
        if backend == .sqlite { #expect(store.transactionsCommitted < 200) }
    }

    @Test("a failing write is rolled back alone; the rest of its batch commits", arguments: Backend.allCases)
    func failingWriteInBatch(_ backend: Backend) async throws {
        let store = try await makeStore(backend)
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<50 {
                group.addTask {
                    do {
                        try await store.write { connection in
                            try connection.run("INSERT INTO cursors (name, value, updated_at) VALUES (?, ?, 0)", "c\(index)", "v")
                            if index % 10 == 0 { throw StoreError.notFound("deliberate") }
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { !$0 }.count == 5)
        #expect(try await store.read { try $0.scalarInt("SELECT count(*) FROM cursors") } == 45)
        #expect(try await store.read { try $0.scalarInt("SELECT count(*) FROM cursors WHERE name = 'c10'") } == 0)
    }

    @Test("a backup taken while writes go on is a consistent, complete database")
    func onlineBackup() async throws {
        let store = try await makeStore()
        for index in 0..<100 {
            _ = try await store.events.append(IncomingEvent(tool: "t", deliveryID: "d\(index)", eventType: "e", receivedAt: t0, body: [1, 2, 3]))
        }
        let destination = temporaryDatabasePath()
        let writes = Task {
            for index in 100..<300 {
                _ = try await store.events.append(IncomingEvent(tool: "t", deliveryID: "d\(index)", eventType: "e", receivedAt: t0, body: [4]))
            }
        }
        try store.backup(to: destination)
        try await writes.value
        let copy = try Store(path: destination)
        #expect(try await copy.integrityCheck() == "ok")
        // A backup holds what the database does: owner-only, as the database is.
        #expect(try FileManager.default.attributesOfItem(atPath: destination)[.posixPermissions] as? Int == 0o600)
        let count = try #require(try await copy.read { try $0.scalarInt("SELECT count(*) FROM events") })
        #expect(count >= 100 && count <= 300)
        // Consistent: the copy holds a prefix of the deliveries, with no gaps.
        #expect(try await copy.read { try $0.scalarInt("SELECT max(id) FROM events") } == count)
    }

    /// A child process appends events from eight concurrent writers and prints each delivery id after its commit;
    /// we SIGKILL it at random moments, fifty times, on one database.
    @Test("every write acknowledged before a SIGKILL survives, exactly once, in an intact database")
    func crashSafety() async throws {
        let path = temporaryDatabasePath()
        let writer = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("StoreCrashWriter")
        try #require(FileManager.default.isExecutableFile(atPath: writer.path), "build StoreCrashWriter first (swift build)")
        let acknowledged = try await runCrashRounds(writer: writer, database: path, rounds: 50)
        #expect(acknowledged.count > 50)

        let store = try Store(path: path)
        #expect(try await store.integrityCheck() == "ok")
        let stored = try await store.read { connection in
            try connection.rows("SELECT delivery_id, count(*) FROM events GROUP BY delivery_id") { ($0.requiredString(0), $0.int(1)) }
        }
        let counts = Dictionary(uniqueKeysWithValues: stored)
        let missing = acknowledged.filter { counts[$0] == nil }
        #expect(missing.isEmpty, "acknowledged but lost: \(missing.prefix(5))")
        #expect(counts.values.allSatisfy { $0 == 1 })
    }
}

/// Runs the rounds and returns every delivery id the child acknowledged.
private func runCrashRounds(writer: URL, database: String, rounds: Int) async throws -> [String] {
    var acknowledged: [String] = []
    for round in 0..<rounds {
        let child = try ChildProcess(writer, [database, "r\(round)"])
        // Kill after a random number of acknowledgements (0 kills it while it is still opening the database).
        let target = Int.random(in: 0...40)
        _ = await child.waitForOutput(within: .seconds(30)) { $0.filter { $0 == "\n" }.count >= target }
        await child.stop()
        // Acknowledgements already in the pipe when the process died were printed after their commit: they count.
        let ended = await child.waitForEnd(within: .seconds(10))
        #expect(ended, "the crash writer's output did not end after SIGKILL")
        acknowledged += child.outputLines.filter { $0.hasPrefix("r\(round)-") }
    }
    return acknowledged
}
