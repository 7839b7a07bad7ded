import Foundation

/// Links a person makes and ends: an issue that exists already linked to an item (`craft-sync link`, or adopted from
/// Craft.io's own integration), and a link ended (`unlink`) that leaves its row behind as a tombstone, so intake does
/// not create the item's issue again.
extension MappingRepository {
    /// An existing issue to link to an item.
    public struct ExistingLink: Sendable {
        public var workspaceID: String
        public var craftItemID: String
        public var craftItemURL: String?
        public var craftTitle: String?
        public var craftParentID: String?
        public var devToolKind: String
        public var devToolInstance: String
        public var devIssueID: String
        public var devIssueKey: String
        public var devIssueURL: String
        public var devIssueAltID: String?
        public var contentHash: String?
        public var contentSnapshot: String?
        /// The issue's key and URL are still to be written into Craft.io's link field.
        public var linkPending: Bool

        public init(
            workspaceID: String, craftItemID: String, craftItemURL: String?, craftTitle: String?, craftParentID: String?, devToolKind: String,
            devToolInstance: String, devIssueID: String, devIssueKey: String, devIssueURL: String, devIssueAltID: String?, contentHash: String?,
            contentSnapshot: String?, linkPending: Bool
        ) {
            self.workspaceID = workspaceID
            self.craftItemID = craftItemID
            self.craftItemURL = craftItemURL
            self.craftTitle = craftTitle
            self.craftParentID = craftParentID
            self.devToolKind = devToolKind
            self.devToolInstance = devToolInstance
            self.devIssueID = devIssueID
            self.devIssueKey = devIssueKey
            self.devIssueURL = devIssueURL
            self.devIssueAltID = devIssueAltID
            self.contentHash = contentHash
            self.contentSnapshot = contentSnapshot
            self.linkPending = linkPending
        }
    }

    /// Why a link was refused; the mapping that stands in the way.
    public enum LinkConflict: Error, Sendable, Equatable, CustomStringConvertible {
        /// The item is linked already (to another issue, or in another tool).
        case itemLinked(Mapping)
        /// The item's issue is being created right now.
        case itemBeingCreated(Mapping)
        /// The issue is linked to another item.
        case issueLinked(Mapping)

        public var description: String {
            switch self {
            case .itemLinked(let mapping):
                "item \(mapping.craftItemID) is already linked to \(mapping.devIssueKey ?? "an issue") in \(mapping.devToolInstance); "
                    + "unlink it first (craft-sync unlink \(mapping.craftItemID))"
            case .itemBeingCreated(let mapping):
                "item \(mapping.craftItemID)'s issue is being created in \(mapping.devToolInstance) right now; link it once that run is over"
            case .issueLinked(let mapping):
                "\(mapping.devIssueKey ?? "the issue") is already linked to item \(mapping.craftItemID); unlink that item first "
                    + "(craft-sync unlink \(mapping.craftItemID))"
            }
        }
    }

