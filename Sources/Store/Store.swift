import CSQLite
import Foundation

/// craft-sync's durable state in one SQLite file: mappings, the webhook event log (also the queue of work to process), sync runs
/// and cursors. Knows nothing of HTTP or Craft.io.
///
/// One writer connection with group commit, a few reader connections (`ReaderPool`); WAL lets them run at once.
public final class Store: Sendable {
    public let path: String
    public let writer: DatabaseWriter
    let readers: ReaderPool
    /// Reader connections opened: reads run side by side on them.
    static let readerConnections = 4
    /// The schema version the file had when opened, before any migration.
    public let openedAtVersion: Int

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(path: String) throws(StoreError) {
        self.path = path
        let connection: Connection
        do {
            connection = try Connection(path: path)
            // Refuse a newer schema before anything (even the switch to WAL) touches the file.
            try Migrator.checkSupported(connection)
            try Self.configureWriter(connection)
            openedAtVersion = try Migrator.migrate(connection).from
        } catch let error as StoreError {
            throw error
        } catch let error as SQLiteError where error.isNotADatabase {
            throw StoreError.notADatabase(path: path, reason: error.message)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        writer = DatabaseWriter(connection: connection, label: "craft-sync.store.writer")
        do {
            readers = try ReaderPool(path: path, size: Self.readerConnections)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    /// WAL lets readers run beside the writer; `synchronous=FULL` syncs the WAL on every commit, so an
    /// acknowledged webhook survives power loss, not only a crash (https://sqlite.org/pragma.html#pragma_synchronous).
    private static func configureWriter(_ connection: Connection) throws {
        // Switching a new file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once, without
        // its busy handler, when another process is opening the same file: retry for up to five seconds.
        var attempts = 0
        while true {
            let result = Result { () throws(SQLiteError) in try connection.execute("PRAGMA journal_mode = WAL") }
            guard case .failure(let error) = result else { break }
            if error.isReadOnly { break }  // a read-only file can still be read; /readyz reports that it takes no writes
            guard error.primaryCode == SQLITE_BUSY, attempts < 500 else { throw error }
            attempts += 1
            usleep(10_000)
        }
        try connection.execute("PRAGMA synchronous = FULL")
        try connection.execute("PRAGMA foreign_keys = ON")
    }

    /// Runs a read on one of the reader connections.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await readers.access(body)
    }

    /// Runs a write in a group-committed transaction; returns once durable.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await writer.write(body)
    }

    /// Proves the database takes a durable write now (read-only file, full disk, lock held elsewhere).
    public func checkWritable() async throws {
        try await write { connection in
            try connection.run("INSERT OR REPLACE INTO health_probe (id, checked_at) VALUES (1, ?)", Date.now.timeIntervalSince1970)
        }
    }

    public var mappings: MappingRepository { MappingRepository(store: self) }
    public var events: EventLog { EventLog(store: self) }
    public var runs: SyncRunRepository { SyncRunRepository(store: self) }
    public var cursors: CursorRepository { CursorRepository(store: self) }
    public var timeline: TimelineRepository { TimelineRepository(store: self) }
}
