import Foundation

/// The snapshot of the synced fields as craft-sync last wrote them to the issue (`drift.policy: push`).
extension MappingRepository {
    /// Replaces the snapshot and its hash; `recording`, the timeline entry, in the same transaction.
    public func updateSnapshot(id: Int64, contentHash: String, contentSnapshot: String?, now: Date, recording entry: NewTimelineEntry? = nil) async throws {
        try await store.write { connection in
            try Self.updateSnapshot(id: id, contentHash: contentHash, contentSnapshot: contentSnapshot, now: now, in: connection)
            if let entry { try TimelineRepository.record(entry, in: connection) }
        }
    }

    /// The same inside the caller's unit of work.
    public static func updateSnapshot(id: Int64, contentHash: String, contentSnapshot: String?, now: Date, in connection: any Connection) throws {
        try connection.run(
            "UPDATE mappings SET content_hash = ?, content_snapshot = coalesce(?, content_snapshot), updated_at = ? WHERE id = ?",
            contentHash, contentSnapshot, now, id)
    }
}
