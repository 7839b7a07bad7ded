import Foundation

/// What the admin API, the status page, intake and reconciliation list: pages, counts, batches, and the Craft.io link
/// writes still to make.
extension MappingRepository {
    /// A page of mappings matching `filter`, newest first; pass the last id seen as `beforeID` for the next page.
    public func list(_ filter: MappingFilter, beforeID: Int64? = nil, limit: Int = 50) async throws -> [Mapping] {
        var query = PageQuery()
        query.filter("workspace_id = ?", filter.workspaceID)
        query.filter("state = ?", filter.state?.rawValue)
        query.filter("dev_tool_kind = ?", filter.devToolKind)
        // The title matches anywhere, case-insensitively (at least for ASCII: SQLite's lower() knows no more); `%`, `_`
        // and `\` in the search are literal. lower() on both sides: PostgreSQL's LIKE is case-sensitive, SQLite's is not.
        let pattern = filter.search.map { "%" + $0.replacing("\\", with: "\\\\").replacing("%", with: "\\%").replacing("_", with: "\\_") + "%" }
        query.filter("(craft_item_id = ? OR dev_issue_key = ? OR lower(craft_title) LIKE lower(?) ESCAPE '\\')", filter.search, filter.search, pattern)
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
            return Dictionary(mappings.map { ($0.craftItemID, $0) }, uniquingKeysWith: Self.live)
        }
    }

    /// Of two rows of one item (in two tools: a tombstone in one, the link it got later in another), the one that
    /// says what the item is now: a link or a claim over a tombstone, else the newer.
    static func live(_ one: Mapping, _ other: Mapping) -> Mapping {
        func rank(_ mapping: Mapping) -> Int { mapping.state == .linked || mapping.state == .pending ? 1 : 0 }
        if rank(one) != rank(other) { return rank(one) > rank(other) ? one : other }
        return one.id > other.id ? one : other
    }

    /// Mappings by Craft item id, in any workspace or instance.
    public func mappings(craftItemID: String) async throws -> [Mapping] {
        try await store.read { try $0.rows("SELECT \(Self.columns) FROM mappings WHERE craft_item_id = ? ORDER BY id", [craftItemID], Self.decode) }
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
            for mapping in rows where !excluding.contains(mapping.devToolInstance) {
                found[mapping.craftItemID] = found[mapping.craftItemID].map { Self.live($0, mapping) } ?? mapping
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

    /// Craft.io took the link.
    public func linkWritten(id: Int64) async throws {
        try await store.write { connection in
            try connection.run("UPDATE mappings SET link_pending = 0 WHERE id = ?", id)
        }
    }
}
