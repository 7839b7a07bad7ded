import Foundation
import TestSupport
import Testing
@testable import Store

@Suite("Opening and migrating the database")
struct SchemaTests {
    @Test("a new database is migrated to the latest version with WAL, full sync and foreign keys")
    func freshDatabase() async throws {
        let store = try await makeStore()
        #expect(store.openedAtVersion == 0)
        let settings = try await store.write { connection in
            (
                try connection.firstRow("PRAGMA journal_mode") { $0.string(0) } ?? nil,
                try connection.scalarInt("PRAGMA synchronous"),
                try connection.scalarInt("PRAGMA foreign_keys"),
                try Migrator.version(of: connection)
            )
        }
        #expect(settings.0 == "wal")
        #expect(settings.1 == 2)  // FULL
        #expect(settings.2 == 1)
        #expect(settings.3 == Schema.latestVersion)
    }

    @Test("a version-1 database with mappings is upgraded in place: rows kept, link writes not pending")
    func upgradeFromVersionOne() async throws {
        let path = temporaryDatabasePath()
        let connection = try SQLiteConnection(path: path)
        try Migrator.migrate(connection, migrations: Array(Schema.migrations.prefix(1)))
        try connection.run(
            "INSERT INTO mappings (workspace_id, craft_item_id, dev_tool_kind, dev_tool_instance, state, created_at, updated_at) VALUES ('w', 'i', 'github', 'github', 'linked', 0, 0)")
        _ = consume connection

        let store = try Store(path: path)
        #expect(store.openedAtVersion == 1)
        #expect(try await store.mappings.countsByState() == [.linked: 1])
        #expect(try await store.mappings.linksToWrite(workspaceID: "w", devToolInstance: "github").isEmpty)
    }

    @Test("version 6 forgets event orders far in the future (a forged time would make every later event stale) and keeps the others")
    func futureOrdersForgotten() async throws {
        let path = temporaryDatabasePath()
        let connection = try SQLiteConnection(path: path)
        try Migrator.migrate(connection, migrations: Array(Schema.migrations.prefix(5)))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for (item, order) in [("forged", Int64(253_402_300_799_000)), ("recent", now - 60_000), ("slightly-ahead", now + 60_000)] {
            try connection.run(
                """
                INSERT INTO mappings (workspace_id, craft_item_id, dev_tool_kind, dev_tool_instance, state, last_event_order, created_at, updated_at)
                VALUES ('w', ?, 'github', 'github', 'linked', ?, 0, 0)
                """, item, order)
        }
        _ = consume connection
        let store = try Store(path: path)
        func order(_ item: String) async throws -> Int64? { try await store.mappings.mappings(craftItemID: item).first?.lastEventOrder }
        #expect(try await order("forged") == nil)
        #expect(try await order("recent") == now - 60_000)
        #expect(try await order("slightly-ahead") == now + 60_000)
    }

    @Test("migrating again changes nothing")
    func idempotent() throws {
        let path = temporaryDatabasePath()
        _ = try Store(path: path)
        let reopened = try Store(path: path)
        #expect(reopened.openedAtVersion == Schema.latestVersion)
        let result = try Migrator.migrate(SQLiteConnection(path: path))
        #expect(result.from == Schema.latestVersion && result.to == Schema.latestVersion)
    }

    @Test("a database from a newer craft-sync is refused, naming both versions, and left unchanged")
    func newerSchema() throws {
        let path = temporaryDatabasePath()
        do {
            let connection = try SQLiteConnection(path: path)
            try connection.execute("CREATE TABLE future (x); PRAGMA user_version = 99")
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let error = try #require(throws: StoreError.self) { try Store(path: path) }
        #expect("\(error)".contains("schema version 99"))
        #expect("\(error)".contains("up to \(Schema.latestVersion)"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test("a file that is not SQLite is refused clearly and not overwritten")
    func notADatabase() throws {
        let path = temporaryDatabasePath()
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try garbage.write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: StoreError.self) { try Store(path: path) }
        guard case .notADatabase = error else { Issue.record("got \(error)"); return }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
    }

    @Test("a path in a missing directory gives a clear error")
    func missingDirectory() throws {
        let error = try #require(throws: StoreError.self) { try Store(path: "/nonexistent-dir/craft-sync.sqlite") }
        #expect("\(error)".contains("cannot open the database at /nonexistent-dir/craft-sync.sqlite"))
    }

    @Test("SQLite errors carry the code, message and SQL but not the bound values")
    func errorsHideValues() async throws {
        let store = try await makeStore()
        let first = try await store.mappings.claim(workspaceID: "w", craftItemID: "1", devToolKind: "github", devToolInstance: "gh", contentHash: nil, holder: .test, now: t0)
        let second = try await store.mappings.claim(workspaceID: "w", craftItemID: "2", devToolKind: "github", devToolInstance: "gh", contentHash: nil, holder: .test, now: t0)
        guard case .claimed(let linked) = first, case .claimed(let mapping) = second else { Issue.record("not claimed"); return }
        #expect(try await store.mappings.linkClaim(
            id: linked.id, holder: .test, devIssueID: "secret-issue-id-1234", key: "#1", url: nil, contentHash: nil, now: t0))
        let error = await #expect(throws: SQLiteError.self) {
            try await store.mappings.linkClaim(
                id: mapping.id, holder: .test, devIssueID: "secret-issue-id-1234", key: "#2", url: nil, contentHash: nil, now: t0)
        }
        #expect(error?.isConstraintViolation == true)
        #expect(error?.description.contains("UNIQUE constraint failed") == true)
        #expect(error?.description.contains("UPDATE mappings") == true)
        #expect(error?.description.contains("secret-issue-id-1234") == false)
    }
}

@Suite("Migrating from two connections at once")
struct ConcurrentMigrationTests {
    @Test("two processes opening a new database together both succeed, and the schema is applied once")
    func racingOpeners() async throws {
        for _ in 0..<10 {
            let path = temporaryDatabasePath()
            async let first = Task.detached { try Store(path: path) }.value
            async let second = Task.detached { try Store(path: path) }.value
            let stores = try await [first, second]
            #expect(stores.allSatisfy { $0.openedAtVersion == 0 || $0.openedAtVersion == Schema.latestVersion })
            #expect(try await stores[0].read { try Migrator.version(of: $0) } == Schema.latestVersion)
        }
    }
}
