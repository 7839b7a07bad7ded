import CraftAPI
import DevTools
import Foundation
import Logging
import Store
import Support

/// Why a link, unlink or relink was not made, and what to do.
public enum LinkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Craft.io has no such item in the workspace (or the key may not read it).
    case noSuchItem(itemID: String, workspaceID: String, detail: String)
    /// No configured tool of the workspace has an issue by that name; `tools` lists where it was looked for.
    case noSuchIssue(text: String, tools: [String])
    /// The item or the issue is linked already.
    case conflict(MappingRepository.LinkConflict)
    /// `unlink` of an item that has no live link.
    case notLinked(itemID: String)
    /// `relink` of an item that was never unlinked.
    case nothingToRelink(itemID: String)
    /// Craft.io, the tool or the store failed; nothing was linked. Try again.
    case failed(String)

    public var description: String {
        switch self {
        case .noSuchItem(let itemID, let workspaceID, let detail):
            "Craft.io has no item \(itemID) in workspace \(workspaceID) that the key may read (\(detail))"
        case .noSuchIssue(let text, let tools):
            "no issue '\(text)' in \(tools.joined(separator: " or ")); name it as the tool shows it (owner/repo#12, ACME-4, its URL)"
        case .conflict(let conflict): "\(conflict)"
        case .notLinked(let itemID): "item \(itemID) has no live link to unlink"
        case .nothingToRelink(let itemID): "item \(itemID) was not unlinked, so there is nothing to relink; use link ITEM ISSUE"
        case .failed(let detail): "nothing was linked: \(detail); try again"
        }
    }
}

/// Why intake did not adopt an item Craft.io's own integration linked.
public struct AdoptionRefused: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// What a link made.
public struct LinkOutcome: Sendable {
    public var mapping: Mapping
    public var issue: DevIssue
    /// Whether the issue now carries craft-sync's marker (false where the tool's marker cannot be added).
    public var markerAdded: Bool
}

/// Linking issues that exist already to items (`craft-sync link`, the admin API, the status page, and
/// `intake.native_links: adopt`), and ending links (`unlink`) without the next poll creating the issue again.
extension IntakeEngine {
    /// Links item `itemID` of `target`'s workspace to the issue `text` names in one of the workspace's tools (its own,
    /// or one a routing rule names): both must exist and neither be linked already. Then, each best effort and said on
    /// the timeline: the marker is added, the link field written, the issue's status written to the progress field.
    public func link(itemID: String, issue text: String, in target: IntakeTarget, by actor: String) async throws(LinkError) -> LinkOutcome {
        let item: CraftItem
        do {
            item = try await craft.item(workspaceID: target.workspaceID, itemID: itemID)
        } catch {
            if case .notFound = error { throw .noSuchItem(itemID: itemID, workspaceID: target.workspaceID, detail: "\(error)") }
            throw .failed("reading item \(itemID) from Craft.io failed: \(error)")
        }
        let (issue, tool) = try await findIssue(text, target: target)
        return try await link(item, to: issue, in: tool, target: target, how: "linked by \(actor)")
    }

    /// Links `item` to `issue` of `tool` (both read already), as `link(itemID:issue:in:by:)` says; `how` opens the
    /// timeline entry.
    func link(_ item: CraftItem, to issue: DevIssue, in tool: any DevTool, target: IntakeTarget, how: String) async throws(LinkError) -> LinkOutcome {
        var toolTarget = target
        toolTarget.devTool = tool
        let now = clock.now()
        let request = MappingRepository.ExistingLink(
            workspaceID: target.workspaceID, craftItemID: item.id, craftItemURL: item.webUrl, craftTitle: item.title, craftParentID: item.parent?.id,
            devToolKind: tool.kind, devToolInstance: tool.instance, devIssueID: issue.id, devIssueKey: issue.key, devIssueURL: issue.url,
            devIssueAltID: issue.alternateID, contentHash: ContentHash.of(item), contentSnapshot: SyncedContent(item).json,
            linkPending: target.linkField != nil)
        let linked: Mapping
        do {
            linked = try await store.mappings.link(request, now: now) { mapping in
                NewTimelineEntry(mapping, at: now, kind: .linked, outcome: "succeeded", detail: "\(how) to \(issue.key), which existed already: \(issue.url)")
            }
        } catch let conflict as MappingRepository.LinkConflict {
            throw .conflict(conflict)
        } catch {
            throw .failed("the store refused the link: \(error)")
        }
        logger.info("linked an existing issue", metadata: ["craft.item": "\(item.id)", "dev.issue": "\(issue.key)", "how": "\(how)"])
        let marked = await addMarker(to: issue, of: linked, tool: tool)
        for step in AfterLink.allCases { await after(step, linked, issue: issue, target: toolTarget) }
        return LinkOutcome(mapping: await current(linked), issue: issue, markerAdded: marked)
    }

