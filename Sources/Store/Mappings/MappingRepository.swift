import Foundation

/// Queries on mappings. Uniqueness per (workspace, item, instance) and per (instance, dev issue id) is
/// enforced by the schema, so two racing writers cannot both create a mapping.
public struct MappingRepository: Sendable {
    let store: Store

    static let columns = """
        id, workspace_id, craft_item_id, dev_tool_kind, dev_tool_instance, dev_issue_id, dev_issue_key, dev_issue_url,
        state, failure_reason, content_hash, last_pushed_status, last_pushed_at, last_event_order, created_at, updated_at, craft_item_url,
        craft_title, content_snapshot, craft_parent_id, parent_linked, tool_note, routed_by, last_dev_status, dev_issue_alt_id, lease_owner, lease_until
        """

    /// A row of `columns`, by column name.
    static func decode(_ row: Row) -> Mapping {
        Mapping(
            id: row.int64("id"), workspaceID: row.requiredString("workspace_id"), craftItemID: row.requiredString("craft_item_id"),
            devToolKind: row.requiredString("dev_tool_kind"), devToolInstance: row.requiredString("dev_tool_instance"),
            devIssueID: row.string("dev_issue_id"), devIssueKey: row.string("dev_issue_key"), devIssueURL: row.string("dev_issue_url"),
            state: Mapping.State(rawValue: row.requiredString("state")) ?? .failed, failureReason: row.string("failure_reason"),
            contentHash: row.string("content_hash"), lastPushedStatus: row.string("last_pushed_status"),
            lastPushedAt: row.optionalDate("last_pushed_at"), lastEventOrder: row.optionalInt64("last_event_order"),
            createdAt: row.date("created_at"), updatedAt: row.date("updated_at"), craftItemURL: row.string("craft_item_url"),
            craftTitle: row.string("craft_title"), contentSnapshot: row.string("content_snapshot"), craftParentID: row.string("craft_parent_id"),
            parentLinked: row.int("parent_linked") != 0, toolNote: row.string("tool_note"), routedBy: row.string("routed_by"),
            lastDevStatus: row.string("last_dev_status"), devIssueAltID: row.string("dev_issue_alt_id"), leaseOwner: row.string("lease_owner"),
            leaseUntil: row.optionalDate("lease_until"))
    }


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

    public func mapping(id: Int64) async throws -> Mapping? {
        try await store.read { try Self.find($0, where: "id = ?", [id]) }
    }

    public func mapping(workspaceID: String, craftItemID: String, devToolInstance: String) async throws -> Mapping? {
        try await store.read {
            try Self.find($0, where: "workspace_id = ? AND craft_item_id = ? AND dev_tool_instance = ?", [workspaceID, craftItemID, devToolInstance])
        }
    }

    /// Finds a mapping by the other id the tool's deliveries name the issue by (GitHub's node id).
    public func mapping(devToolInstance: String, devIssueAltID: String) async throws -> Mapping? {
        try await store.read { try Self.find($0, where: "dev_tool_instance = ? AND dev_issue_alt_id = ?", [devToolInstance, devIssueAltID]) }
    }

    /// Finds a mapping by the dev issue's stable id, as webhooks name it.
    public func mapping(devToolInstance: String, devIssueID: String) async throws -> Mapping? {
        try await store.read { try Self.find($0, where: "dev_tool_instance = ? AND dev_issue_id = ?", [devToolInstance, devIssueID]) }
    }

