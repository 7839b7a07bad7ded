import CraftAPI
import DevTools
import Foundation
import Logging
import Store
import Support

/// `sync --dry-run`: what a run would do, touching nothing.
extension IntakeEngine {
    /// What a run would create, and which linked items drifted (changed in Craft.io since their issue was created),
    /// field by field; touches nothing: no store writes, no dev-tool calls.
    public func plan(_ target: IntakeTarget) async throws -> IntakePlan {
        let items = try await craft.items(workspaceID: target.workspaceID, status: target.readyStatus, updatedFrom: nil)
        let known = try await store.mappings.all(workspaceID: target.workspaceID, devToolInstance: nil, excluding: target.siblingInstances)
        var plan = IntakePlan()
        let new = items.filter { !$0.isLinkedByCraft && known[$0.id] == nil }
        for work in await ancestorWork(of: new, listed: Set(items.map(\.id)), target: target, skipped: &plan.skipped) {
            plan.creates.append(PlannedIssue(
                item: work.item, issue: newIssue(work.item, for: work.target, rule: work.rule), devToolInstance: work.target.devTool.instance,
                rule: work.rule, ancestorOf: work.ancestorOf))
        }
        for item in items where !item.isLinkedByCraft {
            guard let mapping = known[item.id] else {
                let (routed, rule) = route(item, target)
                plan.creates.append(PlannedIssue(item: item, issue: newIssue(item, for: routed, rule: rule), devToolInstance: routed.devTool.instance, rule: rule))
                continue
            }
            let now = SyncedContent(item)
            guard mapping.state == .linked, let created = mapping.contentHash, created != now.hash else { continue }
            // A mapping from before snapshots were kept knows only that something changed.
            let changes = SyncedContent(json: mapping.contentSnapshot).map { now.changes(since: $0) }
            plan.drifted.append(DriftedItem(item: item, issueKey: mapping.devIssueKey, changes: changes))
        }
        return plan
    }
}
