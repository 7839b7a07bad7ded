import Foundation
import Store
import SyncEngine

/// Resolving conflicts, the same from the admin API and the status page: the engine with the target of the
/// conflict's workspace.
struct ConflictResolver: Sendable {
    let engine: IntakeEngine
    let targets: [IntakeTarget]
    let store: Store

    func resolve(_ id: Int64, as resolution: Conflict.Resolution, by who: String) async throws {
        guard let conflict = try await store.conflicts.conflict(id: id) else { throw ConflictResolutionError.noSuchConflict(id) }
        guard let target = targets.first(where: { $0.workspaceID == conflict.workspaceID }) else {
            throw ConflictResolutionError.failed("workspace \(conflict.workspaceID) is not configured")
        }
        try await engine.resolve(conflict: id, as: resolution, by: who, in: target)
    }
}