    /// Ends the live link of item `itemID` in `target`'s workspace: nothing more is synced for it, its issue stays, and
    /// the next poll does not create the item's issue again (its row is the tombstone). `removeMarker` takes the marker
    /// off the issue, `clearLinkField` empties Craft.io's link field; each best effort and said on the timeline.
    public func unlink(
        itemID: String, in target: IntakeTarget, removeMarker: Bool, clearLinkField: Bool, by actor: String
    ) async throws(LinkError) -> Mapping {
        let live: Mapping?
        do {
            live = try await store.mappings.mappings(workspaceID: target.workspaceID, craftItemID: itemID).first { $0.state == .linked }
        } catch {
            throw .failed("reading the item's link failed: \(error)")
        }
        guard let live else { throw .notLinked(itemID: itemID) }
        let now = clock.now()
        let unlinked: Mapping?
        do {
            unlinked = try await store.mappings.unlink(id: live.id, now: now) { mapping in
                NewTimelineEntry(
                    mapping, at: now, kind: .unlinked, outcome: "succeeded",
                    detail: "unlinked from \(mapping.devIssueKey ?? "its issue") by \(actor); the issue stays, nothing more is synced, and intake "
                        + "does not create it again (link or relink undoes it)")
            }
        } catch {
            throw .failed("the store refused the unlink: \(error)")
        }
        guard let unlinked else { throw .notLinked(itemID: itemID) }
        logger.info("unlinked", metadata: ["craft.item": "\(itemID)", "dev.issue": "\(live.devIssueKey ?? "")", "by": "\(actor)"])
        let tool = targets(target).first { $0.devTool.instance == live.devToolInstance }?.devTool ?? tools[live.devToolInstance]
        if removeMarker, let tool, let id = live.devIssueID, let key = live.devIssueKey {
            let issue = DevIssue(id: id, key: key, url: live.devIssueURL ?? "", status: DevIssueStatus(name: ""))
            await takeMarker(off: issue, of: unlinked, tool: tool)
        }
        if clearLinkField, let field = target.linkField {
            do {
                try await craft.setField(workspaceID: target.workspaceID, itemID: itemID, field: field, value: "")
                await history.record(.init(unlinked, at: clock.now(), kind: .linkWritten, outcome: "cleared", detail: "\(field) emptied"))
            } catch {
                await history.record(.init(unlinked, at: clock.now(), kind: .linkWritten, outcome: "error", detail: "emptying \(field) failed: \(error)"))
            }
        }
        return unlinked
    }

    /// Links an unlinked item again to the issue it had.
    public func relink(itemID: String, in target: IntakeTarget, by actor: String) async throws(LinkError) -> LinkOutcome {
        let tombstone: Mapping?
        do {
            tombstone = try await store.mappings.mappings(workspaceID: target.workspaceID, craftItemID: itemID).first { $0.state == .unlinked }
        } catch {
            throw .failed("reading the item's links failed: \(error)")
        }
        guard let tombstone, let key = tombstone.devIssueKey, let tool = targets(target).first(where: { $0.devTool.instance == tombstone.devToolInstance })?.devTool
        else { throw .nothingToRelink(itemID: itemID) }
        let issue: DevIssue
        do {
            issue = try await tool.issue(DevIssueReference(id: tombstone.devIssueID ?? key, key: key))
        } catch {
            throw .failed("reading \(key) from \(tool.instance) failed: \(error)")
        }
        let item: CraftItem
        do {
            item = try await craft.item(workspaceID: target.workspaceID, itemID: itemID)
        } catch {
            throw .failed("reading item \(itemID) from Craft.io failed: \(error)")
        }
        return try await link(item, to: issue, in: tool, target: target, how: "relinked by \(actor)")
    }

