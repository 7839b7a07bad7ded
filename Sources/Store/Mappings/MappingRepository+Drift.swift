import Foundation

/// The snapshot of the synced fields as craft-sync last wrote them to the issue (`drift.policy: push`).
extension MappingRepository {
    /// Replaces the snapshot and its hash while it is still `ifStill` (what the caller started from); `recording`, the
    /// timeline entry, in the same transaction. False when it had changed meanwhile (nothing is written).
    @discardableResult
    public func updateSnapshot(
        id: Int64, contentHash: String, contentSnapshot: String?, now: Date, recording entry: NewTimelineEntry? = nil, ifStill: String?
    ) async throws -> Bool {
        try await store.write { connection in
            try connection.run(
                "UPDATE mappings SET content_hash = ?, content_snapshot = coalesce(?, content_snapshot), updated_at = ? WHERE id = ? AND coalesce(content_snapshot, '') = ?",
                contentHash, contentSnapshot, now, id, ifStill ?? "")
            guard connection.changes == 1 else { return false }
            if let entry { try TimelineRepository.record(entry, in: connection) }
            return true
        }
    }

    /// The same inside the caller's unit of work.
    public static func updateSnapshot(id: Int64, contentHash: String, contentSnapshot: String?, now: Date, in connection: any Connection) throws {
        try connection.run(
            "UPDATE mappings SET content_hash = ?, content_snapshot = coalesce(?, content_snapshot), updated_at = ? WHERE id = ?",
            contentHash, contentSnapshot, now, id)
    }
}
