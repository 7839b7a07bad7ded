import CSQLite
import Support

/// One SQLite connection. Not thread-safe by design (opened `SQLITE_OPEN_NOMUTEX`): a connection belongs to
/// one serial queue, which `DatabaseQueue` enforces.
public final class SQLiteConnection: Connection {
    public var dialect: SQLDialect { .sqlite }
    let handle: OpaquePointer
    public let path: String
    private var statements: [String: Statement] = [:]

    public enum Mode: Sendable {
        case readWrite
        case readOnly
    }

    /// Opens (and with `.readWrite` creates) the database at `path`, then checks it really is one:
    /// SQLite opens any file lazily, so a corrupt or foreign file would only fail at the first query.
    public init(path: String, mode: Mode = .readWrite) throws(SQLiteError) {
        var handle: OpaquePointer?
        // Owner-only from the first byte: the database holds issue data and tokens' traces, and SQLite creates its
        // -wal and -shm files with the database file's mode. A failure here is left to SQLite to report.
        if mode == .readWrite && !path.isEmpty && !path.hasPrefix(":") && !path.hasPrefix("file:") { try? PrivateFile.create(path) }
        let flags = (mode == .readWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY)
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let error = SQLiteError(code: code, connection: handle)
            sqlite3_close_v2(handle)
            throw error
        }
        self.handle = handle
        self.path = path
        // Wait for another process's lock instead of failing with SQLITE_BUSY (https://sqlite.org/c3ref/busy_timeout.html).
        sqlite3_busy_timeout(handle, 5_000)
        do {
            try execute("SELECT count(*) FROM sqlite_schema")
        } catch {
            statements.removeAll()
            sqlite3_close_v2(handle)
            throw error
        }
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements without parameters (schema changes, pragmas).
    public func execute(_ sql: String) throws(SQLiteError) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw SQLiteError(code: sqlite3_extended_errcode(handle), connection: handle, sql: sql) }
    }

    /// A prepared statement for `sql`, cached: the same SQL text is prepared once per connection.
    public func statement(_ sql: String) throws(SQLiteError) -> Statement {
        if let cached = statements[sql] { return cached }
        let statement = try Statement(connection: self, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// Every SQL text this connection has prepared (and cached): what a test reads to check the query plan of each
    /// query the code really runs.
    public var preparedSQL: [String] { Array(statements.keys) }

    public func run(_ sql: String, bindings: [any SQLBindable]) throws {
        try statement(sql).run(bindings)
    }

    public func rows<T>(_ sql: String, _ bindings: [any SQLBindable], _ transform: (Row) throws -> T) throws -> [T] {
        try statement(sql).rows(bindings, transform)
    }

    public func firstRow<T>(_ sql: String, _ bindings: [any SQLBindable], _ transform: (Row) throws -> T) throws -> T? {
        let statement = try statement(sql)
        try statement.bind(bindings)
        defer { sqlite3_reset(statement.handle) }
        return try statement.step().map(transform)
    }

    public var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes64(handle)) }
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a transaction that takes the write lock up front (`BEGIN IMMEDIATE`), so it cannot fail
    /// half-way with SQLITE_BUSY on upgrading a read lock. Rolls back if `body` throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }
}
