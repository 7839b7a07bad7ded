import Foundation

/// Craft's hierarchy in the dev tool: which issues wait to go under their parent's, and which did.
extension MappingRepository {
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
        let bindings: [any SQLBindable] = [workspaceID] + excluded + skipped + excluded
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

    /// 1: linked under its parent's issue; 2: the tool refused for good (not tried again).
    public func markParentLinked(id: Int64, refused: Bool = false) async throws {
        try await store.write { try $0.run("UPDATE mappings SET parent_linked = ? WHERE id = ?", refused ? 2 : 1, id) }
    }
}
