import Foundation

/// Each item's history of crossings. Pruned with the same retention as events; dead-letter entries stay, as
/// dead events do, until an operator acts.
public struct TimelineRepository: Sendable {
    let store: Store

    static let columns = "id, at, craft_item_id, workspace_id, dev_tool_instance, dev_issue_key, kind, outcome, detail, event_id"

    static func decode(_ row: Row) -> TimelineEntry {
        TimelineEntry(
            id: row.int64(0), at: row.date(1), craftItemID: row.requiredString(2), workspaceID: row.requiredString(3),
            devToolInstance: row.requiredString(4), devIssueKey: row.string(5), kind: TimelineEntry.Kind(rawValue: row.requiredString(6)) ?? .webhook,
            outcome: row.requiredString(7), detail: row.requiredString(8), eventID: row.isNull(9) ? nil : row.int64(9))
    }

    static let insert = """
        INSERT INTO timeline (at, craft_item_id, workspace_id, dev_tool_instance, dev_issue_key, kind, outcome, detail, event_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    public func record(_ entry: NewTimelineEntry) async throws {
        try await store.write { connection in try Self.record(entry, in: connection) }
    }

    /// Records `entry` inside the caller's transaction.
    public static func record(_ entry: NewTimelineEntry, in connection: any Connection) throws {
        try connection.run(insert, bindings: values(entry))
    }

    /// Records `entry` unless the item's newest entry of the same kind says the same already (drift seen again
    /// by every poll is one entry, not one an hour).
    public func recordUnlessRepeated(_ entry: NewTimelineEntry) async throws {
        try await store.write { connection in
            let last = try connection.firstRow(
                "SELECT detail FROM timeline WHERE craft_item_id = ? AND dev_tool_instance = ? AND kind = ? ORDER BY id DESC LIMIT 1",
                [entry.craftItemID, entry.devToolInstance, entry.kind.rawValue]) { $0.string(0) }
            guard last != .some(entry.detail) else { return }
            try connection.run(Self.insert, bindings: Self.values(entry))
        }
    }

    static func values(_ entry: NewTimelineEntry) -> [any SQLBindable] {
        [entry.at, entry.craftItemID, entry.workspaceID, entry.devToolInstance, entry.devIssueKey, entry.kind.rawValue, entry.outcome, entry.detail, entry.eventID]
    }

    /// Entries of `kinds` after `afterID`, oldest first.
    public func entries(after afterID: Int64, kinds: [TimelineEntry.Kind], limit: Int) async throws -> [TimelineEntry] {
        guard !kinds.isEmpty else { return [] }
        let placeholders = kinds.map { _ in "?" }.joined(separator: ", ")
        return try await store.read {
            try $0.rows(
                "SELECT \(Self.columns) FROM timeline WHERE id > ? AND kind IN (\(placeholders)) ORDER BY id LIMIT ?",
                [afterID] + kinds.map(\.rawValue) + [limit], Self.decode)
        }
    }

    /// The newest entry's id; 0 when there is none.
    public func newestID() async throws -> Int64 {
        try await store.read { Int64(try $0.scalarInt("SELECT coalesce(max(id), 0) FROM timeline") ?? 0) }
    }

    /// Newest first, continuing below `beforeID`.
    public func list(_ filter: TimelineFilter, beforeID: Int64? = nil, limit: Int = 50) async throws -> [TimelineEntry] {
        var query = PageQuery()
        query.filter("craft_item_id = ?", filter.craftItemID)
        query.filter("dev_tool_instance = ?", filter.devToolInstance)
        query.filter("dev_issue_key = ?", filter.devIssueKey)
        query.filter("at >= ?", filter.since)
        query.filter("at < ?", filter.until)
        return try await query.run(on: store, table: "timeline", columns: Self.columns, beforeID: beforeID, limit: limit, Self.decode)
    }

    /// The statuses the status mapping had no Craft value for since `since`, by dev-tool instance, with how often:
    /// read from the `unmapped` webhook entries (whose detail names the status), on any connection (doctor's is
    /// read-only).
    public static func unmappedStatuses(in connection: any Connection, since: Date) throws -> [(instance: String, status: String, count: Int)] {
        let rows = try connection.rows(
            "SELECT dev_tool_instance, detail FROM timeline WHERE at >= ? AND kind = 'webhook' AND outcome = 'unmapped'", [since]
        ) { ($0.requiredString(0), $0.requiredString(1)) }
        var counts: [String: [String: Int]] = [:]
        for (instance, detail) in rows {
            guard let start = detail.range(of: "status '"), let end = detail[start.upperBound...].firstIndex(of: "'") else { continue }
            counts[instance, default: [:]][String(detail[start.upperBound..<end]), default: 0] += 1
        }
        return counts.sorted { $0.key < $1.key }.flatMap { instance, statuses in
            statuses.sorted { $0.key < $1.key }.map { (instance, $0.key, $0.value) }
        }
    }

    /// The items each of these deliveries was about (from their entries), in one read: what a list of dead letters shows.
    public func items(ofEvents eventIDs: [Int64]) async throws -> [Int64: [(craftItemID: String, devIssueKey: String?)]] {
        guard !eventIDs.isEmpty else { return [:] }
        let placeholders = Array(repeating: "?", count: eventIDs.count).joined(separator: ", ")
        let rows = try await store.read { connection in
            try connection.rows(
                "SELECT DISTINCT event_id, craft_item_id, dev_issue_key FROM timeline WHERE event_id IN (\(placeholders)) ORDER BY event_id, craft_item_id",
                eventIDs.map { $0 as any SQLBindable }) { ($0.int64(0), $0.requiredString(1), $0.string(2)) }
        }
        var items: [Int64: [(craftItemID: String, devIssueKey: String?)]] = [:]
        for (event, item, key) in rows where !(items[event]?.contains { $0.craftItemID == item } ?? false) {
            items[event, default: []].append((item, key))
        }
        return items
    }

    /// Deletes entries older than `cutoff`, except dead letters.
    public func prune(before cutoff: Date, batchSize: Int = 500) async throws -> Int {
        try await store.deleteInBatches(from: "timeline", where: "at < ? AND kind != 'dead'", [cutoff], batchSize: batchSize)
    }

    /// Within a write: one `replayed` entry for each item an earlier entry of event `eventID` was about.
    static func recordReplay(of eventIDs: String, _ values: [any SQLBindable], at now: Date, in connection: any Connection) throws {
        try connection.run(
            """
            INSERT INTO timeline (at, craft_item_id, workspace_id, dev_tool_instance, dev_issue_key, kind, outcome, detail, event_id)
            SELECT ?, craft_item_id, workspace_id, dev_tool_instance, dev_issue_key, 'replayed', 'queued',
                   'delivery ' || event_id || ' queued again by an operator', event_id
            FROM timeline WHERE id IN (SELECT max(id) FROM timeline WHERE event_id IN (\(eventIDs)) GROUP BY event_id, craft_item_id)
            """, bindings: [now] + values)
    }
}