    /// Linked mappings whose item has a parent in Craft.io and whose issue is not yet linked under the parent's issue:
    /// of one parent when `craftParentID` is given; else those of one workspace whose parent has a linked issue (the
    /// ones a retry can do something for), oldest first, 500 at most.
    public func awaitingParentLink(devToolInstance: String, craftParentID: String? = nil, workspaceID: String? = nil) async throws -> [Mapping] {
        try await store.read { connection in
            if let craftParentID {
                return try connection.rows(
                    "SELECT \(Self.columns) FROM mappings WHERE dev_tool_instance = ? AND craft_parent_id = ? AND state = 'linked' AND parent_linked = 0",
                    [devToolInstance, craftParentID], Self.decode)
            }
            let prefixed = Self.columns.split(separator: ",").map { "child." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")
            return try connection.rows(
                """
                SELECT \(prefixed) FROM mappings AS child
                JOIN mappings AS parent ON parent.workspace_id = child.workspace_id AND parent.craft_item_id = child.craft_parent_id
                    AND parent.dev_tool_instance = child.dev_tool_instance AND parent.state = 'linked'
                WHERE child.dev_tool_instance = ? AND child.workspace_id = ? AND child.craft_parent_id IS NOT NULL AND child.state = 'linked'
                    AND child.parent_linked = 0
                ORDER BY child.id LIMIT 500
                """, [devToolInstance, workspaceID ?? ""], Self.decode)
        }
    }

    /// The Craft parents of a workspace's linked items that have no mapping of their own (not synced, in no tool but the
    /// `excluding` ones: a sibling target's), each with one of its children's item ids, 500 at most, none of `skipping`:
    /// what `intake.sync_ancestors` still has to bring across.
    public func unsyncedParents(
        workspaceID: String, excluding siblings: Set<String> = [], skipping known: Set<String> = []
    ) async throws -> [(parentID: String, childID: String)] {
        let excluded = siblings.sorted()
        let skipped = known.sorted()
        let siblingList = excluded.map { _ in "?" }.joined(separator: ", ")
        let childNotSibling = excluded.isEmpty ? "" : " AND child.dev_tool_instance NOT IN (\(siblingList))"
        let parentNotSibling = excluded.isEmpty ? "" : " AND parent.dev_tool_instance NOT IN (\(siblingList))"
        let notSkipped = skipped.isEmpty ? "" : " AND child.craft_parent_id NOT IN (\(skipped.map { _ in "?" }.joined(separator: ", ")))"
        let bindings: [any SQLiteBindable] = [workspaceID] + excluded + skipped + excluded
        return try await store.read { connection in
            try connection.rows(
                """
                SELECT child.craft_parent_id, min(child.craft_item_id) FROM mappings AS child
                WHERE child.workspace_id = ? AND child.craft_parent_id IS NOT NULL AND child.state = 'linked'\(childNotSibling)\(notSkipped)
                    AND NOT EXISTS (
                        SELECT 1 FROM mappings AS parent WHERE parent.workspace_id = child.workspace_id AND parent.craft_item_id = child.craft_parent_id\(parentNotSibling))
                GROUP BY child.craft_parent_id ORDER BY child.craft_parent_id LIMIT 500
                """, bindings
            ) { row in (parentID: row.requiredString(0), childID: row.requiredString(1)) }
        }
    }

    /// The synced children of a Craft item (its issue-holding mappings in any dev-tool instance): a roll-up's count.
    public func children(workspaceID: String, craftParentID: String) async throws -> [Mapping] {
        try await store.read {
            try $0.rows(
                "SELECT \(Self.columns) FROM mappings WHERE workspace_id = ? AND craft_parent_id = ? AND state = 'linked'",
                [workspaceID, craftParentID], Self.decode)
        }
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

    /// 1: linked under its parent's issue; 2: the tool refused for good (not tried again).
    public func markParentLinked(id: Int64, refused: Bool = false) async throws {
        try await store.write { try $0.run("UPDATE mappings SET parent_linked = ? WHERE id = ?", refused ? 2 : 1, id) }
    }

    /// The mapping of the issue now called `devIssueKey` (a pull request names the issues it closes by number).
    public func mapping(devToolInstance: String, devIssueKey: String) async throws -> Mapping? {
        try await store.read { try Self.find($0, where: "dev_tool_instance = ? AND dev_issue_key = ?", [devToolInstance, devIssueKey]) }
    }

    /// Mappings by Craft item id, in any workspace or instance.
    public func mappings(craftItemID: String) async throws -> [Mapping] {
        try await store.read { try $0.rows("SELECT \(Self.columns) FROM mappings WHERE craft_item_id = ? ORDER BY id", [craftItemID], Self.decode) }
    }

    /// Every mapping of a workspace for one dev tool instance, keyed by Craft item id: one read instead of one
    /// query per item when a poll sees thousands of items that are already synced.
    /// Of one dev-tool instance, or of every instance but `excluding` when nil (where routing sends a workspace's items
    /// to several).
    public func all(workspaceID: String, devToolInstance: String?, excluding: Set<String> = []) async throws -> [String: Mapping] {
        try await store.read { connection in
            let mappings = try devToolInstance.map {
                try connection.rows(
                    "SELECT \(Self.columns) FROM mappings WHERE workspace_id = ? AND dev_tool_instance = ?", [workspaceID, $0], Self.decode)
            } ?? connection.rows("SELECT \(Self.columns) FROM mappings WHERE workspace_id = ?", [workspaceID], Self.decode)
                .filter { !excluding.contains($0.devToolInstance) }
            return Dictionary(mappings.map { ($0.craftItemID, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// The mappings of these items (a poll that listed only changed items reads only theirs), by item id.
    public func mappings(
        workspaceID: String, devToolInstance: String?, craftItemIDs: [String], excluding: Set<String> = []
    ) async throws -> [String: Mapping] {
        var found: [String: Mapping] = [:]
        // SQLite binds at most 32,766 parameters; 500 ids a query stays far below it.
        for start in stride(from: 0, to: craftItemIDs.count, by: 500) {
            let chunk = Array(craftItemIDs[start..<min(start + 500, craftItemIDs.count)])
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            let rows = try await store.read { connection in
                if let devToolInstance {
                    return try connection.rows(
                        "SELECT \(Self.columns) FROM mappings WHERE workspace_id = ? AND craft_item_id IN (\(placeholders)) AND dev_tool_instance = ?",
                        [workspaceID] + chunk + [devToolInstance], Self.decode)
                }
                return try connection.rows(
                    "SELECT \(Self.columns) FROM mappings WHERE workspace_id = ? AND craft_item_id IN (\(placeholders))", [workspaceID] + chunk, Self.decode)
            }
            for mapping in rows where found[mapping.craftItemID] == nil && !excluding.contains(mapping.devToolInstance) {
                found[mapping.craftItemID] = mapping
            }
        }
        return found
    }

    /// Linked mappings whose link into Craft.io has not been written yet.
    public func linksToWrite(workspaceID: String, devToolInstance: String, limit: Int = 100) async throws -> [Mapping] {
        try await store.read { connection in
            try connection.rows(
                "SELECT \(Self.columns) FROM mappings WHERE workspace_id = ? AND dev_tool_instance = ? AND link_pending = 1 AND state = 'linked' ORDER BY id LIMIT ?",
                [workspaceID, devToolInstance, limit], Self.decode)
        }
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

    /// Craft.io took the link.
    public func linkWritten(id: Int64) async throws {
        try await store.write { connection in
            try connection.run("UPDATE mappings SET link_pending = 0 WHERE id = ?", id)
        }
    }

    /// Linked mappings in id order after `afterID`, for reconciliation in batches.
    /// Linked mappings after `afterID`, in id order (of one dev-tool instance when given).
    public func linked(devToolInstance: String? = nil, afterID: Int64, limit: Int) async throws -> [Mapping] {
        try await store.read {
            if let devToolInstance {
                return try $0.rows(
                    "SELECT \(Self.columns) FROM mappings WHERE state = 'linked' AND dev_tool_instance = ? AND id > ? ORDER BY id LIMIT ?",
                    [devToolInstance, afterID, limit], Self.decode)
            }
            return try $0.rows("SELECT \(Self.columns) FROM mappings WHERE state = 'linked' AND id > ? ORDER BY id LIMIT ?", [afterID, limit], Self.decode)
        }
    }

    /// A page of mappings matching `filter`, newest first; pass the last id seen as `beforeID` for the next page.
    public func list(_ filter: MappingFilter, beforeID: Int64? = nil, limit: Int = 50) async throws -> [Mapping] {
        var query = PageQuery()
        query.filter("workspace_id = ?", filter.workspaceID)
        query.filter("state = ?", filter.state?.rawValue)
        query.filter("dev_tool_kind = ?", filter.devToolKind)
        // The title matches anywhere, case-insensitively for ASCII; `%`, `_` and `\` in the search are literal.
        let pattern = filter.search.map { "%" + $0.replacing("\\", with: "\\\\").replacing("%", with: "\\%").replacing("_", with: "\\_") + "%" }
        query.filter("(craft_item_id = ? OR dev_issue_key = ? OR craft_title LIKE ? ESCAPE '\\')", filter.search, filter.search, pattern)
        return try await query.run(on: store, table: "mappings", columns: Self.columns, beforeID: beforeID, limit: limit, Self.decode)
    }

    /// Mapping counts by workspace, then state.
    public func countsByWorkspace() async throws -> [String: [Mapping.State: Int]] {
        try await store.read { connection in
            let rows = try connection.rows("SELECT workspace_id, state, count(*) FROM mappings GROUP BY workspace_id, state") {
                ($0.requiredString(0), Mapping.State(rawValue: $0.requiredString(1)), $0.int(2))
            }
            var counts: [String: [Mapping.State: Int]] = [:]
            for (workspace, state, count) in rows { if let state { counts[workspace, default: [:]][state] = count } }
            return counts
        }
    }

    public func countsByState() async throws -> [Mapping.State: Int] {
        try await store.countByState("mappings")
    }

    private func update(_ assignments: String, id: Int64, _ values: [any SQLiteBindable]) async throws {
        try await store.updateRow("mappings", assignments, id: id, values)
    }

    static func find(_ connection: Connection, where condition: String, _ values: [any SQLiteBindable]) throws -> Mapping? {
        try connection.firstRow("SELECT \(columns) FROM mappings WHERE \(condition)", values, decode)
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
