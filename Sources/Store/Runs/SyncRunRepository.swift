import Foundation

/// The record of intake polls.
public struct SyncRunRepository: Sendable {
    let store: Store

    static let columns = "id, workspace_id, trigger, dry_run, started_at, finished_at, seen, created, skipped, failed, drifted, error, unreadable"

    static func decode(_ row: Row) -> SyncRun {
        SyncRun(
            id: row.int64(0), workspaceID: row.requiredString(1), trigger: row.requiredString(2), dryRun: row.int(3) != 0,
            startedAt: row.date(4), finishedAt: row.optionalDate(5),
            counts: .init(seen: row.int(6), created: row.int(7), skipped: row.int(8), failed: row.int(9), drifted: row.int(10), unreadable: row.int(12)),
            error: row.string(11))
    }

    public func start(workspaceID: String, trigger: String, dryRun: Bool = false, now: Date) async throws -> Int64 {
        try await store.write { connection in
            try connection.firstRow(
                "INSERT INTO sync_runs (workspace_id, trigger, dry_run, started_at) VALUES (?, ?, ?, ?) RETURNING id",
                [workspaceID, trigger, dryRun, now]) { $0.int64(0) } ?? 0
        }
    }

    public func finish(id: Int64, counts: SyncRun.Counts, error: String?, now: Date) async throws {
        try await store.updateRow(
            "sync_runs", "finished_at = ?, seen = ?, created = ?, skipped = ?, failed = ?, drifted = ?, error = ?, unreadable = ?", id: id,
            [now, counts.seen, counts.created, counts.skipped, counts.failed, counts.drifted, error, counts.unreadable])
    }

    public func run(id: Int64) async throws -> SyncRun? {
        try await store.read { try $0.firstRow("SELECT \(Self.columns) FROM sync_runs WHERE id = ?", [id], Self.decode) }
    }

    public func list(workspaceID: String? = nil, beforeID: Int64? = nil, limit: Int = 50) async throws -> [SyncRun] {
        var query = PageQuery()
        query.filter("workspace_id = ?", workspaceID)
        return try await query.run(on: store, table: "sync_runs", columns: Self.columns, beforeID: beforeID, limit: limit, Self.decode)
    }

    /// The newest run of the workspace that finished without error (dry runs do not count).
    public func lastSuccessful(workspaceID: String) async throws -> SyncRun? {
        try await store.read {
            try $0.firstRow(
                "SELECT \(Self.columns) FROM sync_runs WHERE workspace_id = ? AND finished_at IS NOT NULL AND error IS NULL AND dry_run = 0 ORDER BY id DESC LIMIT 1",
                [workspaceID], Self.decode)
        }
    }
}

/// Small named values that must survive restarts (the last `updated_from` of an incremental poll, say).
public struct CursorRepository: Sendable {
    let store: Store

    public func value(_ name: String) async throws -> String? {
        try await store.read { try $0.firstRow("SELECT value FROM cursors WHERE name = ?", [name]) { $0.string(0) } ?? nil }
    }

    /// A cursor that holds a time, as seconds since 1970 (as the store keeps every time: exact, no format to misread);
    /// nil when unset or unreadable.
    public func date(_ name: String) async throws -> Date? {
        guard let text = try await value(name), let seconds = Double(text), seconds.isFinite else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    public func set(_ name: String, to date: Date, now: Date) async throws {
        try await set(name, to: String(date.timeIntervalSince1970), now: now)
    }

    public func set(_ name: String, to value: String, now: Date) async throws {
        try await store.write { connection in
            try connection.run(
                "INSERT INTO cursors (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                name, value, now)
        }
    }
}
