import Foundation
import Testing
@testable import App
import Store
import TestSupport

@Suite("migrate and backup commands")
struct DatabaseCommandTests {
    func configuration(database: String) -> Configuration {
        var configuration = Configuration()
        configuration.database = database
        return configuration
    }

    @Test("migrate creates the schema once and then has nothing to do")
    func migrate() throws {
        let path = temporaryDatabasePath("cs")
        #expect(try DatabaseCommands.migrate(configuration(database: path)) == "\(path): migrated from schema version 0 to \(Schema.latestVersion)")
        #expect(try DatabaseCommands.migrate(configuration(database: path)) == "\(path): already at schema version \(Schema.latestVersion); nothing to do")
    }

    @Test("backup writes a usable copy and will not overwrite a file unless forced")
    func backup() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let source = directory.appendingPathComponent("live.sqlite").path
        let store = try Store(path: source)
        try await store.cursors.set("c", to: "v", now: .now)
        let copy = directory.appendingPathComponent("copy.sqlite").path

        #expect(try DatabaseCommands.backup(configuration(database: source), to: copy, overwrite: false).hasPrefix("backed up"))
        #expect(try await Store(path: copy).cursors.value("c") == "v")
        #expect(throws: CommandError.self) { try DatabaseCommands.backup(configuration(database: source), to: copy, overwrite: false) }
        #expect(try DatabaseCommands.backup(configuration(database: source), to: copy, overwrite: true).hasPrefix("backed up"))
        #expect(throws: CommandError.self) {
            try DatabaseCommands.backup(configuration(database: directory.appendingPathComponent("none.sqlite").path), to: copy + "2", overwrite: false)
        }
    }

    @Test("events replay queues one event or every dead one")
    func replay() async throws {
        let path = temporaryDatabasePath("cs")
        let store = try Store(path: path)
        for delivery in ["a", "b", "c"] {
            _ = try await store.events.append(IncomingEvent(tool: "github", deliveryID: delivery, eventType: "issues", receivedAt: .now, body: [1]))
        }
        for id in Int64(1)...3 { try await store.events.markDead(id: id, error: "x", now: .now) }
        #expect(try await EventCommands.replay(configuration(database: path), id: 2, allDead: false) == "event 2 queued for processing again")
        #expect(try await EventCommands.replay(configuration(database: path), id: nil, allDead: true) == "2 dead event(s) queued for processing again")
        #expect(try await store.events.countsByState() == [.received: 3])
        await #expect(throws: CommandError.self) { try await EventCommands.replay(configuration(database: path), id: 99, allDead: false) }
    }
}
