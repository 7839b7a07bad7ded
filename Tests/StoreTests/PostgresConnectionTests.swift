import Foundation
import Testing
import TestSupport
@testable import Store

/// The first piece of the shared store: a connection to a real PostgreSQL through libpq, on a throwaway server.
@Suite("A PostgreSQL connection", .timeLimit(.minutes(2)), .awaitsTeardown)
struct PostgresConnectionTests {
    @Test("parameters travel apart from the SQL, rows come back, errors carry the server's SQLSTATE")
    func roundTrip() async throws {
        let server = try ThrowawayPostgres()
        Teardown.later { await server.stop() }
        try await server.start()
        let connection = try PostgresConnection(url: server.url)
        #expect(connection.serverVersion >= 120_000)
        try connection.execute("CREATE TABLE items (id bigint PRIMARY KEY, title text, note text)")
        // A quote and a statement terminator in a value are data, not SQL.
        let title = "Robert'); DROP TABLE items; -- Ünïcode ✓"
        #expect(try connection.execute("INSERT INTO items (id, title, note) VALUES ($1, $2, $3)", ["1", title, nil]) == 1)
        #expect(try connection.query("SELECT id, title, note FROM items WHERE id = $1", ["1"]) == [["1", title, nil]])
        #expect(try connection.execute("UPDATE items SET note = $1", ["n"]) == 1)
        do {
            try connection.query("SELECT * FROM missing")
            Issue.record("a missing table answered")
        } catch {
            #expect(error.sqlState == "42P01" && "\(error)".contains("missing"), "\(error)")
        }
        do {
            try connection.execute("INSERT INTO items (id) VALUES ($1)", ["1"])
            Issue.record("a duplicate key was taken")
        } catch {
            #expect(error.sqlState == "23505", "\(error)")
        }
    }

    @Test("a server that is not there is a clear error, and the URL's password is never in it")
    func unreachable() {
        do {
            _ = try PostgresConnection(url: "postgresql://craftsync:hunter2-secret@/postgres?host=/nonexistent-socket-dir&connect_timeout=2")
            Issue.record("connected to nothing")
        } catch {
            #expect(error.sqlState == nil && error.context.hasPrefix("connecting to PostgreSQL"), "\(error)")
            #expect(!"\(error)".contains("hunter2"))
        }
    }
}
