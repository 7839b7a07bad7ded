import Foundation

/// Conflicts between a Craft.io edit and the issue's own (`drift.policy: push`): at most one open per mapping and
/// field (a partial unique index), updated while it stays open, and resolved once.
public struct ConflictRepository: Sendable {
    let store: Store

    static let columns = """
        id, mapping_id, workspace_id, craft_item_id, dev_tool_instance, dev_issue_key, field, base_value, craft_value, dev_value, detected_at,
        resolved_at, resolution, resolved_by
        """

    static func decode(_ row: Row) -> Conflict {
        Conflict(
            id: row.int64("id"), mappingID: row.int64("mapping_id"), workspaceID: row.requiredString("workspace_id"),
            craftItemID: row.requiredString("craft_item_id"), devToolInstance: row.requiredString("dev_tool_instance"),
            devIssueKey: row.string("dev_issue_key"), field: row.requiredString("field"), baseValue: row.requiredString("base_value"),
            craftValue: row.requiredString("craft_value"), devValue: row.requiredString("dev_value"), detectedAt: row.date("detected_at"),
            resolvedAt: row.optionalDate("resolved_at"), resolution: row.string("resolution").flatMap(Conflict.Resolution.init(rawValue:)),
            resolvedBy: row.string("resolved_by"))
    }

    /// Records `conflict`, or updates the open one on the same mapping and field with today's values; with its
    /// timeline entry when it is new. Returns it and whether it is new.
    /// Nil when `unlessResolvedSince` is given and a conflict on that field was resolved since (a person chose while the
    /// caller looked; their choice stands).
    @discardableResult
    public func record(
        _ conflict: NewConflict, now: Date, recording entry: NewTimelineEntry, unlessResolvedSince: Date? = nil
    ) async throws -> (Conflict, isNew: Bool)? {
        try await store.write { try Self.record(conflict, now: now, recording: entry, unlessResolvedSince: unlessResolvedSince, in: $0) }
    }

    /// The same inside the caller's unit of work.
    @discardableResult
    public static func record(
        _ conflict: NewConflict, now: Date, recording entry: NewTimelineEntry, unlessResolvedSince: Date? = nil, in connection: any Connection
    ) throws -> (Conflict, isNew: Bool)? {
        if let since = unlessResolvedSince, try connection.firstRow(
            "SELECT 1 FROM conflicts WHERE mapping_id = ? AND field = ? AND resolved_at > ?", [conflict.mappingID, conflict.field, since], { _ in true }) == true
        {
            return nil
        }
        if let open = try connection.firstRow(
            "SELECT \(Self.columns) FROM conflicts WHERE mapping_id = ? AND field = ? AND resolved_at IS NULL", [conflict.mappingID, conflict.field],
            Self.decode)
        {
            try connection.run(
                "UPDATE conflicts SET craft_value = ?, dev_value = ?, dev_issue_key = ? WHERE id = ?", conflict.craftValue, conflict.devValue,
                conflict.devIssueKey, open.id)
            var updated = open
            (updated.craftValue, updated.devValue, updated.devIssueKey) = (conflict.craftValue, conflict.devValue, conflict.devIssueKey)
            return (updated, false)
        }
        guard let id = try connection.firstRow(
            """
            INSERT INTO conflicts (
                mapping_id, workspace_id, craft_item_id, dev_tool_instance, dev_issue_key, field, base_value, craft_value, dev_value, detected_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """, [conflict.mappingID, conflict.workspaceID, conflict.craftItemID, conflict.devToolInstance, conflict.devIssueKey, conflict.field,
                  conflict.baseValue, conflict.craftValue, conflict.devValue, now], { $0.int64(0) })
        else { throw StoreError.notFound("the new conflict's id") }
        try TimelineRepository.record(entry, in: connection)
        let stored = try connection.firstRow("SELECT \(Self.columns) FROM conflicts WHERE id = ?", [id], Self.decode)
        guard let stored else { throw StoreError.notFound("conflict \(id)") }
        return (stored, true)
    }

    public func conflict(id: Int64) async throws -> Conflict? {
        try await store.read { try $0.firstRow("SELECT \(Self.columns) FROM conflicts WHERE id = ?", [id], Self.decode) }
    }

    /// The open conflicts, oldest first (of one item when given).
    public func open(craftItemID: String? = nil, limit: Int = 200) async throws -> [Conflict] {
        try await store.read { connection in
            if let craftItemID {
                return try connection.rows(
                    "SELECT \(Self.columns) FROM conflicts WHERE resolved_at IS NULL AND craft_item_id = ? ORDER BY id LIMIT ?", [craftItemID, limit],
                    Self.decode)
            }
            return try connection.rows("SELECT \(Self.columns) FROM conflicts WHERE resolved_at IS NULL ORDER BY id LIMIT ?", [limit], Self.decode)
        }
    }

    public func openCount() async throws -> Int {
        try await store.read { try $0.scalarInt("SELECT count(*) FROM conflicts WHERE resolved_at IS NULL") ?? 0 }
    }

    /// Closes the open conflicts of an item's link in the caller's unit of work, without a choice (`resolved_by`
    /// says why): the link they were about ended, or another took its place.
    static func close(craftItemID: String, workspaceID: String, devToolInstance: String, now: Date, in connection: any Connection) throws {
        try connection.run(
            "UPDATE conflicts SET resolved_at = ?, resolved_by = 'the link ended' WHERE craft_item_id = ? AND workspace_id = ? AND dev_tool_instance = ? AND resolved_at IS NULL",
            now, craftItemID, workspaceID, devToolInstance)
    }

    /// Resolves an open conflict; false when it was resolved already (by someone else, a moment ago). `also` runs in
    /// the same unit of work (the mapping's new snapshot, the timeline entry).
    public func resolve(
        id: Int64, as resolution: Conflict.Resolution, by who: String, now: Date, also: @escaping @Sendable (any Connection) throws -> Void
    ) async throws -> Bool {
        try await store.write { connection in
            try connection.run(
                "UPDATE conflicts SET resolved_at = ?, resolution = ?, resolved_by = ? WHERE id = ? AND resolved_at IS NULL", now, resolution.rawValue,
                who, id)
            guard connection.changes == 1 else { return false }
            try also(connection)
            return true
        }
    }
}
