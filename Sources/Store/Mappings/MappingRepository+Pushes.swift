import Foundation

/// Push records: what Craft.io was last given for a mapping and by which order, and what observations of the issue
/// taught (a new key, another id, a move, its deletion).
extension MappingRepository {
    /// Records a status pushed to Craft.io, unless `eventOrder` is older than the last one applied: out-of-order
    /// deliveries lose. Equal orders apply (GitHub's `updated_at` has one-second resolution, so two events of
    /// one second tie, and the one processed last wins). Returns false when it changed nothing.
    public func recordPush(
        id: Int64, status: String, devStatus: String? = nil, eventOrder: Int64?, trustedUpTo ceiling: Int64? = nil, now: Date
    ) async throws -> Bool {
        try await recordPushIfNewer(id: id, status: status, devStatus: devStatus, eventOrder: eventOrder, trustedUpTo: ceiling, now: now) != nil
    }

    /// What a mapping recorded as pushed, to tell whether another writer recorded in between.
    public struct PushRecord: Sendable, Equatable {
        public var status: String?
        public var eventOrder: Int64?
        public init(status: String?, eventOrder: Int64?) {
            self.status = status
            self.eventOrder = eventOrder
        }
    }

    /// Records `status` (from the tool's `devStatus`, when known) as pushed unless a newer order is recorded already.
    /// A recorded order above `ceiling` is not trusted (a time from the future) and loses to any order.
    /// Returns what was recorded before (in the same transaction), or nil when refused.
    public func recordPushIfNewer(
        id: Int64, status: String, devStatus: String? = nil, eventOrder: Int64?, trustedUpTo ceiling: Int64? = nil, now: Date
    ) async throws -> PushRecord? {
        try await store.write { connection in
            try Self.recordPushIfNewer(in: connection, id: id, status: status, devStatus: devStatus, eventOrder: eventOrder, trustedUpTo: ceiling, now: now)
        }
    }

    /// `recordPushIfNewer` inside the caller's transaction (a unit of work that also records the event's outcome).
    public static func recordPushIfNewer(
        in connection: Connection, id: Int64, status: String, devStatus: String? = nil, eventOrder: Int64?, trustedUpTo ceiling: Int64? = nil,
        now: Date
    ) throws -> PushRecord? {
        let previous = try connection.firstRow("SELECT last_pushed_status, last_event_order FROM mappings WHERE id = ?", [id]) { row in
            PushRecord(status: row.string(0), eventOrder: row.isNull(1) ? nil : row.int64(1))
        }
        try connection.run(
            """
            UPDATE mappings SET last_pushed_status = ?, last_dev_status = coalesce(?, last_dev_status), last_pushed_at = ?,
                last_event_order = coalesce(?, last_event_order), updated_at = ?
            WHERE id = ? AND (? IS NULL OR last_event_order IS NULL OR last_event_order <= ? OR last_event_order > ?)
            """, status, devStatus, now, eventOrder, now, id, eventOrder, eventOrder, ceiling ?? Int64.max)
        return connection.changes == 1 ? previous : nil
    }

    /// Records what an observation of the issue taught (a new key or URL, another id, the adapter's note) inside the
    /// caller's unit of work.
    public static func learn(_ facts: MappingFacts, id: Int64, now: Date, in connection: Connection) throws {
        guard !facts.isEmpty else { return }
        try connection.run(
            """
            UPDATE mappings SET dev_issue_key = coalesce(?, dev_issue_key), dev_issue_url = coalesce(?, dev_issue_url),
                dev_issue_alt_id = coalesce(?, dev_issue_alt_id), tool_note = CASE WHEN ? THEN ? ELSE tool_note END,
                updated_at = CASE WHEN ? IS NULL AND ? IS NULL THEN updated_at ELSE ? END
            WHERE id = ?
            """, facts.key, facts.url, facts.alternateID, facts.toolNote != nil, facts.toolNote ?? nil, facts.key, facts.url, now, id)
    }

    /// The issue was deleted in the dev tool: reconciliation stops reading it, and its state says why.
    public func markDeleted(id: Int64, now: Date) async throws {
        try await store.write { connection in
            try connection.run("UPDATE mappings SET state = 'deleted', updated_at = ? WHERE id = ? AND state = 'linked'", now, id)
        }
    }

    /// The issue lives on under another id, key and URL (a GitHub transfer to another repository).
    public func move(id: Int64, devIssueID: String, key: String, url: String?, now: Date) async throws {
        try await store.write { connection in
            try connection.run(
                """
                UPDATE mappings SET dev_issue_id = ?, dev_issue_key = ?, dev_issue_url = coalesce(?, dev_issue_url), dev_issue_alt_id = NULL,
                    updated_at = ?
                WHERE id = ?
                """, devIssueID, key, url, now, id)
        }
    }

    /// Whether a linked mapping of `devToolInstance` has not learnt its issue's other id yet.
    public func hasLinkedWithoutAltID(devToolInstance: String) async throws -> Bool {
        try await store.read { connection in
            try connection.firstRow(
                "SELECT 1 FROM mappings WHERE dev_tool_instance = ? AND dev_issue_alt_id IS NULL AND state = 'linked' LIMIT 1", [devToolInstance]
            ) { _ in true } ?? false
        }
    }
}

/// What an observation of an issue taught about its mapping; nil fields change nothing.
public struct MappingFacts: Sendable, Equatable {
    public var key: String?
    public var url: String?
    public var alternateID: String?
    /// The adapter's note becomes this (`.some(nil)` clears it); nil leaves it.
    public var toolNote: String??

    public init(key: String? = nil, url: String? = nil, alternateID: String? = nil, toolNote: String?? = nil) {
        self.key = key
        self.url = url
        self.alternateID = alternateID
        self.toolNote = toolNote
    }

    public var isEmpty: Bool { key == nil && url == nil && alternateID == nil && toolNote == nil }
}
