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
    /// caused it. Its own unit of work; the progress processor composes the pieces into the event's (see `record`).
    func push(_ mapping: Mapping, value: String, from devStatus: DevIssueStatus? = nil, order: Int64?, eventID: Int64? = nil) async throws {
        let seen = try await store.mappings.mapping(id: mapping.id).map(\.pushRecord) ?? mapping.pushRecord
        let (push, entry) = try await write(mapping, value: value, devStatus: devStatus, order: order, seen: seen, eventID: eventID)
        try await commit([push], timeline: [entry])
    }

    /// One unit of work: what mappings learnt (by mapping id), the pushes' records, the timeline entries and whatever
    /// `also` adds (the event's outcome); then settles each push (see `settle`). A timeline entry that cannot be stored
    /// is logged, never a reason to fail.
    func commit(
        _ pushes: [PendingPush], facts: [Int64: MappingFacts] = [:], timeline: [NewTimelineEntry],
        also: @escaping @Sendable (any Connection) throws -> Void = { _ in }
    ) async throws {
        let now = clock.now()
        let logger = logger
        let previous = try await store.write { [self] connection in
            for (id, learnt) in facts { try MappingRepository.learn(learnt, id: id, now: now, in: connection) }
            let previous = try pushes.map { try record($0, in: connection) }
            for entry in timeline {
                if let error = connection.optionally({ try TimelineRepository.record(entry, in: connection) }) {
                    logger.warning("could not record a timeline entry", metadata: ["craft.item": "\(entry.craftItemID)", "error": "\(error)"])
                }
            }
            try also(connection)
            return previous
        }
        for (push, recorded) in zip(pushes, previous) { try await settle(push, previous: recorded) }
    }

    /// Writes `value` to Craft.io; a failure is on the item's timeline at once and thrown. Returns the push to record
    /// and the timeline entry that says it was written, both for the caller's unit of work. `seen` is what the
    /// mapping recorded when the write was decided.
    func write(
        _ mapping: Mapping, value: String, devStatus: DevIssueStatus?, order: Int64?, seen: MappingRepository.PushRecord, eventID: Int64?
    ) async throws -> (PendingPush, NewTimelineEntry) {
        do {
            try await craft.setField(workspaceID: mapping.workspaceID, itemID: mapping.craftItemID, field: field, value: value)
        } catch {
            await ItemHistory(store: store, logger: logger).record(.init(
                mapping, at: clock.now(), kind: .craftWrite, outcome: "error", detail: "writing '\(value)' to \(field) failed: \(error)", eventID: eventID))
            throw error
        }
        let push = PendingPush(mapping: mapping, value: value, devStatus: devStatus?.described, order: order, seen: seen, written: true)
        return (push, NewTimelineEntry(mapping, at: clock.now(), kind: .craftWrite, outcome: "succeeded", detail: "\(field) set to '\(value)'", eventID: eventID))
    }

    /// Records `push` inside the caller's transaction: what was recorded before, or nil when a newer state was.
    func record(_ push: PendingPush, in connection: any Connection) throws -> MappingRepository.PushRecord? {
        let now = clock.now()
        return try MappingRepository.recordPushIfNewer(
            in: connection, id: push.mapping.id, status: push.value, devStatus: push.devStatus, eventOrder: push.order,
            trustedUpTo: eventTime.ceiling(now: now), now: now)
    }

    /// Once the unit of work holding `push`'s record has committed, makes Craft.io end where the store says:
    /// - refused because another writer recorded a newer state: our older value may have landed last, so the recorded
    ///   value is written again;
    /// - recorded, but another writer recorded between our look and our record: its (older) write may have landed after
    ///   ours, so ours is written again.
    func settle(_ push: PendingPush, previous: MappingRepository.PushRecord?) async throws {
        guard push.written else { return }
        let mapping = push.mapping
        if let previous {
            if previous != push.seen {
                try await craft.setField(workspaceID: mapping.workspaceID, itemID: mapping.craftItemID, field: field, value: push.value)
            }
            return
        }
        if let current = try await store.mappings.mapping(id: mapping.id), let recorded = current.lastPushedStatus, recorded != push.value {
            try await craft.setField(workspaceID: mapping.workspaceID, itemID: mapping.craftItemID, field: field, value: recorded)
        }
    }
}

/// A progress value written to Craft.io (or already there) whose record waits for the caller's unit of work.
struct PendingPush: Sendable {
    var mapping: Mapping
    var value: String
    var devStatus: String?
    var order: Int64?
    /// What the mapping recorded when the write was decided: the caller's one read of it.
    var seen: MappingRepository.PushRecord
    /// Whether Craft.io was written; false when it had the value and only the record (the order) moves.
    var written: Bool
}

extension Mapping {
    /// What the mapping recorded as pushed.
    var pushRecord: MappingRepository.PushRecord { .init(status: lastPushedStatus, eventOrder: lastEventOrder) }
}
