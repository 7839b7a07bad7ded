import CraftAPI
import DevTools
import Foundation
import Logging
import Store
import Support

/// Writes a progress value to Craft.io and records it. The processor and the reconciler both push, concurrently,
/// and Craft.io keeps whichever write lands last, so each writer checks the record after its own write:
/// - refused because another writer recorded a newer state: our older value may have landed last, so the recorded
///   value is written again;
/// - recorded, but another writer recorded between our look and our record: its (older) write may have landed after
///   ours, so ours is written again.
/// Either way Craft.io ends where the store says.
struct ProgressWrite: Sendable {
    let store: Store
    let craft: any CraftClient
    let field: String
    let clock: any SyncClock
    let logger: Logger
    /// Recorded orders beyond it (from the future) do not hold a write back.
    var eventTime = EventTime()

    /// Writes `value`; the item's timeline records the write, or its error, against `eventID` when a delivery
    /// caused it.
    func push(_ mapping: Mapping, value: String, from devStatus: DevIssueStatus? = nil, order: Int64?, eventID: Int64? = nil) async throws {
        let history = ItemHistory(store: store, logger: logger)
        do {
            try await write(mapping, value: value, devStatus: devStatus?.described, order: order)
        } catch {
            await history.record(.init(
                mapping, at: clock.now(), kind: .craftWrite, outcome: "error", detail: "writing '\(value)' to \(field) failed: \(error)", eventID: eventID))
            throw error
        }
        await history.record(.init(mapping, at: clock.now(), kind: .craftWrite, outcome: "succeeded", detail: "\(field) set to '\(value)'", eventID: eventID))
    }

    private func write(_ mapping: Mapping, value: String, devStatus: String?, order: Int64?) async throws {
        let seen = try await store.mappings.mapping(id: mapping.id).map { MappingRepository.PushRecord(status: $0.lastPushedStatus, eventOrder: $0.lastEventOrder) }
        try await craft.setField(workspaceID: mapping.workspaceID, itemID: mapping.craftItemID, field: field, value: value)
        if let previous = try await store.mappings.recordPushIfNewer(
            id: mapping.id, status: value, devStatus: devStatus, eventOrder: order, trustedUpTo: eventTime.ceiling(now: clock.now()), now: clock.now()) {
            if previous != seen {
                try await craft.setField(workspaceID: mapping.workspaceID, itemID: mapping.craftItemID, field: field, value: value)
            }
            return
        }
        if let current = try await store.mappings.mapping(id: mapping.id), let recorded = current.lastPushedStatus, recorded != value {
            try await craft.setField(workspaceID: mapping.workspaceID, itemID: mapping.craftItemID, field: field, value: recorded)
        }
    }
}
