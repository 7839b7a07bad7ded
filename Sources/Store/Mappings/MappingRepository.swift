import Foundation

/// Queries on mappings. Uniqueness per (workspace, item, instance) and per (instance, dev issue id) is
/// enforced by the schema, so two racing writers cannot both create a mapping.
public struct MappingRepository: Sendable {
    let store: Store

    static let columns = """
        id, workspace_id, craft_item_id, dev_tool_kind, dev_tool_instance, dev_issue_id, dev_issue_key, dev_issue_url,
        state, failure_reason, content_hash, last_pushed_status, last_pushed_at, last_event_order, created_at, updated_at, craft_item_url,
        craft_title, content_snapshot, craft_parent_id, parent_linked, tool_note, routed_by, last_dev_status, dev_issue_alt_id, lease_owner, lease_until,
        signal_values
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
            leaseUntil: row.optionalDate("lease_until"), signalValues: row.string("signal_values"))
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

    /// The mapping of the issue now called `devIssueKey` (a pull request names the issues it closes by number).
    public func mapping(devToolInstance: String, devIssueKey: String) async throws -> Mapping? {
        // A tombstone may keep the key of an issue since linked to another item: the live link wins.
        try await store.read {
            try Self.find($0, where: "dev_tool_instance = ? AND dev_issue_key = ? ORDER BY state = 'linked' DESC, id DESC", [devToolInstance, devIssueKey])
        }
    }

    static func find(_ connection: any Connection, where condition: String, _ values: [any SQLBindable]) throws -> Mapping? {
        try connection.firstRow("SELECT \(columns) FROM mappings WHERE \(condition)", values, decode)
    }
}
