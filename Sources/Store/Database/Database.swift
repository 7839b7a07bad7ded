import Foundation

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

    // What replicas sharing a database coordinate through it. SQLite lives on one host, where the claims in its rows
    // already keep two processes from doing one thing twice: its answers are the trivial ones (the defaults below).

    /// Runs `body` while holding `lock` across every replica on this database; nil, without running it, when another
    /// replica holds it.
    func whileHolding<T: Sendable>(_ lock: AdvisoryLock, _ body: @Sendable () async throws -> T) async throws -> T?
    /// A signal each time any replica stores a delivery, so a replica's processors wake for a webhook another replica
    /// acknowledged; nil where there is no such signal (polling finds the work then).
    func newEventNotifications() -> AsyncStream<Void>?
    /// Tells the other replicas' processors that a delivery was stored (once committed).
    func announceNewEvent()
    /// What to add to this host's clock to read the database's: replicas on several hosts compare leases and due
    /// times against one clock, the server's.
    var clockOffset: TimeInterval { get }
    /// Measures `clockOffset` again and returns it.
    func measureClockOffset() async throws -> TimeInterval
}

extension Database {
    public func whileHolding<T: Sendable>(_ lock: AdvisoryLock, _ body: @Sendable () async throws -> T) async throws -> T? {
        try await body()
    }

    public func newEventNotifications() -> AsyncStream<Void>? { nil }
    public func announceNewEvent() {}
    /// One host, one clock.
    public var clockOffset: TimeInterval { 0 }
    public func measureClockOffset() async throws -> TimeInterval { 0 }
}

