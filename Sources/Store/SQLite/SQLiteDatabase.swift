import CSQLite
import Foundation

/// The embedded backend: one SQLite file on a local filesystem. One writer connection with group commit
/// (`DatabaseWriter`) and a few reader connections (`ReaderPool`); WAL lets them run at once.
public final class SQLiteDatabase: Database {
    public let path: String
    let writer: DatabaseWriter
    let readers: ReaderPool
    /// Reader connections opened: reads run side by side on them.
    static let readerConnections = 4
    public let openedAtVersion: Int

    public var dialect: SQLDialect { .sqlite }
    public var displayName: String { path }
    public var transactionsCommitted: Int { writer.transactionsCommitted }

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(path: String) throws(StoreError) {
        self.path = path
        let connection: SQLiteConnection
        do {
            connection = try SQLiteConnection(path: path)
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
    private static func configureWriter(_ connection: SQLiteConnection) throws {
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

    public func read<T: Sendable>(_ body: @escaping @Sendable (any Connection) throws -> T) async throws -> T {
        try await readers.access(body)
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any Connection) throws -> T) async throws -> T {
        try await writer.write(body)
    }
}
