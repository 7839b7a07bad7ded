/// Where craft-sync keeps its state: units of work over connections of one backend. The repositories are written
/// against this and `Connection`, so the engine and the app do not know which backend they run on.
public protocol Database: Sendable {
    var dialect: SQLDialect { get }
    /// Runs a read, on a connection of its own while it runs.
    func read<T: Sendable>(_ body: @escaping @Sendable (any Connection) throws -> T) async throws -> T
    /// Runs a write in a transaction; returns once it is durably committed. A write that throws changes nothing.
    func write<T: Sendable>(_ body: @escaping @Sendable (any Connection) throws -> T) async throws -> T
    /// Transactions committed so far (with SQLite's group commit, fewer than the writes they carried).
    var transactionsCommitted: Int { get }
    /// The schema version the database had when opened, before any migration.
    var openedAtVersion: Int { get }
    /// Where it is, for an operator: a file's path, or a server's host and database (never a password).
    var displayName: String { get }
}
