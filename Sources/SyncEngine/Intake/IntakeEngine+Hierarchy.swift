import DevTools
import Foundation
import Store

/// Craft's hierarchy in the dev tool: an issue goes under its parent item's issue, whichever is created first.
extension IntakeEngine {
    /// Craft's hierarchy in the tool, whichever side arrives first: a new issue goes under its parent's issue when
    /// that exists, and the children already waiting for it go under it.
    func linkHierarchy(of mapping: Mapping, target: IntakeTarget) async {
        guard target.devTool.parentLinking != nil else { return }
        if let parentID = mapping.craftParentID,
            let parent = try? await store.mappings.mapping(workspaceID: target.workspaceID, craftItemID: parentID, devToolInstance: target.devTool.instance)
        {
            await linkUnder(mapping, parent: parent, target: target)
        }
        let waiting = (try? await store.mappings.awaitingParentLink(devToolInstance: target.devTool.instance, craftParentID: mapping.craftItemID)) ?? []
        for child in waiting { await linkUnder(child, parent: mapping, target: target) }
    }

    /// Children whose parent's issue was missing, or whose link failed, are tried again each poll.
    func linkWaitingChildren(_ target: IntakeTarget) async {
        guard target.devTool.parentLinking != nil,
            let waiting = try? await store.mappings.awaitingParentLink(devToolInstance: target.devTool.instance, workspaceID: target.workspaceID)
        else { return }
        for child in waiting {
            guard let parentID = child.craftParentID,
                let parent = try? await store.mappings.mapping(workspaceID: target.workspaceID, craftItemID: parentID, devToolInstance: target.devTool.instance)
            else { continue }
            await linkUnder(child, parent: parent, target: target)
        }
    }

    private func linkUnder(_ child: Mapping, parent: Mapping, target: IntakeTarget) async {
        guard let linking = target.devTool.parentLinking, !child.parentLinked, parent.state == .linked,
            let childID = child.devIssueID, let childKey = child.devIssueKey, let parentID = parent.devIssueID, let parentKey = parent.devIssueKey
        else { return }
        // A story and its epic created in one poll each try to link the story (the story's create finds the epic, the
        // epic's finds its waiting stories): whoever comes second, in flight or after, sees the link and stops.
        guard !linkingChildren.contains(child.id) else { return }
        linkingChildren.insert(child.id)
        defer { linkingChildren.remove(child.id) }
        if (try? await store.mappings.mapping(id: child.id))?.parentLinked == true { return }
        do {
            try await linking.link(DevIssueReference(id: childID, key: childKey), under: DevIssueReference(id: parentID, key: parentKey))
            try await store.mappings.markParentLinked(id: child.id)
            await history.record(.init(child, at: clock.now(), kind: .parentLinked, outcome: "succeeded", detail: "put under \(parentKey), the issue of Craft item \(parent.craftItemID)"))
        } catch let error as DevToolError where !error.isTransient {
            // Refused for good (a hierarchy the project does not allow): recorded once, not tried every poll.
            try? await store.mappings.markParentLinked(id: child.id, refused: true)
            logger.warning("the tool refuses to put an issue under its parent's", metadata: ["dev.issue": "\(childKey)", "parent": "\(parentKey)", "error": "\(error)"])
            await history.record(.init(child, at: clock.now(), kind: .parentLinked, outcome: "error", detail: "the tool refuses to put it under \(parentKey): \(error)"))
        } catch {
            logger.warning("could not put an issue under its parent's; retried next poll", metadata: ["dev.issue": "\(childKey)", "parent": "\(parentKey)", "error": "\(error)"])
            await history.record(.init(child, at: clock.now(), kind: .parentLinked, outcome: "retrying", detail: "putting it under \(parentKey) failed (\(error)); retried next poll"))
        }
    }
}
