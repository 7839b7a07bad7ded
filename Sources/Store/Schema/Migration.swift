/// One numbered step of the schema. Applied once, in its own transaction; the version reached is kept in
/// `PRAGMA user_version`, so the database file itself says which steps it has.
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
    public static func migrate(_ connection: Connection, migrations: [Migration] = Schema.migrations) throws -> (from: Int, to: Int) {
        try checkSupported(connection, migrations: migrations)
        let initial = try version(of: connection)
        let latest = migrations.last?.version ?? 0
        guard initial < latest else { return (initial, initial) }
        // All pending steps in one transaction: another process sees the schema before or after, never between.
        // The version is read again under the write lock: another process (a second replica, a `migrate` run beside
        // `serve`) may have applied steps since we looked.
        try connection.transaction {
            let current = try version(of: connection)
            for migration in migrations where migration.version > current {
                try connection.execute(migration.sql)
                // PRAGMA takes no bound parameters; the version is our own integer constant.
                try connection.execute("PRAGMA user_version = \(migration.version)")
            }
        }
        return (initial, max(initial, latest))
    }

    /// Throws `newerSchema` when the file was written by a newer craft-sync. Reads only.
    public static func checkSupported(_ connection: Connection, migrations: [Migration] = Schema.migrations) throws {
        let current = try version(of: connection)
        let latest = migrations.last?.version ?? 0
        guard current <= latest else { throw StoreError.newerSchema(found: current, supported: latest) }
    }

    public static func version(of connection: Connection) throws -> Int {
        try connection.scalarInt("PRAGMA user_version") ?? 0
    }
}
