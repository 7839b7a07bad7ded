import CraftAPI
import Foundation
import Logging
import Store
import Support

/// A Craft parent item's roll-up field: how many of its synced children are done (`2/5 done`). Written for the
/// parents whose children changed, once per batch of changes (a burst of webhooks for one epic writes it once), by
/// the progress processor, reconciliation and intake alike.
public struct RollUp: Sendable {
    /// A parent, by workspace and Craft item id.
    public struct Parent: Sendable, Hashable {
        public var workspaceID: String
        public var craftItemID: String
    }

    let store: Store
    let craft: any CraftClient
    let field: String
    /// Progress values that count as done.
    let doneValues: Set<String>
    let logger: Logger

    public init(store: Store, craft: any CraftClient, field: String, doneValues: Set<String> = ["Done"], logger: Logger) {
        self.store = store
        self.craft = craft
        self.field = field
        self.doneValues = doneValues
        self.logger = logger
    }

    /// The parent of `mapping`, when it has one.
    static func parent(of mapping: Mapping) -> Parent? {
        mapping.craftParentID.map { Parent(workspaceID: mapping.workspaceID, craftItemID: $0) }
    }

    /// Writes each parent's roll-up. A failure is logged and left to the next change or cycle.
    public func update(_ parents: Set<Parent>) async {
        for parent in parents {
            do {
                let children = try await store.mappings.children(workspaceID: parent.workspaceID, craftParentID: parent.craftItemID)
                let done = children.filter { $0.lastPushedStatus.map(doneValues.contains) ?? false }.count
                try await craft.setField(workspaceID: parent.workspaceID, itemID: parent.craftItemID, field: field, value: "\(done)/\(children.count) done")
            } catch {
                logger.warning("could not write a parent's roll-up; the next change retries", metadata: ["craft.item": "\(parent.craftItemID)", "error": "\(error)"])
            }
        }
    }
}
