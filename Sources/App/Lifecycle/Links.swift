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

    /// The named workspace's targets (one per tool it syncs to), or every target when none is named: the item's
    /// workspace is then the one that has it.
    func targets(workspace: String?) throws(LinkRequestError) -> [IntakeTarget] {
        guard let workspace else { return targets }
        let matching = targets.filter { $0.workspaceID == workspace }
        guard !matching.isEmpty else { throw .unknownWorkspace(workspace, Array(Set(targets.map(\.workspaceID))).sorted()) }
        return matching
    }

    /// Links in the first target whose workspace has the item and whose tools have the issue.
    public func link(item: String, issue: String, workspace: String?, by actor: String) async throws -> LinkOutcome {
        var searched: [String] = []
        var missingItem: LinkError?
        for target in try targets(workspace: workspace) {
            do {
                return try await engine.link(itemID: item, issue: issue, in: target, by: actor)
            } catch {
                switch error {
                case .noSuchIssue(_, let tools): searched += tools.filter { !searched.contains($0) }
                case .noSuchItem: missingItem = missingItem ?? error
                default: throw error
                }
            }
        }
        if searched.isEmpty, let missingItem { throw missingItem }
        throw LinkError.noSuchIssue(text: issue, tools: searched)
    }

    /// Ends the item's live link, in whichever workspace and tool it is.
    public func unlink(item: String, workspace: String?, removeMarker: Bool, clearLinkField: Bool, by actor: String) async throws -> Mapping {
        for target in try unique(targets(workspace: workspace)) {
            do {
                return try await engine.unlink(itemID: item, in: target, removeMarker: removeMarker, clearLinkField: clearLinkField, by: actor)
            } catch {
                guard case .notLinked = error else { throw error }
            }
        }
        throw LinkError.notLinked(itemID: item)
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

    /// One target per workspace (the engine looks across a workspace's tools itself).
    private func unique(_ targets: [IntakeTarget]) -> [IntakeTarget] {
        var seen: Set<String> = []
        return targets.filter { seen.insert($0.workspaceID).inserted }
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

/// A link request that names a workspace that is not configured.
enum LinkRequestError: Error, Sendable, CustomStringConvertible {
    case unknownWorkspace(String, [String])

    var description: String {
        switch self {
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
