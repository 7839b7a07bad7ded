import Compression
import Foundation

/// Every webhook delivery, stored before it is acknowledged, with its state of processing.
public struct EventLog: Sendable {
    let store: Store

    public enum AppendResult: Sendable, Equatable {
        case stored(id: Int64)
        /// The same tool sent this delivery id before, or this signed body as a replay: nothing was written.
        case duplicate(id: Int64)
    }

    static let columns = """
        id, tool, instance, delivery_id, event_type, received_at, headers, body_size, state, ignored_reason,
        attempts, next_attempt_at, last_error, finished_at
        """

    static func decode(_ row: Row) -> StoredEvent {
        let headers = (try? JSONDecoder().decode([String: String].self, from: Data(row.requiredString(6).utf8))) ?? [:]
        return StoredEvent(
            id: row.int64(0), tool: row.requiredString(1), instance: row.requiredString(2), deliveryID: row.requiredString(3),
            eventType: row.requiredString(4), receivedAt: row.date(5), headers: headers, bodySize: row.int(7),
            state: StoredEvent.State(rawValue: row.requiredString(8)) ?? .failed, ignoredReason: row.string(9),
            attempts: row.int(10), nextAttemptAt: row.optionalDate(11), lastError: row.string(12), finishedAt: row.optionalDate(13))
    }

    /// A delivery ready to be written: its body compressed and headers encoded, the CPU-heavy part of `append`,
    /// which the caller may do on a worker before it waits for the store.
    public struct EncodedEvent: Sendable {
        let event: IncomingEvent
        let compressedBody: [UInt8]
        let headers: String
        let bodySize: Int

        public init(_ event: IncomingEvent) throws {
            bodySize = event.body.count
            // Level 1: most of the size win on JSON (~5-10x) at a fraction of the CPU of the default level.
            compressedBody = try Zlib.compress(event.body, framing: .zlib, level: 1)
            headers = String(decoding: try JSONEncoder.sorted.encode(event.headers), as: UTF8.self)
            var kept = event
            kept.body = []
            self.event = kept
        }
    }

    /// Stores a delivery durably (the body compressed with zlib). Returns once committed.
    public func append(_ event: IncomingEvent) async throws -> AppendResult {
        try await append(EncodedEvent(event))
    }

    /// Stores a delivery durably unless its delivery id, or (where kept) its body digest with its event type, was
    /// stored before and is still kept (`prune`). Returns once committed.
    public func append(_ encoded: EncodedEvent) async throws -> AppendResult {
        let result = try await insert(encoded)
        if case .stored = result { store.database.announceNewEvent() }
        return result
    }

    private func insert(_ encoded: EncodedEvent) async throws -> AppendResult {
        let event = encoded.event
        return try await store.write { connection in
            // Both unique indexes decide in the insert itself: no look-up first on the acknowledgement path.
            let inserted = try connection.firstRow(
                """
                INSERT INTO events (tool, instance, delivery_id, event_type, received_at, headers, body, body_size, state, body_digest)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'received', ?)
                ON CONFLICT DO NOTHING RETURNING id
                """, [event.tool, event.instance, event.deliveryID, event.eventType, event.receivedAt, encoded.headers, encoded.compressedBody,
                encoded.bodySize, event.bodyDigest]) { $0.int64(0) }
            if let inserted { return .stored(id: inserted) }
            let existing = try connection.scalarInt(
                "SELECT id FROM events WHERE tool = ? AND (delivery_id = ? OR (body_digest = ? AND event_type = ?)) ORDER BY id LIMIT 1",
                [event.tool, event.deliveryID, event.bodyDigest, event.eventType])
            return .duplicate(id: Int64(existing ?? 0))
        }
    }

    public func event(id: Int64) async throws -> StoredEvent? {
        try await store.read { try $0.firstRow("SELECT \(Self.columns) FROM events WHERE id = ?", [id], Self.decode) }
    }

    /// The raw body exactly as received.
    public func payload(id: Int64) async throws -> [UInt8] {
        let compressed = try await store.read { connection in
            try connection.firstRow("SELECT body FROM events WHERE id = ?", [id]) { $0.blob(0) ?? [] }
        }
        guard let compressed else { throw StoreError.notFound("event \(id)") }
        return try Zlib.decompress(compressed, framing: .zlib)
    }

