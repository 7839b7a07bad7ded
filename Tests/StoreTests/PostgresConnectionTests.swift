import Foundation
import Testing
import TestSupport
@testable import Store

/// A connection to a real PostgreSQL through libpq, on the test run's throwaway server.
@Suite("A PostgreSQL connection", .timeLimit(.minutes(2)))
struct PostgresConnectionTests {
    func connect() async throws -> PostgresConnection {
        if let reason = SharedPostgres.missingReason { try Test.cancel(Comment(rawValue: reason)) }
        let url = try await SharedPostgres.shared.freshDatabase()
        return try PostgresConnection(url: url)
    }

    @Test("parameters travel apart from the SQL, as `?` like SQLite's; rows come back typed; errors carry the SQLSTATE, not values")
    func roundTrip() async throws {
        let connection = try await connect()
        #expect(connection.serverVersion >= 120_000)
        try connection.execute("CREATE TABLE items (id bigint PRIMARY KEY, title text, note text, at double precision, body bytea)")
        // A quote, a question mark and a statement terminator in a value are data, not SQL.
        let title = "Robert'); DROP TABLE items; -- ? Ünïcode ✓"
        let body: [UInt8] = (0...255).map(UInt8.init)
        try connection.run("INSERT INTO items (id, title, note, at, body) VALUES (?, ?, ?, ?, ?)", 1, title, String?.none, 1_800_000_000.125, body)
        #expect(connection.changes == 1)
        let row = try connection.firstRow("SELECT id, title, note, at, body, id = 1 AS first FROM items WHERE id = ?", [1]) { row in
            (row.int64("id"), row.string("title"), row.string("note"), row.double("at"), row.blob("body"), row.int("first"))
        }
        #expect(row?.0 == 1 && row?.1 == title && row?.2 == nil && row?.3 == 1_800_000_000.125 && row?.4 == body && row?.5 == 1)
        // An empty value travels as an empty bytea, not as NULL.
        try connection.run("INSERT INTO items (id, body) VALUES (?, ?)", 2, [UInt8]())
        #expect(try connection.firstRow("SELECT body IS NOT NULL AND length(body) = 0 FROM items WHERE id = 2") { $0.int(0) } == 1)
        // A literal '?' inside quotes is not a parameter.
        #expect(try connection.firstRow("SELECT '?' || ?", ["!"]) { $0.string(0) } == "?!")
        do {
            try connection.run("SELECT * FROM missing")
            Issue.record("a missing table answered")
        } catch let error as PostgresError {
            #expect(error.sqlState == "42P01" && "\(error)".contains("missing"), "\(error)")
        }
        do {
            try connection.run("INSERT INTO items (id, title) VALUES (?, ?)", 1, "secret-title-value")
            Issue.record("a duplicate key was taken")
        } catch let error as PostgresError {
            #expect(error.isConstraintViolation && error.sqlState == "23505", "\(error)")
            #expect(!"\(error)".contains("(1)") && !"\(error)".contains("secret-title-value"), "\(error)")
        }
    }

    @Test("a server that is not there is a clear error, and the URL's password is never in it")
    func unreachable() {
        do {
            _ = try PostgresConnection(url: "postgresql://craftsync:hunter2-secret@/postgres?host=/nonexistent-socket-dir&connect_timeout=2")
            Issue.record("connected to nothing")
        } catch {
            #expect(error.isConnectionLost && error.context.hasPrefix("connecting to PostgreSQL"), "\(error)")
            #expect(!"\(error)".contains("hunter2"))
        }
    }
}

@Suite("Opening and migrating a PostgreSQL database", .timeLimit(.minutes(2)))
struct PostgresSchemaTests {
    func freshURL() async throws -> String {
        if let reason = SharedPostgres.missingReason { try Test.cancel(Comment(rawValue: reason)) }
        return try await SharedPostgres.shared.freshDatabase()
    }

    @Test("a new database is migrated to PostgreSQL's latest version; opening it again changes nothing")
    func migrates() async throws {
        let url = try await freshURL()
        let store = Store(database: try await offThePool { try PostgresDatabase(url: url) })
        #expect(store.openedAtVersion == 0)
        #expect(try await store.read { try Migrator.version(of: $0) } == Schema.latestVersion(for: .postgres))
        let again = try await offThePool { try PostgresDatabase(url: url) }
        #expect(again.openedAtVersion == Schema.latestVersion(for: .postgres))
        #expect(store.location.hasPrefix("PostgreSQL ") && !store.location.contains("craftsync"))
    }

    @Test("replicas starting together migrate once (an advisory lock), and all open the same schema")
    func racingReplicas() async throws {
        let url = try await freshURL()
        let versions = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 { group.addTask { try await offThePool { try PostgresDatabase(url: url, sessions: 1).openedAtVersion } } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        // Each read version 0 or the latest before it waited for the lock; under it, only the first applied the steps
        // (a second would have failed on CREATE TABLE of an existing table, and thrown).
        #expect(versions.allSatisfy { $0 == 0 || $0 == Schema.latestVersion(for: .postgres) }, "\(versions)")
        let store = Store(database: try await offThePool { try PostgresDatabase(url: url) })
        #expect(try await store.read { try Migrator.version(of: $0) } == Schema.latestVersion(for: .postgres))
    }

    @Test("a database from a newer craft-sync is refused, naming both versions, and left unchanged")
    func newerSchema() async throws {
        let url = try await freshURL()
        _ = try await offThePool { try PostgresDatabase(url: url).openedAtVersion }
        let connection = try PostgresConnection(url: url)
        try connection.run("UPDATE schema_version SET version = 99")
        let error = try #require(throws: StoreError.self) { try PostgresDatabase(url: url) }
        #expect("\(error)".contains("schema version 99") && "\(error)".contains("up to \(Schema.latestVersion(for: .postgres))"))
        #expect(try connection.scalarInt("SELECT version FROM schema_version") == 99)
    }

    @Test("backup refuses on PostgreSQL and says to use pg_dump")
    func backupRefuses() async throws {
        let url = try await freshURL()
        let store = Store(database: try await offThePool { try PostgresDatabase(url: url) })
        let error = try #require(throws: StoreError.self) { try store.backup(to: temporaryDatabasePath()) }
        #expect("\(error)".contains("pg_dump"))
    }

    @Test("a database that cannot be reached says where, without the URL's user or password")
    func unreachable() {
        let error = try? #require(throws: StoreError.self) {
            try PostgresDatabase(url: "postgresql://craftsync:hunter2-secret@/craft?host=/nonexistent-socket-dir&connect_timeout=2")
        }
        #expect(error.map { "\($0)".contains("/nonexistent-socket-dir/craft") && !"\($0)".contains("hunter2") } == true, "\(String(describing: error))")
    }
}