    /// Links `item`, which Craft.io's own integration linked, to the issue its `devToolKey` names in one of the
    /// workspace's tools; the reason when it cannot (said in the run's skipped items).
    func adopt(_ item: CraftItem, target: IntakeTarget) async -> Result<LinkOutcome, AdoptionRefused> {
        let keys = item.devToolKey ?? [:]
        for tool in targets(target).map(\.devTool) {
            guard let key = keys[tool.craftIntegrationName], !key.isEmpty else { continue }
            do {
                guard let issue = try await tool.lookUp(key) else { continue }
                return .success(try await link(item, to: issue, in: tool, target: target, how: "adopted from Craft.io's own integration (devToolKey \(key))"))
            } catch let error as LinkError {
                return .failure(AdoptionRefused("Craft.io's own integration linked it to \(key), which could not be adopted: \(error)"))
            } catch {
                return .failure(AdoptionRefused("Craft.io's own integration linked it to \(key), which could not be read: \(error)"))
            }
        }
        return .failure(AdoptionRefused(
            "Craft.io's own integration linked it (\(keys)) to no issue of \(targets(target).map(\.devTool.instance).joined(separator: ", ")); left alone"))
    }

    /// The issue `text` names in the first of the workspace's tools that has it.
    private func findIssue(_ text: String, target: IntakeTarget) async throws(LinkError) -> (DevIssue, any DevTool) {
        let tools = targets(target).map(\.devTool)
        for tool in tools where tool.reference(naming: text) != nil {
            do {
                if let issue = try await tool.lookUp(text) { return (issue, tool) }
            } catch {
                throw .failed("reading '\(text)' from \(tool.instance) failed: \(error)")
            }
        }
        throw .noSuchIssue(text: text, tools: tools.map(\.instance))
    }

    private func addMarker(to issue: DevIssue, of mapping: Mapping, tool: any DevTool) async -> Bool {
        let marker = tool.marker(for: mapping.craftItemID)
        if tool.carries(marker: marker, issue) { return true }
        do {
            let added = try await tool.addMarker(marker, to: issue)
            await history.record(.init(
                mapping, at: clock.now(), kind: .linked, outcome: added ? "marked" : "unmarked",
                detail: added ? "\(marker) added to \(issue.key)" : "\(tool.kind) keeps no marker craft-sync can add to an existing issue; the link is kept here"))
            return added
        } catch {
            logger.warning("could not add the marker to a linked issue", metadata: ["dev.issue": "\(issue.key)", "error": "\(error)"])
            await history.record(.init(mapping, at: clock.now(), kind: .linked, outcome: "error", detail: "adding \(marker) to \(issue.key) failed: \(error)"))
            return false
        }
    }

    private func takeMarker(off issue: DevIssue, of mapping: Mapping, tool: any DevTool) async {
        let marker = tool.marker(for: mapping.craftItemID)
        do {
            let removed = try await tool.removeMarker(marker, from: issue)
            await history.record(.init(
                mapping, at: clock.now(), kind: .unlinked, outcome: removed ? "unmarked" : "kept",
                detail: removed ? "\(marker) removed from \(issue.key)" : "\(tool.kind) keeps no marker craft-sync can remove"))
        } catch {
            await history.record(.init(mapping, at: clock.now(), kind: .unlinked, outcome: "error", detail: "removing \(marker) from \(issue.key) failed: \(error)"))
        }
    }

    private func current(_ mapping: Mapping) async -> Mapping {
        (try? await store.mappings.mapping(id: mapping.id)) ?? mapping
    }
}
