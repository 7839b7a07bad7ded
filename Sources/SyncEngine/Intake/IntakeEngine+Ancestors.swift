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

    /// The parents of `items` (and theirs) that no ready listing holds and no tool of the workspace knows: read from
    /// Craft.io, nearest first. One that cannot be read is reported and skipped; the others go on.
    func ancestors(of items: [CraftItem], listed: Set<String>, target: IntakeTarget, skipped: inout [(craftItemID: String, reason: String)]) async -> [Ancestor] {
        guard settings.syncAncestors else { return [] }
        var seen = listed.union(items.map(\.id))
        var frontier = items.compactMap { item in item.parent?.id.map { (parent: $0, descendant: item.id) } }
        var found: [Ancestor] = []
        for _ in 0..<Self.maxAncestorDepth where !frontier.isEmpty {
            var next: [(parent: String, descendant: String)] = []
            for (parentID, descendant) in frontier where seen.insert(parentID).inserted {
                let known = try? await store.mappings.mappings(
                    workspaceID: target.workspaceID, devToolInstance: nil, craftItemIDs: [parentID], excluding: target.siblingInstances)
                if known?.isEmpty == false { continue }
                do {
                    let parent = try await craft.item(workspaceID: target.workspaceID, itemID: parentID)
                    guard !parent.isLinkedByCraft else { continue }
                    found.append(Ancestor(item: parent, descendant: descendant))
                    if let grandparent = parent.parent?.id { next.append((grandparent, descendant)) }
                } catch {
                    skipped.append((parentID, "the parent of ready item \(descendant) could not be read, so it is not synced yet: \(error)"))
                }
            }
            frontier = next
        }
        return found
    }
}
