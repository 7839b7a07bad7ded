/// One numbered step of the schema. Applied once, in the transaction of its run; the version reached is kept in the
/// database itself (SQLite: `PRAGMA user_version`; PostgreSQL: the `schema_version` table), so it says which steps it has.
/// Steps are numbered per backend: each has its own list (`Schema`).
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String
}

/// Applies migrations and refuses databases it does not understand.
public enum Migrator {
    /// Brings the database up to the newest known version and returns the versions before and after.
    /// Idempotent: on an up-to-date database it changes nothing.
    @discardableResult
    public static func migrate(_ connection: any Connection, migrations: [Migration]? = nil) throws -> (from: Int, to: Int) {
        let migrations = migrations ?? Schema.migrations(for: connection.dialect)
        try checkSupported(connection, migrations: migrations)
        let initial = try version(of: connection)
        let latest = migrations.last?.version ?? 0
        guard initial < latest else { return (initial, initial) }
        // All pending steps in one transaction: another process sees the schema before or after, never between.
        // The version is read again under the lock: another process (a second replica, a `migrate` run beside
        // `serve`) may have applied steps since we looked.
        try exclusively(connection) {
            let current = try version(of: connection)
            for migration in migrations where migration.version > current {
                try connection.execute(migration.sql)
                try setVersion(migration.version, connection)
            }
        }
        return (initial, max(initial, latest))
    }

    /// Throws `newerSchema` when the database was written by a newer craft-sync. Reads only.
    public static func checkSupported(_ connection: any Connection, migrations: [Migration]? = nil) throws {
        let current = try version(of: connection)
        let latest = (migrations ?? Schema.migrations(for: connection.dialect)).last?.version ?? 0
        guard current <= latest else { throw StoreError.newerSchema(found: current, supported: latest) }
    }

    public static func version(of connection: any Connection) throws -> Int {
        switch connection.dialect {
        case .sqlite:
            return try connection.scalarInt("PRAGMA user_version") ?? 0
        case .postgres:
            // A new database has no table yet: version 0.
            guard try connection.scalarInt("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_version'") == 1
            else { return 0 }
            return try connection.scalarInt("SELECT version FROM schema_version WHERE id = 1") ?? 0
        }
    }

    private static func setVersion(_ version: Int, _ connection: any Connection) throws {
        switch connection.dialect {
        case .sqlite:
            // PRAGMA takes no bound parameters; the version is our own integer constant.
            try connection.execute("PRAGMA user_version = \(version)")
        case .postgres:
            try connection.run(
                "INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version", version)
        }
    }

    /// Runs `body` in a transaction no other migrator runs beside: SQLite's write lock (`BEGIN IMMEDIATE`); on
    /// PostgreSQL a transaction-scoped advisory lock, so replicas starting together migrate once
    /// (https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS).
    private static func exclusively(_ connection: any Connection, _ body: () throws -> Void) throws {
        switch connection.dialect {
        case .sqlite: try connection.execute("BEGIN IMMEDIATE")
        case .postgres:
            try connection.execute("BEGIN")
            try connection.run("SELECT pg_advisory_xact_lock(?)", AdvisoryLock.migration.key)
        }
        do {
            try body()
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }
}

/// The advisory locks craft-sync takes on PostgreSQL, each one number (the high bits spell "craft-sy", so they do not
/// collide with another application's on a shared server).
public enum AdvisoryLock: Sendable {
    case migration
    /// One workspace's intake poll, across replicas.
    case intake(workspace: String)
    /// Telling operators of problems (`notify`): one replica at a time reads what to tell, so it is told once.
    case alerts

    public var key: Int64 {
        let base: Int64 = 0x6372_6166_7400_0000  // "craft\0\0\0"
        switch self {
        case .migration: return base | 1
        case .alerts: return base | 2
        case .intake(let workspace):
            // FNV-1a of the workspace id, folded into the low 24 bits.
            var hash: UInt32 = 2_166_136_261
            for byte in workspace.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
            return base | 0x10_0000 | Int64(hash & 0x0F_FFFF)
        }
    }
}
