import Foundation

/// Which backend holds the state, from the `database` setting: a `postgres://` (or `postgresql://`) URL selects
/// PostgreSQL, shared by replicas on any hosts; anything else is the path of an SQLite file on a local filesystem.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    /// `password`, when given apart from the URL (`database_password`, or its `_FILE`), overrides one in it.
    case postgres(url: String, password: String? = nil)

    public init(_ value: String, password: String? = nil) {
        let lowered = value.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            self = .postgres(url: value, password: password)
        } else {
            self = .sqlite(path: value)
        }
    }

    /// For an operator and the logs: the path, or the server and database, never a user's password.
    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let url, _): PostgresDatabase.describe(url)
        }
    }

    /// Whether there is a database there already: an SQLite file exists; a server is taken to have one (connecting
    /// says otherwise).
    public var exists: Bool {
        switch self {
        case .sqlite(let path): FileManager.default.fileExists(atPath: path)
        case .postgres: true
        }
    }
}

extension DatabaseLocation {
    /// One connection that neither creates nor migrates anything (SQLite opened read-only), for a look at what is
    /// there: `doctor`, a version check.
    public func inspect() throws -> any Connection {
        switch self {
        case .sqlite(let path): try SQLiteConnection(path: path, mode: .readOnly)
        case .postgres(let url, let password): try PostgresConnection(url: url, password: password)
        }
    }
}

extension Store {
    /// Opens (creating an SQLite file if needed) and migrates the database at `location`.
    public convenience init(_ location: DatabaseLocation) throws(StoreError) {
        switch location {
        case .sqlite(let path): self.init(database: try SQLiteDatabase(path: path))
        case .postgres(let url, let password): self.init(database: try PostgresDatabase(url: url, password: password))
        }
    }
}
