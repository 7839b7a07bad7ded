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
        in connection: any Connection, id: Int64, status: String, devStatus: String? = nil, eventOrder: Int64?, trustedUpTo ceiling: Int64? = nil,
        now: Date
    ) throws -> PushRecord? {
        let previous = try connection.firstRow("SELECT last_pushed_status, last_event_order FROM mappings WHERE id = ?", [id]) { row in
            PushRecord(status: row.string(0), eventOrder: row.isNull(1) ? nil : row.int64(1))
        }
        try connection.run(
            """
            UPDATE mappings SET last_pushed_status = ?, last_dev_status = coalesce(?, last_dev_status), last_pushed_at = ?,
                last_event_order = coalesce(?, last_event_order), updated_at = ?
            WHERE id = ? AND (CAST(? AS BIGINT) IS NULL OR last_event_order IS NULL OR last_event_order <= ? OR last_event_order > ?)
            """, status, devStatus, now, eventOrder, now, id, eventOrder, eventOrder, ceiling ?? Int64.max)
        return connection.changes == 1 ? previous : nil
    }

    /// Records what an observation of the issue taught (a new key or URL, another id, the adapter's note, a move to
    /// another id, its deletion) inside the caller's unit of work.
    public static func learn(_ facts: MappingFacts, id: Int64, now: Date, in connection: any Connection) throws {
        guard !facts.isEmpty else { return }
        // A move gives the issue a new stable id; the other id it had named the old issue, so it is replaced (by the
        // one given, or none). A deletion ends a linked mapping only.
        let moved = facts.issueID != nil
        let touched = facts.key != nil || facts.url != nil || moved || facts.deleted
        try connection.run(
            """
            UPDATE mappings SET dev_issue_id = coalesce(?, dev_issue_id), dev_issue_key = coalesce(?, dev_issue_key),
                dev_issue_url = coalesce(?, dev_issue_url),
                dev_issue_alt_id = CASE WHEN ? = 1 THEN ? ELSE coalesce(?, dev_issue_alt_id) END,
                tool_note = CASE WHEN ? = 1 THEN ? ELSE tool_note END,

                state = CASE WHEN ? = 1 AND state = 'linked' THEN 'deleted' ELSE state END,
                updated_at = CASE WHEN ? = 1 THEN ? ELSE updated_at END
            WHERE id = ?
            """, facts.issueID, facts.key, facts.url, moved, facts.alternateID, facts.alternateID, facts.toolNote != nil, facts.toolNote ?? nil,
            facts.deleted, touched, now, id)
        if !facts.signalChanges.isEmpty { try mergeSignalValues(facts.signalChanges, id: id, in: connection) }
    }

    /// Merges `changes` into the mapping's `signal_values` inside the caller's transaction, read there: two units of work
    /// that wrote different fields (an assignee, a pull request) both keep theirs.
    static func mergeSignalValues(_ changes: [String: String], id: Int64, in connection: any Connection) throws {
        let current = try connection.firstRow("SELECT signal_values FROM mappings WHERE id = ?", [id]) { $0.string(0) } ?? nil
        let values = SignalValues.decode(current).merging(changes) { $1 }
        try connection.run("UPDATE mappings SET signal_values = ? WHERE id = ?", SignalValues.encode(values), id)
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
    /// The issue lives on under this stable id (a GitHub transfer to another repository).
    public var issueID: String?
    public var key: String?
    public var url: String?
    public var alternateID: String?
    /// The adapter's note becomes this (`.some(nil)` clears it); nil leaves it.
    public var toolNote: String??
    /// The issue was deleted in the dev tool: nothing more is read or written for it.
    public var deleted = false
    /// What was just written to `progress.fields` fields, by signal name: merged into what the mapping keeps.
    public var signalChanges: [String: String] = [:]

    public init(
        issueID: String? = nil, key: String? = nil, url: String? = nil, alternateID: String? = nil, toolNote: String?? = nil, deleted: Bool = false
    ) {
        self.issueID = issueID
        self.key = key
        self.url = url
        self.alternateID = alternateID
        self.toolNote = toolNote
        self.deleted = deleted
    }

    public var isEmpty: Bool { issueID == nil && key == nil && url == nil && alternateID == nil && toolNote == nil && !deleted && signalChanges.isEmpty }
}