    /// Events due at `now` (new, or failed and due for another attempt), oldest first, but for those of the tools in
    /// `excluding` (paused ones) and the ids in `skipping` (a processor's pass holds them already).
    ///
    /// Ids are read first and only the rows not skipped are decoded: a pass reads the log again each time a lane ends,
    /// and decoding the events it already holds (their headers are JSON) was a tenth of the service's CPU in a burst.
    public func due(now: Date, limit: Int, excluding tools: Set<String> = [], skipping held: Set<Int64> = []) async throws -> [StoredEvent] {
        let paused = tools.sorted()
        let filter = paused.isEmpty ? "" : " AND tool NOT IN (\(paused.map { _ in "?" }.joined(separator: ", ")))"
        return try await store.read { connection in
            let ids = try connection.rows(
                """
                SELECT id FROM events
                WHERE state IN ('received', 'failed') AND (next_attempt_at IS NULL OR next_attempt_at <= ?)\(filter)
                ORDER BY id LIMIT ?
                """, [now] + paused + [limit]) { $0.int64(0) }
            let wanted = ids.filter { !held.contains($0) }
            guard !wanted.isEmpty else { return [] }
            return try wanted.compactMap { id in try connection.firstRow("SELECT \(Self.columns) FROM events WHERE id = ?", [id], Self.decode) }
        }
    }

    /// The oldest event still to be processed (of `tool`, when given), whatever its due time: a probe after an outage.
    public func oldestWaiting(tool: String? = nil) async throws -> StoredEvent? {
        try await store.read {
            try $0.firstRow(
                "SELECT \(Self.columns) FROM events WHERE state IN ('received', 'failed') AND (CAST(? AS TEXT) IS NULL OR tool = ?) ORDER BY id LIMIT 1",
                [tool, tool], Self.decode)
        }
    }

    /// Takes a due event for one processor until `until`, by moving its next attempt there: false when another
    /// processor (a second replica on this database) took it first, or when an earlier event of the same lane (the
    /// issue it is about, `lane`) is still to be finished, so one issue's events are applied in the order they came,
    /// whichever replica holds them. A processor that dies holding it leaves it due again once `until` has passed.
    public func claim(id: Int64, lane: String? = nil, now: Date, until: Date) async throws -> Bool {
        try await store.write { connection in
            try connection.run(
                """
                UPDATE events SET next_attempt_at = ?, lane_key = ?
                WHERE id = ? AND state IN ('received', 'failed') AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
                  AND (CAST(? AS TEXT) IS NULL OR NOT EXISTS (
                    SELECT 1 FROM events AS earlier
                    WHERE earlier.lane_key = ? AND earlier.id < ? AND earlier.state IN ('received', 'failed')))
                """, until, lane, id, now, lane, lane, id)
            return connection.changes == 1
        }
    }

    /// Makes the events waiting for a retry due now (all, or `tool`'s): what held them (Craft.io, the tool) works
    /// again, so they need not sit out the rest of their backoff. Returns how many.
    @discardableResult
    public func expediteRetries(tool: String? = nil, now: Date) async throws -> Int {
        try await store.write { connection in
            try connection.run(
                "UPDATE events SET next_attempt_at = ? WHERE state = 'failed' AND next_attempt_at > ? AND (CAST(? AS TEXT) IS NULL OR tool = ?)", now, now, tool, tool)
            return connection.changes
        }
    }

    /// How processing an event ended, for `finish(_:in:)` inside the caller's transaction.
    public enum Outcome: Sendable, Equatable {
        case processed
        case ignored(reason: String)
    }

    /// Records `outcome` for event `id` inside the caller's transaction (a unit of work that also records what the
    /// event changed).
    public static func finish(id: Int64, _ outcome: Outcome, now: Date, in connection: any Connection) throws {
        switch outcome {
        case .processed:
            try connection.run("UPDATE events SET state = 'processed', last_error = NULL, next_attempt_at = NULL, finished_at = ? WHERE id = ?", now, id)
        case .ignored(let reason):
            try connection.run(
                "UPDATE events SET state = 'ignored', ignored_reason = ?, next_attempt_at = NULL, finished_at = ? WHERE id = ?", reason, now, id)
        }
        guard connection.changes == 1 else { throw StoreError.notFound("events row \(id)") }
    }

    public func markProcessed(id: Int64, now: Date) async throws {
        try await update("state = 'processed', last_error = NULL, next_attempt_at = NULL, finished_at = ?", id: id, [now])
    }

