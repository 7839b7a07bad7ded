import Foundation
import Synchronization

/// The shared backend: a PostgreSQL database that several replicas, on any hosts, use at once. A pool of sessions
/// (`PostgresSession`); a read takes the least busy one, a write runs in a SERIALIZABLE transaction there, so what
/// SQLite's single writer guarantees by running writes one at a time (a claim's check and its update see the same
/// state) holds across replicas too: PostgreSQL aborts one of two transactions that would interleave
/// (https://www.postgresql.org/docs/current/transaction-iso.html#XACT-SERIALIZABLE), and the write runs again.
public final class PostgresDatabase: Database {
    public let openedAtVersion: Int
    public let displayName: String
    /// The server's version (`150018` for 15.18), when opened.
    public let serverVersion: Int
    let url: String
    let password: String?
    private let sessions: [PostgresSession]
    /// A session of its own for advisory locks, so a lock is not taken and released on different connections.
    let lockSession: PostgresSession
    /// Announces stored deliveries to the other replicas (`EventAnnouncer`), on a session of its own.
    let announcer: EventAnnouncer
    let offsetBits = Atomic<UInt64>(0)
    /// Seconds to add to this host's clock to read the server's (`measureClockOffset`).
    public var clockOffset: TimeInterval { Double(bitPattern: offsetBits.load(ordering: .relaxed)) }
    private let busy: Mutex<[Int]>
    /// Writes, batched (`PostgresGroupCommit`), on a session of their own; on a read session when it has no connection.
    private let groupCommit: PostgresGroupCommit
    /// How many times a write runs when PostgreSQL aborts it for a serialization failure or a deadlock.
    static let writeAttempts = 20
    /// The oldest server craft-sync runs on: 12 has every feature it uses (identity columns, SKIP LOCKED, `ON CONFLICT`)
    /// and is the oldest Debian and the cloud providers still carry.
    public static let oldestServer = 120_000

    public var dialect: SQLDialect { .postgres }
    public var transactionsCommitted: Int { groupCommit.transactionsCommitted }

    /// Connects to `url` (`postgres://user@host:port/db`; the password in the URL or in PGPASSWORD, never logged) and
    /// brings the schema up to date, under an advisory lock so replicas starting together migrate once.
    public init(url: String, password: String? = nil, sessions count: Int = 8) throws(StoreError) {
        let first: PostgresConnection
        do {
            first = try PostgresConnection(url: url, password: password)
            try Self.configure(first)
            openedAtVersion = try Migrator.migrate(first).from
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.cannotConnect(location: Self.describe(url), reason: "\(error)")
        }
        self.url = url
        self.password = password
        lockSession = PostgresSession(url: url, password: password, label: "craft-sync.store.postgres.locks")
        announcer = EventAnnouncer(
            session: PostgresSession(url: url, password: password, label: "craft-sync.store.postgres.notify"), channel: Self.eventsChannel)
        displayName = first.location
        serverVersion = first.serverVersion
        sessions = (0..<max(1, count)).map { index in
            PostgresSession(url: url, password: password, label: "craft-sync.store.postgres.\(index)", connection: index == 0 ? first : nil)
        }
        busy = Mutex(Array(repeating: 0, count: sessions.count))
        let writers = [PostgresSession(url: url, password: password, label: "craft-sync.store.postgres.writer")] + sessions
        groupCommit = PostgresGroupCommit { writers.first(where: \.isHealthy) ?? writers[0] }
    }

    /// Session settings: a commit returns once it is durable on the server (`synchronous_commit`, whatever the
    /// server's default), and the connection names itself in `pg_stat_activity`.
    static func configure(_ connection: PostgresConnection) throws {
        try connection.execute("SET synchronous_commit = on; SET application_name = 'craft-sync'")
    }

    /// `host/database` of a URL, for an error before any connection exists: never its user or password.
    static func describe(_ url: String) -> String {
        guard let components = URLComponents(string: url) else { return "the PostgreSQL server" }
        let socket = components.queryItems?.first { $0.name == "host" }?.value
        return "PostgreSQL \(components.host.flatMap { $0.isEmpty ? nil : $0 } ?? socket ?? "localhost")\(components.path)"
    }

    /// A read that finds its connection dropped (the server restarted) runs once more, on a new one.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any Connection) throws -> T) async throws -> T {
        do {
            return try await withSession { session in try await session.access(body) }
        } catch let error as PostgresError where error.isConnectionLost {
            return try await withSession { session in try await session.access(body) }
        }
    }

    /// A write that could not start (no connection, or one the server dropped while it sat in the pool: its BEGIN
    /// fails) runs again on another session, up to once per session: after a server restart every pooled connection
    /// is dead, and each is found out by its first use.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any Connection) throws -> T) async throws -> T {
        var attempts = 1
        while true {
            do {
                return try await attemptWrite(body)
            } catch let error as PostgresError where error.nothingSent && attempts <= sessions.count {
                attempts += 1
            }
        }
    }

    private func attemptWrite<T: Sendable>(_ body: @escaping @Sendable (any Connection) throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await groupCommit.submit(body)
            } catch let error as PostgresError where error.isSerializationFailure && attempt < Self.writeAttempts {
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(2 * attempt))))
            }
        }
    }

    private func withSession<T>(_ body: (PostgresSession) async throws -> T) async throws -> T {
        // The least busy of the sessions that have a connection; of all, when none has (one of them reconnects).
        let healthy = sessions.indices.filter { sessions[$0].isHealthy }
        let candidates = healthy.isEmpty ? Array(sessions.indices) : healthy
        let index = busy.withLock { counts in
            let index = candidates.min { counts[$0] < counts[$1] } ?? 0
            counts[index] += 1
            return index
        }
        defer { busy.withLock { $0[index] -= 1 } }
        return try await body(sessions[index])
    }
}

extension PostgresError {
    /// 40001 (serialization failure), 40P01 (deadlock): the transaction did nothing and may simply run again.
    var isSerializationFailure: Bool { sqlState == "40001" || sqlState == "40P01" }
}
