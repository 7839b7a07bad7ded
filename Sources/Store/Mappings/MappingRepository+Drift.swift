import Foundation

/// The snapshot of the synced fields as craft-sync last wrote them to the issue (`drift.policy: push`).
extension MappingRepository {
    /// Replaces the snapshot and its hash inside the caller's unit of work; with `ifStill`, only while the snapshot is
    /// still that one (what the caller started from: a conflict resolved meanwhile moved it, and wins). False when it
    /// had changed (nothing is written).
    @discardableResult
    public static func updateSnapshot(
        id: Int64, contentHash: String, contentSnapshot: String?, now: Date, ifStill: String?? = .none, in connection: any Connection
    ) throws -> Bool {
        let unchanged = ifStill == nil ? "" : " AND coalesce(content_snapshot, '') = ?"
        var bindings: [any SQLBindable] = [contentHash, contentSnapshot, now, id]
        if let ifStill { bindings.append(ifStill ?? "") }
        try connection.run(
            "UPDATE mappings SET content_hash = ?, content_snapshot = coalesce(?, content_snapshot), updated_at = ? WHERE id = ?\(unchanged)",
            bindings: bindings)
        return connection.changes == 1
    }
}