    /// Accepted but of no interest (a ping, a comment, an issue we did not create), with why.
    public func markIgnored(id: Int64, reason: String, now: Date) async throws {
        try await update("state = 'ignored', ignored_reason = ?, next_attempt_at = NULL, finished_at = ?", id: id, [reason, now])
    }

    /// A failed attempt: counted, and retried at `retryAt`.
    public func markFailed(id: Int64, error: String, retryAt: Date) async throws {
        try await update("state = 'failed', attempts = attempts + 1, last_error = ?, next_attempt_at = ?", id: id, [error, retryAt])
    }

    /// Given up: kept until an operator replays or deletes it.
    public func markDead(id: Int64, error: String, now: Date) async throws {
        try await update("state = 'dead', attempts = attempts + 1, last_error = ?, next_attempt_at = NULL, finished_at = ?", id: id, [error, now])
    }

    /// Queues an event for processing again from scratch (operator replay). False if there is no such event.
    /// The items the event was about get a `replayed` timeline entry.
    public func replay(id: Int64, now: Date = .now) async throws -> Bool {
        try await store.write { connection in
            try connection.run(
                "UPDATE events SET state = 'received', attempts = 0, next_attempt_at = NULL, last_error = NULL, ignored_reason = NULL, finished_at = NULL WHERE id = ?",
                id)
            guard connection.changes == 1 else { return false }
            try TimelineRepository.recordReplay(of: "?", [id], at: now, in: connection)
            return true
        }
    }

    /// Replays every dead event; returns how many.
    public func replayDead(now: Date = .now) async throws -> Int {
        try await store.write { connection in
            try TimelineRepository.recordReplay(of: "SELECT id FROM events WHERE state = 'dead'", [], at: now, in: connection)
            try connection.run(
                "UPDATE events SET state = 'received', attempts = 0, next_attempt_at = NULL, last_error = NULL, finished_at = NULL WHERE state = 'dead'")
            return connection.changes
        }
    }

    /// Deletes processed and ignored events finished before `cutoff`, `batchSize` rows per transaction so the
    /// writer is never held long. Dead and unfinished events are kept. Returns how many were deleted.
    public func prune(finishedBefore cutoff: Date, batchSize: Int = 500) async throws -> Int {
        try await store.deleteInBatches(
            from: "events", where: "state IN ('processed', 'ignored') AND finished_at < ?", [cutoff], batchSize: batchSize)
    }

    public func countsByState() async throws -> [StoredEvent.State: Int] {
        try await store.countByState("events")
    }

    /// Deliveries received since `date`, by state (the status page's "last hour").
    public func countsByState(receivedSince date: Date) async throws -> [StoredEvent.State: Int] {
        try await store.read { connection in
            let pairs = try connection.rows("SELECT state, count(*) FROM events WHERE received_at >= ? GROUP BY state", [date]) {
                ($0.requiredString(0), $0.int(1))
            }
            return Dictionary(uniqueKeysWithValues: pairs.compactMap { pair in StoredEvent.State(rawValue: pair.0).map { ($0, pair.1) } })
        }
    }

    /// A page of events, newest first; pass the last id seen as `beforeID` for the next page.
    public func list(_ filter: EventFilter, beforeID: Int64? = nil, limit: Int = 50) async throws -> [StoredEvent] {
        var query = PageQuery()
        query.filter("tool = ?", filter.tool)
        query.filter("state = ?", filter.state?.rawValue)
        query.filter("received_at >= ?", filter.receivedAfter)
        query.filter("received_at < ?", filter.receivedBefore)
        return try await query.run(on: store, table: "events", columns: Self.columns, beforeID: beforeID, limit: limit, Self.decode)
    }

    /// Deliveries that died after `after` (by when) and before `before`, that no item's timeline names (they died
    /// before craft-sync knew which item they were about), oldest first: for alerts, which read the rest from the
    /// timeline.
    public func deadWithoutItem(diedAfter after: Date, before: Date, limit: Int) async throws -> [StoredEvent] {
        try await store.read {
            try $0.rows(
                """
                SELECT \(Self.columns) FROM events WHERE state = 'dead' AND finished_at > ? AND finished_at <= ?
                    AND NOT EXISTS (SELECT 1 FROM timeline WHERE timeline.event_id = events.id AND timeline.kind = 'dead')
                ORDER BY finished_at, id LIMIT ?
                """, [after, before, limit], Self.decode)
        }
    }

    private func update(_ assignments: String, id: Int64, _ values: [any SQLBindable]) async throws {
        try await store.updateRow("events", assignments, id: id, values)
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}