    /// Links `link` in one transaction, checked there (so two racing links cannot both win): refused with a
    /// `LinkConflict` when the item has a live link or claim in any of the workspace's tools, or the issue is linked to
    /// another item. The item's tombstone in that tool (unlinked, failed, deleted) becomes the link; another item's
    /// tombstone that still names the issue lets go of it. `recording` gives the timeline entry, stored with it.
    public func link(_ link: ExistingLink, now: Date, recording entry: @escaping @Sendable (Mapping) -> NewTimelineEntry) async throws -> Mapping {
        try await store.write { connection in
            let live = try connection.rows(
                "SELECT \(Self.columns) FROM mappings WHERE workspace_id = ? AND craft_item_id = ? AND state IN ('linked', 'pending') ORDER BY id",
                [link.workspaceID, link.craftItemID], Self.decode)
            if let pending = live.first(where: { $0.state == .pending }) { throw LinkConflict.itemBeingCreated(pending) }
            if let linked = live.first { throw LinkConflict.itemLinked(linked) }
            // A failed row of the item in another tool would be retried into a second issue: linked now, it is a tombstone.
            try connection.run(
                "UPDATE mappings SET state = 'unlinked', updated_at = ? WHERE workspace_id = ? AND craft_item_id = ? AND dev_tool_instance <> ? AND state = 'failed'",
                now, link.workspaceID, link.craftItemID, link.devToolInstance)
            if let holder = try Self.find(connection, where: "dev_tool_instance = ? AND dev_issue_id = ?", [link.devToolInstance, link.devIssueID]),
                holder.craftItemID != link.craftItemID || holder.workspaceID != link.workspaceID
            {
                guard holder.state == .unlinked || holder.state == .deleted else { throw LinkConflict.issueLinked(holder) }
                try connection.run(
                    "UPDATE mappings SET dev_issue_id = NULL, dev_issue_alt_id = NULL, updated_at = ? WHERE id = ?", now, holder.id)
            }
            try connection.run(
                """
                INSERT INTO mappings (
                    workspace_id, craft_item_id, dev_tool_kind, dev_tool_instance, state, dev_issue_id, dev_issue_key, dev_issue_url,
                    dev_issue_alt_id, content_hash, content_snapshot, craft_item_url, craft_title, craft_parent_id, link_pending, created_at, updated_at)
                VALUES (?, ?, ?, ?, 'linked', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (workspace_id, craft_item_id, dev_tool_instance) DO UPDATE SET
                    state = 'linked', dev_issue_id = excluded.dev_issue_id, dev_issue_key = excluded.dev_issue_key,
                    dev_issue_url = excluded.dev_issue_url, dev_issue_alt_id = excluded.dev_issue_alt_id, content_hash = excluded.content_hash,
                    content_snapshot = excluded.content_snapshot, craft_item_url = coalesce(excluded.craft_item_url, mappings.craft_item_url),
                    craft_title = coalesce(excluded.craft_title, mappings.craft_title), craft_parent_id = excluded.craft_parent_id,
                    link_pending = excluded.link_pending, failure_reason = NULL, lease_owner = NULL, lease_until = NULL,
                    last_pushed_status = NULL, last_pushed_at = NULL, last_dev_status = NULL, last_event_order = NULL, tool_note = NULL, signal_values = NULL,
                    parent_linked = 0, updated_at = excluded.updated_at
                """, link.workspaceID, link.craftItemID, link.devToolKind, link.devToolInstance, link.devIssueID, link.devIssueKey,
                link.devIssueURL, link.devIssueAltID, link.contentHash, link.contentSnapshot, link.craftItemURL, link.craftTitle, link.craftParentID,
                link.linkPending ? 1 : 0, now, now)
            try ConflictRepository.close(craftItemID: link.craftItemID, workspaceID: link.workspaceID, devToolInstance: link.devToolInstance, now: now, in: connection)
            guard let linked = try Self.find(
                connection, where: "workspace_id = ? AND craft_item_id = ? AND dev_tool_instance = ?",
                [link.workspaceID, link.craftItemID, link.devToolInstance])
            else { throw StoreError.notFound("mapping for item \(link.craftItemID)") }
            try TimelineRepository.record(entry(linked), in: connection)
            return linked
        }
    }

    /// Ends the link of mapping `id`: nothing more is synced for it, and its row keeps intake from creating the item's
    /// issue again. Nil when it is not linked (said by the caller); `recording`, its timeline entry, in the same
    /// transaction.
    public func unlink(id: Int64, now: Date, recording entry: @escaping @Sendable (Mapping) -> NewTimelineEntry) async throws -> Mapping? {
        try await store.write { connection in
            try connection.run(
                "UPDATE mappings SET state = 'unlinked', link_pending = 0, updated_at = ? WHERE id = ? AND state = 'linked'", now, id)
            guard connection.changes == 1, let mapping = try Self.find(connection, where: "id = ?", [id]) else { return nil }
            try ConflictRepository.close(craftItemID: mapping.craftItemID, workspaceID: mapping.workspaceID, devToolInstance: mapping.devToolInstance, now: now, in: connection)
            try TimelineRepository.record(entry(mapping), in: connection)
            return mapping
        }
    }

    /// The item's mappings in a workspace, across its tools, newest first.
    public func mappings(workspaceID: String, craftItemID: String) async throws -> [Mapping] {
        try await store.read {
            try $0.rows(
                "SELECT \(Self.columns) FROM mappings WHERE workspace_id = ? AND craft_item_id = ? ORDER BY updated_at DESC, id DESC",
                [workspaceID, craftItemID], Self.decode)
        }
    }
}
