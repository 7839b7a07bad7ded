import Foundation

/// The durable job queue: work survives restarts, a crashed worker's lease expires and the job runs again,
/// and a job that keeps failing ends dead where an operator can see and replay it.
public struct JobQueue: Sendable {
    let store: Store

    static let columns = """
        id, kind, payload, dedupe_key, state, attempts, max_attempts, next_attempt_at, lease_owner, lease_expires_at,
        last_error, created_at
        """

    static func decode(_ row: Row) -> Job {
        Job(
            id: row.int64(0), kind: row.requiredString(1), payload: row.requiredString(2), dedupeKey: row.string(3),
            state: Job.State(rawValue: row.requiredString(4)) ?? .dead, attempts: row.int(5), maxAttempts: row.int(6),
            nextAttemptAt: row.date(7), leaseOwner: row.string(8), leaseExpiresAt: row.optionalDate(9), lastError: row.string(10),
            createdAt: row.date(11))
    }

    /// Adds a job; returns its id, or nil when a queued or running job with the same `dedupeKey` exists.
    @discardableResult
    public func enqueue(
        kind: String, payload: String, dedupeKey: String? = nil, maxAttempts: Int = 10, runAt: Date, now: Date
    ) async throws -> Int64? {
        try await store.write { connection in
            try connection.run(
                """
                INSERT OR IGNORE INTO jobs (kind, payload, dedupe_key, state, max_attempts, next_attempt_at, created_at, updated_at)
                VALUES (?, ?, ?, 'queued', ?, ?, ?, ?)
                """, kind, payload, dedupeKey, maxAttempts, runAt, now, now)
            return connection.changes == 1 ? connection.lastInsertedRowID : nil
        }
    }

    /// Leases up to `limit` due jobs for `owner` until `now + leaseDuration`: queued ones whose time has come,
    /// and running ones whose lease expired (their worker died). Each lease counts as an attempt.
    public func lease(owner: String, now: Date, leaseDuration: TimeInterval, limit: Int, kinds: [String]? = nil) async throws -> [Job] {
        let kindFilter = kinds.map { kinds in "AND kind IN (\(kinds.map { _ in "?" }.joined(separator: ", ")))" } ?? ""
        let sql = """
            UPDATE jobs SET state = 'running', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1, updated_at = ?
            WHERE id IN (
                SELECT id FROM jobs
                WHERE ((state = 'queued' AND next_attempt_at <= ?) OR (state = 'running' AND lease_expires_at <= ?)) \(kindFilter)
                ORDER BY next_attempt_at, id LIMIT ?)
            RETURNING \(Self.columns)
            """
        let values: [any SQLiteBindable] = [owner, now.addingTimeInterval(leaseDuration), now, now, now] + (kinds ?? []) + [limit]
        return try await store.write { connection in
            try connection.rows(sql, values, Self.decode).sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }
        }
    }

    /// The job succeeded. Only the lease holder may finish it: a worker whose lease expired lost the job.
    public func complete(id: Int64, owner: String, now: Date) async throws -> Bool {
        try await store.write { connection in
            try connection.run(
                "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, last_error = NULL, updated_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?",
                now, id, owner)
            return connection.changes == 1
        }
    }

    /// The attempt failed: run again at `retryAt`, or, when attempts are used up, mark the job dead.
    /// Returns the job's new state, or nil if `owner` no longer holds the lease.
    public func fail(id: Int64, owner: String, error: String, retryAt: Date, now: Date) async throws -> Job.State? {
        try await store.write { connection in
            try connection.run(
                """
                UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,
                    next_attempt_at = ?, last_error = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
                WHERE id = ? AND state = 'running' AND lease_owner = ?
                """, retryAt, error, now, id, owner)
            guard connection.changes == 1 else { return nil }
            return try connection.firstRow("SELECT state FROM jobs WHERE id = ?", [id]) { Job.State(rawValue: $0.requiredString(0)) } ?? nil
        }
    }

    /// Gives up on the job at once (an error retrying cannot fix). False if `owner` no longer holds the lease.
    public func kill(id: Int64, owner: String, error: String, now: Date) async throws -> Bool {
        try await store.write { connection in
            try connection.run(
                "UPDATE jobs SET state = 'dead', last_error = ?, lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?",
                error, now, id, owner)
            return connection.changes == 1
        }
    }

    /// Queues a dead job again with fresh attempts (operator replay).
    public func replay(id: Int64, now: Date) async throws -> Bool {
        try await store.write { connection in
            try connection.run(
                "UPDATE jobs SET state = 'queued', attempts = 0, next_attempt_at = ?, last_error = NULL, updated_at = ? WHERE id = ? AND state = 'dead'",
                now, now, id)
            return connection.changes == 1
        }
    }

    public func job(id: Int64) async throws -> Job? {
        try await store.read { try $0.firstRow("SELECT \(Self.columns) FROM jobs WHERE id = ?", [id], Self.decode) }
    }

    public func dead(beforeID: Int64? = nil, limit: Int = 50) async throws -> [Job] {
        var query = PageQuery()
        query.filter("state = 'dead'")
        return try await query.run(on: store, table: "jobs", columns: Self.columns, beforeID: beforeID, limit: limit, Self.decode)
    }

    /// Jobs waiting or running: the queue depth.
    public func depth() async throws -> Int {
        try await store.read { try $0.scalarInt("SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')") ?? 0 }
    }

    public func countsByState() async throws -> [Job.State: Int] {
        try await store.countByState("jobs")
    }

    /// Deletes done jobs last updated before `cutoff`, in small batches.
    public func pruneDone(before cutoff: Date, batchSize: Int = 500) async throws -> Int {
        try await store.deleteInBatches(from: "jobs", where: "state = 'done' AND updated_at < ?", [cutoff], batchSize: batchSize)
    }
}
