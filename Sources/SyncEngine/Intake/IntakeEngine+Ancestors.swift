import CraftAPI
import Foundation
import Store

/// `intake.sync_ancestors`: a ready story whose epic is still being refined in Craft.io brings the epic across too
/// (and the epic's initiative, up to `maxAncestorDepth` levels), so the hierarchy in the tool is whole. Off by default:
/// an item outside the ready status is then left where it is, and its children go under it only if it arrives.
extension IntakeEngine {
    /// How many levels above a ready item are brought across (story → epic → feature → initiative, and one spare).
    static let maxAncestorDepth = 5

    /// An item to create because one below it is: its id, and the ready item it was found through.
    struct Ancestor: Sendable {
        var item: CraftItem
        var descendant: String
    }

    /// What to create besides the ready items: the parents of `items`, and those of items synced earlier that never
    /// got theirs (a parent unreadable then, or the setting turned on since), each routed as a ready item would be.
    /// One that cannot be read is reported and tried again next poll.
    func ancestorWork(of items: [CraftItem], listed: Set<String>, target: IntakeTarget, skipped: inout [(craftItemID: String, reason: String)]) async -> [Work] {
        guard settings.syncAncestors else { return [] }
        let earlier = ((try? await store.mappings.unsyncedParents(
            workspaceID: target.workspaceID, excluding: target.siblingInstances, skipping: unsyncableParents[target.workspaceID] ?? [])) ?? [])
            .map { (parent: $0.parentID, descendant: $0.childID) }
        let found = await ancestors(
            of: items.compactMap { item in item.parent?.id.map { (parent: $0, descendant: item.id) } } + earlier,
            seen: listed.union(items.map(\.id)), target: target, skipped: &skipped)
        return found.map { ancestor in
            let (routed, rule) = route(ancestor.item, target)
            return Work(item: ancestor.item, existing: nil, target: routed, rule: rule, ancestorOf: ancestor.descendant)
        }
    }

    /// The Craft items above `start` (and theirs) that are not in `seen` and no tool of the workspace knows: read from
    /// Craft.io, nearest first.
    private func ancestors(
        of start: [(parent: String, descendant: String)], seen: Set<String>, target: IntakeTarget, skipped: inout [(craftItemID: String, reason: String)]
    ) async -> [Ancestor] {
        var seen = seen
        var frontier = start
        var found: [Ancestor] = []
        for _ in 0..<Self.maxAncestorDepth where !frontier.isEmpty {
            var next: [(parent: String, descendant: String)] = []
            for (parentID, descendant) in frontier where seen.insert(parentID).inserted {
                let known = try? await store.mappings.mappings(
                    workspaceID: target.workspaceID, devToolInstance: nil, craftItemIDs: [parentID], excluding: target.siblingInstances)
                if known?.isEmpty == false { continue }
                do {
                    let parent = try await craft.item(workspaceID: target.workspaceID, itemID: parentID)
                    guard !parent.isLinkedByCraft else {
                        // Craft.io's own integration has it: never ours to create, and not read again.
                        unsyncableParents[target.workspaceID, default: []].insert(parentID)
                        continue
                    }
                    found.append(Ancestor(item: parent, descendant: descendant))
                    if let grandparent = parent.parent?.id { next.append((grandparent, descendant)) }
                } catch where !error.isTransient {
                    // Gone from Craft.io (or never readable with this key): said once, not read again each poll.
                    unsyncableParents[target.workspaceID, default: []].insert(parentID)
                    skipped.append((parentID, "the parent of item \(descendant) cannot be read, so it is not synced: \(error)"))
                } catch {
                    skipped.append((parentID, "the parent of item \(descendant) could not be read, so it is not synced yet (tried again next poll): \(error)"))
                }
            }
            frontier = next
        }
        return found
    }
}
