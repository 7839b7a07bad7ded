import Foundation

/// Who holds a pending claim: the host, the process and the run (an intake poll), as stored in `lease_owner` and said
/// to an operator ("being created by a run on web-2, pid 4711").
public struct LeaseHolder: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var pid: Int32
    public var run: String

    public init(host: String, pid: Int32, run: String) {
        self.host = host
        self.pid = pid
        self.run = run
    }

    /// This process, for a new run.
    public static func thisProcess() -> LeaseHolder {
        LeaseHolder(host: ProcessInfo.processInfo.hostName, pid: ProcessInfo.processInfo.processIdentifier, run: String(UUID().uuidString.prefix(8)))
    }

    public var description: String { "\(host), pid \(pid), run \(run)" }
}

/// Claims: a pending mapping is the intent to create an item's issue, held by one run under a lease (`lease_owner`,
/// `lease_until`). Only the holder renews, releases or links it; once the lease has run out, one other run may take
/// it over (and looks for the issue's marker before creating).
extension MappingRepository {
    public enum ClaimResult: Sendable, Equatable {
        /// A new pending mapping: this caller owns the create.
        case claimed(Mapping)
        /// The item already has a mapping (in any state).
        case existing(Mapping)
    }

    /// Records the intent to create `craftItemID` in the dev tool, unless a mapping exists already: held by `holder`
    /// until `leaseUntil` (default: 5 minutes from now). `recording` gives the new claim's timeline entry, stored in the
    /// same transaction.
    public func claim(
        workspaceID: String, craftItemID: String, devToolKind: String, devToolInstance: String,
        contentHash: String?, craftItemURL: String? = nil, craftTitle: String? = nil, craftParentID: String? = nil, routedBy: String? = nil,
        holder: LeaseHolder, now: Date, leaseUntil: Date? = nil, recording entry: (@Sendable (Mapping) -> NewTimelineEntry)? = nil
    ) async throws -> ClaimResult {
        let until = leaseUntil ?? now.addingTimeInterval(300)
        return try await store.write { connection in
            try connection.run(
                """
                INSERT INTO mappings (
                    workspace_id, craft_item_id, dev_tool_kind, dev_tool_instance, state, content_hash, craft_item_url, craft_title, craft_parent_id,
                    routed_by, created_at, updated_at, lease_owner, lease_until)
                VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (workspace_id, craft_item_id, dev_tool_instance) DO NOTHING
                """, workspaceID, craftItemID, devToolKind, devToolInstance, contentHash, craftItemURL, craftTitle, craftParentID, routedBy, now, now,
                holder.description, until)
            let inserted = connection.changes == 1
            let mapping = try Self.find(
                connection, where: "workspace_id = ? AND craft_item_id = ? AND dev_tool_instance = ?",
                [workspaceID, craftItemID, devToolInstance])
            guard let mapping else { throw StoreError.notFound("mapping for item \(craftItemID)") }
            guard inserted else { return .existing(mapping) }
            if let entry { try TimelineRepository.record(entry(mapping), in: connection) }
            return .claimed(mapping)
        }
    }

    /// Pending claims nobody holds at `now` (released, or their lease ran out: the run died): to recover before
    /// anything else.
    public func abandonedClaims(workspaceID: String, now: Date) async throws -> [Mapping] {
        try await store.read {
            try $0.rows(
                "SELECT \(Self.columns) FROM mappings WHERE workspace_id = ? AND state = 'pending' AND (lease_until IS NULL OR lease_until <= ?) ORDER BY id",
                [workspaceID, now], Self.decode)
        }
    }

    /// Takes over a claim nobody holds at `now`: true for one caller only, so two replicas cannot both recover (and
    /// create) the same item.
    public func takeOver(id: Int64, holder: LeaseHolder, now: Date, until: Date) async throws -> Bool {
        try await store.write { connection in
            try connection.run(
                """
                UPDATE mappings SET lease_owner = ?, lease_until = ?, updated_at = ?
                WHERE id = ? AND state = 'pending' AND (lease_until IS NULL OR lease_until <= ?)
                """, holder.description, until, now, id, now)
            return connection.changes == 1
        }
    }

