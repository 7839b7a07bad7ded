import CraftAPI
import DevTools
import Foundation
import Logging
import Store
import Support

/// Craft.io edits after the create, pushed to the issue (`drift.policy: push`) where the adapter offers `IssueEditing`. A field goes across when the issue
/// still holds what craft-sync last wrote there; when both sides changed it, nothing is overwritten: a conflict is
/// recorded for a person to resolve (the Conflicts page). Labels merge as sets (Craft.io's additions and removals
/// applied to the issue's own), so they never conflict. What craft-sync last wrote is the mapping's snapshot of the
/// synced fields, mapped as the create mapped them.
extension IntakeEngine {
    /// What one look at a drifted item did.
    struct DriftOutcome: Sendable {
        var pushed: [DriftPolicy.Field] = []
        var conflicts: [DriftPolicy.Field] = []
    }

    /// Pushes `item`'s edits to its issue as the policy says; nil when it cannot (no snapshot to compare with, or the
    /// tool cannot edit issues): the caller reports the drift instead.
    func pushDrift(_ item: CraftItem, mapping: Mapping, target: IntakeTarget) async -> DriftOutcome? {
        guard let base = SyncedContent(json: mapping.contentSnapshot), let key = mapping.devIssueKey,
            let tool = targets(target).first(where: { $0.devTool.instance == mapping.devToolInstance })?.devTool, let editing = tool.issueEditing
        else { return nil }
        let pushed = settings.drift.pushed
        let started = clock.now()
        let reference = DevIssueReference(id: mapping.devIssueID ?? key, key: key)
        let wrote = mapper.newIssue(from: base.applied(to: item), for: tool)
        let wants = mapper.newIssue(from: item, for: tool)
        let now = SyncedContent(item)
        let dev: IssueContent
        do {
            dev = try await editing.content(of: reference)
        } catch {
            logger.warning("could not read the issue to push a Craft.io edit; the next poll tries again", metadata: ["dev.issue": "\(key)", "error": "\(error)"])
            return DriftOutcome()
        }
        var edit = IssueContentEdit()
        var snapshot = base
        var outcome = DriftOutcome()
        var conflicts: [NewConflict] = []
        func text(_ field: DriftPolicy.Field, base: String, craft: String, dev: String, set: (inout IssueContentEdit) -> Void, keep: (inout SyncedContent) -> Void) {
            guard pushed.contains(field), craft != base else { return }
            if dev == base {
                set(&edit)
                keep(&snapshot)
                outcome.pushed.append(field)
            } else if dev == craft {
                keep(&snapshot)  // both sides made the same edit
            } else {
                conflicts.append(NewConflict(
                    mappingID: mapping.id, workspaceID: mapping.workspaceID, craftItemID: mapping.craftItemID, devToolInstance: mapping.devToolInstance,
                    devIssueKey: key, field: field.rawValue, baseValue: base, craftValue: craft, devValue: dev))
                outcome.conflicts.append(field)
            }
        }
        text(.title, base: wrote.title, craft: wants.title, dev: dev.title, set: { $0.title = wants.title }, keep: { $0.title = now.title })
        text(.description, base: wrote.description, craft: wants.description, dev: dev.description,
             set: { $0.description = wants.description }, keep: { $0.description = now.description })
        // Labels (with type and priority where they ride as labels) merge as sets.
        let labelFields = DriftPolicy.Field.allCases.filter { [.labels, .type, .priority].contains($0) && pushed.contains($0) }
        if !labelFields.isEmpty, Set(wrote.labels) != Set(wants.labels) {
            let added = Set(wants.labels).subtracting(wrote.labels), removed = Set(wrote.labels).subtracting(wants.labels)
            let merged = dev.labels.filter { !removed.contains($0) } + added.subtracting(dev.labels).sorted()
            if merged != dev.labels { edit.labels = merged }
            if pushed.contains(.labels) { snapshot.labels = now.labels }
            if pushed.contains(.type) { snapshot.type = now.type }
            if pushed.contains(.priority) { snapshot.priority = now.priority }
            outcome.pushed += labelFields.filter { field in
                switch field {
                case .labels: base.labels != now.labels
                case .type: base.type != now.type
                case .priority: base.priority != now.priority
                default: false
                }
            }
        }
        do {
            try await editing.edit(reference, edit)
        } catch {
            logger.warning("could not push a Craft.io edit to its issue; the next poll tries again", metadata: ["dev.issue": "\(key)", "error": "\(error)"])
            await history.record(.init(mapping, at: clock.now(), kind: .drift, outcome: "error", detail: "pushing the edit to \(key) failed: \(error)"))
            return DriftOutcome()
        }
        await record(outcome, snapshot: snapshot, conflicts: conflicts, mapping: mapping, key: key, started: started)
        return outcome
    }

