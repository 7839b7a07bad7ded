import Foundation

/// A running `serve` as its heartbeat row says: which host and process, which version, since when, last seen when.
public struct Replica: Sendable, Equatable, Encodable {
    public var id: String
    public var host: String
    public var pid: Int
    public var version: String
    public var startedAt: Date
    public var lastSeen: Date

    public init(id: String, host: String, pid: Int, version: String, startedAt: Date, lastSeen: Date) {
        self.id = id
        self.host = host
        self.pid = pid
        self.version = version
        self.startedAt = startedAt
        self.lastSeen = lastSeen
    }
}

/// The replicas sharing this database, each keeping its row fresh (`beat`); a row not refreshed for long is one that
/// stopped or died, removed after a day.
public struct ReplicaRepository: Sendable {
    let store: Store

    public func beat(_ replica: Replica) async throws {
        try await store.write { connection in
            try connection.run(
                """
                INSERT INTO replicas (id, host, pid, version, started_at, last_seen) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, version = excluded.version
                """, replica.id, replica.host, replica.pid, replica.version, replica.startedAt, replica.lastSeen)
            try connection.run("DELETE FROM replicas WHERE last_seen < ?", replica.lastSeen.addingTimeInterval(-86_400))
        }
    }

    /// A replica that shuts down says so: it leaves the list at once.
    public func leave(id: String) async throws {
        try await store.write { try $0.run("DELETE FROM replicas WHERE id = ?", id) }
    }

    /// Every replica seen in the last day, most recently seen first.
    public func list() async throws -> [Replica] {
        try await store.read { connection in
            try connection.rows("SELECT id, host, pid, version, started_at, last_seen FROM replicas ORDER BY last_seen DESC, id") { row in
                Replica(
                    id: row.requiredString("id"), host: row.requiredString("host"), pid: row.int("pid"), version: row.requiredString("version"),
                    startedAt: row.date("started_at"), lastSeen: row.date("last_seen"))
            }
        }
    }
}

extension Store {
    public var replicas: ReplicaRepository { ReplicaRepository(store: self) }
}