    /// Extends the caller's lease on its claim to `until`; false when another run has taken it over (or it is no
    /// longer pending).
    public func renew(id: Int64, holder: LeaseHolder, until: Date) async throws -> Bool {
        try await store.write { connection in
            try connection.run(
                "UPDATE mappings SET lease_until = ? WHERE id = ? AND state = 'pending' AND lease_owner = ?", until, id, holder.description)
            return connection.changes == 1
        }
    }

    /// Gives up a claim the caller holds without failing it: nobody holds it then, so the next run takes it over at
    /// once (looking for its marker first) instead of waiting out a lease as if another run held it. False when it
    /// was taken over meanwhile.
    @discardableResult
    public func releaseClaim(id: Int64, holder: LeaseHolder) async throws -> Bool {
        try await store.write { connection in
            try connection.run(
                "UPDATE mappings SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND state = 'pending' AND lease_owner = ?", id, holder.description)
            return connection.changes == 1
        }
    }

    /// Links a claim the caller holds; false when it was taken over meanwhile. `linkPending` marks the issue's key and
    /// URL as still to be written into Craft.io (see `linksToWrite`), in the same write as the link, so a crash right
    /// after it cannot lose the Craft.io write; `recording`, the link's timeline entry, is stored in it too.
    public func linkClaim(
        id: Int64, holder: LeaseHolder, devIssueID: String, key: String, url: String?, altID: String? = nil, contentHash: String?,
        contentSnapshot: String? = nil, linkPending: Bool = false, now: Date, recording entry: NewTimelineEntry? = nil
    ) async throws -> Bool {
        try await store.write { connection in
            try connection.run(
                """
                UPDATE mappings SET state = 'linked', dev_issue_id = ?, dev_issue_key = ?, dev_issue_url = ?, dev_issue_alt_id = ?,
                    content_hash = coalesce(?, content_hash), content_snapshot = coalesce(?, content_snapshot), failure_reason = NULL,
                    link_pending = ?, updated_at = ?, lease_owner = NULL, lease_until = NULL
                WHERE id = ? AND state = 'pending' AND lease_owner = ?
                """, devIssueID, key, url, altID, contentHash, contentSnapshot, linkPending ? 1 : 0, now, id, holder.description)
            guard connection.changes == 1 else { return false }
            if let entry { try TimelineRepository.record(entry, in: connection) }
            return true
        }
    }

    /// Makes a failed mapping an abandoned claim again, so the next intake takes it over, looks for its marker (the
    /// failed create may have happened after all) and creates the issue only if there is none. False when the mapping
    /// is not failed. The item's timeline records the request in the same transaction.
    public func retry(id: Int64, now: Date = .now) async throws -> Bool {
        try await store.write { connection in
            try connection.run(
                """
                UPDATE mappings SET state = 'pending', failure_reason = NULL, lease_owner = NULL, lease_until = NULL, updated_at = ?
                WHERE id = ? AND state = 'failed'
                """, now, id)
            guard connection.changes == 1, let mapping = try Self.find(connection, where: "id = ?", [id]) else { return false }
            let entry = NewTimelineEntry(
                mapping, at: now, kind: .retryRequested, outcome: "queued",
                detail: "an operator asked to retry; the next poll looks for the marker and creates the issue only if there is none")
            try TimelineRepository.record(entry, in: connection)
            return true
        }
    }

    /// Fails the item for good (an operator may `retry` it); `recording`, its timeline entry, in the same transaction.
    public func markFailed(id: Int64, reason: String, now: Date, recording entry: NewTimelineEntry? = nil) async throws {
        try await store.write { connection in
            try connection.run(
                "UPDATE mappings SET state = 'failed', failure_reason = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? WHERE id = ?",
                reason, now, id)
            if let entry { try TimelineRepository.record(entry, in: connection) }
        }
    }
}
