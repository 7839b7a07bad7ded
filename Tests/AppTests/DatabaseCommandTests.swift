import Foundation
import Testing
@testable import App
import Store

@Suite("migrate and backup commands")
struct DatabaseCommandTests {
    func configuration(database: String) -> Configuration {
        var configuration = Configuration()
        configuration.databasePath = database
        return configuration
    }

    @Test("migrate creates the schema once and then has nothing to do")
    func migrate() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cs-\(UUID().uuidString).sqlite").path
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
}