    /// What one look did, in one unit of work: the new snapshot (only over the one the look started from), the
    /// conflicts (none over a choice a person made since it started), and their timeline entries.
    private func record(
        _ outcome: DriftOutcome, snapshot: SyncedContent, conflicts: [NewConflict], mapping: Mapping, key: String, started: Date
    ) async {
        let now = clock.now()
        let moves = !outcome.pushed.isEmpty || snapshot != SyncedContent(json: mapping.contentSnapshot)
        let pushed: NewTimelineEntry? = outcome.pushed.isEmpty ? nil : NewTimelineEntry(
            mapping, at: now, kind: .drift, outcome: "pushed",
            detail: "edited in Craft.io; \(outcome.pushed.map(\.rawValue).joined(separator: ", ")) pushed to \(key)")
        let flagged = conflicts.map { conflict in
            (conflict, NewTimelineEntry(
                mapping, at: now, kind: .drift, outcome: "conflict",
                detail: "\(conflict.field) edited in Craft.io and in \(key) since craft-sync wrote it; nothing was overwritten: choose on the Conflicts page"))
        }
        let (hash, json, startedFrom) = (snapshot.hash, snapshot.json, mapping.contentSnapshot)
        do {
            try await store.write { connection in
                if moves {
                    guard try MappingRepository.updateSnapshot(
                        id: mapping.id, contentHash: hash, contentSnapshot: json, now: now, ifStill: .some(startedFrom), in: connection)
                    else { return }
                    if let pushed { try TimelineRepository.record(pushed, in: connection) }
                }
                for (conflict, entry) in flagged {
                    try ConflictRepository.record(conflict, now: now, recording: entry, unlessResolvedSince: started, in: connection)
                }
            }
        } catch {
            logger.error("could not record a pushed edit or a conflict", metadata: ["craft.item": "\(mapping.craftItemID)", "error": "\(error)"])
        }
    }
}

extension SyncedContent {
    /// `item` as it was when this was kept: its synced fields set back to these.
    func applied(to item: CraftItem) -> CraftItem {
        var earlier = item
        earlier.title = title
        earlier.description = description
        earlier.type = type.isEmpty ? nil : type
        earlier.importance = priority.isEmpty ? nil : CraftItem.Entity(id: nil, name: priority)
        earlier.labels = labels
        return earlier
    }
}

/// Why a conflict could not be resolved.
public enum ConflictResolutionError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSuchConflict(Int64)
    case alreadyResolved(Int64)
    case failed(String)

    public var description: String {
        switch self {
        case .noSuchConflict(let id): "there is no conflict \(id)"
        case .alreadyResolved(let id): "conflict \(id) was resolved already"
        case .failed(let detail): "the conflict stays open: \(detail); try again"
        }
    }
}

extension IntakeEngine {
    /// Resolves conflict `id`: `keepDevTool` leaves the issue as it is, `takeCraft` writes Craft.io's value to it.
    /// Either way the snapshot takes Craft.io's current value for the field, so the same edit is not pushed or flagged
    /// again; the item's timeline says who chose what.
    public func resolve(conflict id: Int64, as resolution: Conflict.Resolution, by who: String, in target: IntakeTarget) async throws(ConflictResolutionError) {
        let conflict: Conflict
        let mapping: Mapping
        let item: CraftItem
        do {
            guard let found = try await store.conflicts.conflict(id: id) else { throw ConflictResolutionError.noSuchConflict(id) }
            guard found.resolvedAt == nil else { throw ConflictResolutionError.alreadyResolved(id) }
            guard let linked = try await store.mappings.mapping(id: found.mappingID), linked.state == .linked, linked.devIssueKey == found.devIssueKey
            else { throw ConflictResolutionError.failed("the item is no longer linked to \(found.devIssueKey ?? "that issue")") }
            (conflict, mapping) = (found, linked)
            item = try await craft.item(workspaceID: mapping.workspaceID, itemID: mapping.craftItemID)
        } catch let error as ConflictResolutionError {
            throw error
        } catch {
            throw .failed("reading the item failed: \(error)")
        }
        guard let field = DriftPolicy.Field(rawValue: conflict.field), [.title, .description].contains(field),
            let tool = targets(target).first(where: { $0.devTool.instance == mapping.devToolInstance })?.devTool, let editing = tool.issueEditing,
            let key = mapping.devIssueKey
        else { throw .failed("\(mapping.devToolInstance) cannot edit issues") }
        let wants = mapper.newIssue(from: item, for: tool)
        if resolution == .takeCraft {
            let edit = field == .title ? IssueContentEdit(title: wants.title) : IssueContentEdit(description: wants.description)
            do {
                try await editing.edit(DevIssueReference(id: mapping.devIssueID ?? key, key: key), edit)
            } catch {
                throw .failed("writing to \(key) failed: \(error)")
            }
        }
        var snapshot = SyncedContent(json: mapping.contentSnapshot) ?? SyncedContent(item)
        let current = SyncedContent(item)
        if field == .title { snapshot.title = current.title } else { snapshot.description = current.description }
        let now = clock.now()
        let entry = NewTimelineEntry(
            mapping, at: now, kind: .drift, outcome: "resolved",
            detail: resolution == .takeCraft
                ? "conflict on \(field.rawValue) resolved by \(who): Craft.io's value written to \(key)"
                : "conflict on \(field.rawValue) resolved by \(who): \(key)'s value kept")
        let (hash, json) = (snapshot.hash, snapshot.json)
        do {
            let resolved = try await store.conflicts.resolve(id: id, as: resolution, by: who, now: now) { connection in
                try MappingRepository.updateSnapshot(id: mapping.id, contentHash: hash, contentSnapshot: json, now: now, in: connection)
                try TimelineRepository.record(entry, in: connection)
            }
            guard resolved else { throw ConflictResolutionError.alreadyResolved(id) }
        } catch let error as ConflictResolutionError {
            throw error
        } catch {
            throw .failed("the store refused: \(error)")
        }
    }
}
