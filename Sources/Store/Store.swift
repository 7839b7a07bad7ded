import Foundation

/// craft-sync's durable state: mappings, the webhook event log (also the queue of work to process), sync runs,
/// cursors and each item's timeline. Knows nothing of HTTP or Craft.io, nor which backend holds it: SQLite, the
/// embedded default, or PostgreSQL, shared by replicas (`Database`).
public final class Store: Sendable {
    public let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    /// Opens (creating if needed) and migrates the SQLite database at `path`.
    public convenience init(path: String) throws(StoreError) {
        self.init(database: try SQLiteDatabase(path: path))
    }

    /// Where the data is, for an operator: a path, or a PostgreSQL server and database (never a password).
    public var location: String { database.displayName }
    public var openedAtVersion: Int { database.openedAtVersion }
    /// Transactions committed so far: with group commit, fewer than the writes they carried.
    public var transactionsCommitted: Int { database.transactionsCommitted }

    /// Runs a read on a connection of its own.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any Connection) throws -> T) async throws -> T {
        try await database.read(body)
    }

    /// Runs a write in a transaction; returns once durable.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any Connection) throws -> T) async throws -> T {
        try await database.write(body)
    }

    /// Proves the database takes a durable write now (read-only file, full disk, lock held elsewhere, server gone).
    public func checkWritable() async throws {
        try await write { connection in
            try connection.run(
                "INSERT INTO health_probe (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
                Date.now.timeIntervalSince1970)
        }
    }

    public var mappings: MappingRepository { MappingRepository(store: self) }
    public var events: EventLog { EventLog(store: self) }
    public var runs: SyncRunRepository { SyncRunRepository(store: self) }
    public var cursors: CursorRepository { CursorRepository(store: self) }
    public var timeline: TimelineRepository { TimelineRepository(store: self) }
    public var conflicts: ConflictRepository { ConflictRepository(store: self) }
}
