import CraftAPI
import Foundation
import OutboundHTTP
import Store

/// Writes a progress value to Craft.io and records it. The processor and the reconciler both push, concurrently;
/// when the record is refused because the other recorded a newer state meanwhile, our older value may have landed
/// in Craft.io last, so the recorded value is written again and Craft.io ends where the store says.
struct ProgressWrite: Sendable {
    let store: Store
    let craft: any CraftClient
    let field: String
    let clock: any SyncClock

    func push(_ mapping: Mapping, value: String, order: Int64?) async throws {
        try await craft.setField(workspaceID: mapping.workspaceID, itemID: mapping.craftItemID, field: field, value: value)
        if try await store.mappings.recordPush(id: mapping.id, status: value, eventOrder: order, now: clock.now()) { return }
        if let current = try await store.mappings.mapping(id: mapping.id), let recorded = current.lastPushedStatus, recorded != value {
            try await craft.setField(workspaceID: mapping.workspaceID, itemID: mapping.craftItemID, field: field, value: recorded)
        }
    }
}
