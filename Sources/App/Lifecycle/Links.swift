import Foundation
import Store
import SyncEngine
import Support

/// Linking existing issues and ending links, the same from the command line (`link`, `unlink`, `relink`), the admin
/// API and the status page: which configured workspace is meant, then the engine's link rules.
public struct Links: Sendable {
    let engine: IntakeEngine
    let targets: [IntakeTarget]

    public init(engine: IntakeEngine, targets: [IntakeTarget]) {
        self.engine = engine
        self.targets = targets
    }

    /// A workspace's targets: the named one's, or the only configured workspace's when none is named.
    func targets(workspace: String?) throws(LinkRequestError) -> [IntakeTarget] {
        let workspaces = Array(Set(targets.map(\.workspaceID))).sorted()
        guard let workspace = workspace ?? (workspaces.count == 1 ? workspaces.first : nil) else {
            throw .workspaceNeeded(workspaces)
        }
        let matching = targets.filter { $0.workspaceID == workspace }
        guard !matching.isEmpty else { throw .unknownWorkspace(workspace, workspaces) }
        return matching
    }

    /// Links in the first of the workspace's targets (one per tool it syncs to) whose tools have the issue.
    public func link(item: String, issue: String, workspace: String?, by actor: String) async throws -> LinkOutcome {
        var searched: [String] = []
        for target in try targets(workspace: workspace) {
            do {
                return try await engine.link(itemID: item, issue: issue, in: target, by: actor)
            } catch {
                guard case .noSuchIssue(_, let tools) = error else { throw error }
                searched += tools
            }
        }
        throw LinkError.noSuchIssue(text: issue, tools: searched)
    }

    /// Ends the item's live link, in whichever of the workspace's tools it is.
    public func unlink(item: String, workspace: String?, removeMarker: Bool, clearLinkField: Bool, by actor: String) async throws -> Mapping {
        let target = try targets(workspace: workspace)[0]
        return try await engine.unlink(itemID: item, in: target, removeMarker: removeMarker, clearLinkField: clearLinkField, by: actor)
    }

    /// Links an unlinked item again, through the target of the tool its tombstone names.
    public func relink(item: String, workspace: String?, by actor: String) async throws -> LinkOutcome {
        for target in try targets(workspace: workspace) {
            do {
                return try await engine.relink(itemID: item, in: target, by: actor)
            } catch {
                guard case .nothingToRelink = error else { throw error }
            }
        }
        throw LinkError.nothingToRelink(itemID: item)
    }

    /// What a link did, in lines for a person.
    static func describe(_ outcome: LinkOutcome) -> String {
        let mapping = outcome.mapping
        var lines = ["linked item \(mapping.craftItemID) to \(outcome.issue.key) in \(mapping.devToolInstance): \(outcome.issue.url)"]
        lines.append(outcome.markerAdded ? "  marker: on the issue" : "  marker: not on the issue (see the item's timeline)")
        if let status = mapping.lastPushedStatus { lines.append("  progress: \(status) (the issue is \(outcome.issue.status.described))") }
        return lines.joined(separator: "\n")
    }
}

/// A link request that names no usable workspace.
enum LinkRequestError: Error, Sendable, CustomStringConvertible {
    case workspaceNeeded([String])
    case unknownWorkspace(String, [String])

    var description: String {
        switch self {
        case .workspaceNeeded(let known): "several workspaces are configured (\(known.joined(separator: ", "))): name one with --workspace"
        case .unknownWorkspace(let name, let known): "workspace \(name) is not configured (configured: \(known.joined(separator: ", ")))"
        }
    }
}

/// `craft-sync link`, `unlink`, `relink`: in this process, against the configured database and tools.
public enum LinkCommands {
    public static func link(_ configuration: Configuration, item: String, issue: String, workspace: String?) async throws -> String {
        let links = try links(configuration)
        do {
            return Links.describe(try await links.link(item: item, issue: issue, workspace: workspace, by: "the command line"))
        } catch {
            throw CommandError("\(error)")
        }
    }

    public static func unlink(
        _ configuration: Configuration, item: String, workspace: String?, removeMarker: Bool, clearLinkField: Bool
    ) async throws -> String {
        let links = try links(configuration)
        do {
            let mapping = try await links.unlink(item: item, workspace: workspace, removeMarker: removeMarker, clearLinkField: clearLinkField, by: "the command line")
            return "unlinked item \(item) from \(mapping.devIssueKey ?? "its issue") in \(mapping.devToolInstance); the issue stays, nothing more is "
                + "synced, and intake will not create it again (craft-sync relink \(item) undoes it)"
        } catch {
            throw CommandError("\(error)")
        }
    }

    public static func relink(_ configuration: Configuration, item: String, workspace: String?) async throws -> String {
        let links = try links(configuration)
        do {
            return Links.describe(try await links.relink(item: item, workspace: workspace, by: "the command line"))
        } catch {
            throw CommandError("\(error)")
        }
    }

    private static func links(_ configuration: Configuration) throws -> Links {
        let missing = configuration.missingSettings
        guard missing.isEmpty, let world = OutsideWorld(configuration: configuration) else {
            throw CommandError("the configuration is incomplete: \(missing.joined(separator: ", "))")
        }
        let store = try Store(configuration.databaseLocation)
        let (engine, targets) = Application.makeIntake(configuration: configuration, store: store, world: world, clock: SystemClock())
        return Links(engine: engine, targets: targets)
    }
}
