import Foundation

/// A Craft.io item and the dev-tool issue made from it.
public struct Mapping: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable, CaseIterable {
        /// We intend to create the issue (or are creating it); before retrying, ask the dev tool for our marker.
        case pending
        case linked
        case failed
        /// The issue was deleted in the dev tool: nothing is read or written for it any more.
        case deleted
        /// A person ended the link (`craft-sync unlink`): the issue stays, nothing is synced, and the row is the
        /// tombstone that keeps intake from creating the item's issue again. `link` or `relink` ends it.
        case unlinked
    }

    public var id: Int64
    public var workspaceID: String
    public var craftItemID: String
    public var devToolKind: String
    /// Which configured instance of the tool (several GitHub organisations, say).
    public var devToolInstance: String
    /// The issue's stable id (GitHub node/number, Jira numeric id): it survives moves that change the key.
    public var devIssueID: String?
    /// The human key (`ACME-12`, `#42`), which can change when an issue moves.
    public var devIssueKey: String?
    public var devIssueURL: String?
    public var state: State
    public var failureReason: String?
    /// Hash of the item's synced content at creation, to notice later edits in Craft.io.
    public var contentHash: String?
    public var lastPushedStatus: String?
    public var lastPushedAt: Date?
    /// Order of the newest dev-tool event applied (its timestamp or changelog id), so older ones never win.
    public var lastEventOrder: Int64?
    public var createdAt: Date
    public var updatedAt: Date
    /// The item's page in Craft.io, when Craft.io gave one.
    public var craftItemURL: String? = nil
    /// The item's title when it was claimed.
    public var craftTitle: String? = nil
    /// The synced fields as the issue was created from them (JSON written by the engine), to show drift field by field.
    public var contentSnapshot: String? = nil
    /// The Craft item above this one (an epic above its story), when it has one.
    public var craftParentID: String? = nil
    /// Whether the issue was linked under the parent item's issue in the tool.
    public var parentLinked = false
    /// What the dev tool's adapter remembers of the issue between deliveries, in its own words (`DevTool.holding`):
    /// GitHub's `review_open` while a pull request that will close the issue is open.
    public var toolNote: String? = nil
    /// The routing rule that sent the item to this tool (`type = Bug`); nil when it went to its workspace's default.
    public var routedBy: String? = nil
    /// The tool's status (`DevIssueStatus.described`) behind `lastPushedStatus`, where the writer knew it.
    public var lastDevStatus: String? = nil
    /// Another id the tool's deliveries name the issue by (GitHub's node id), when known.
    public var devIssueAltID: String? = nil
    /// Who holds a pending claim (`LeaseHolder`: host, pid, run) and until when; nil when nobody does (the claim was
    /// released, or the mapping is not pending).
    public var leaseOwner: String? = nil
    public var leaseUntil: Date? = nil
    /// What craft-sync last wrote to each `progress.fields` field: JSON, signal name to value.
    public var signalValues: String? = nil
}

extension Mapping {
    /// `signalValues` read: signal name to the value last written (empty when none, or unreadable).
    public var writtenSignals: [String: String] { SignalValues.decode(signalValues) }
}

/// The JSON a mapping keeps its written signal values in, read and written in one place.
enum SignalValues {
    static func decode(_ json: String?) -> [String: String] {
        guard let json, let values = try? JSONDecoder().decode([String: String].self, from: Data(json.utf8)) else { return [:] }
        return values
    }

    static func encode(_ values: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(values)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// Which mappings to list.
public struct MappingFilter: Sendable {
    public var workspaceID: String?
    public var state: Mapping.State?
    public var devToolKind: String?
    /// Matches a Craft item id or a dev issue key exactly, or part of the item's title.
    public var search: String?

    public init(workspaceID: String? = nil, state: Mapping.State? = nil, devToolKind: String? = nil, search: String? = nil) {
        self.workspaceID = workspaceID
        self.state = state
        self.devToolKind = devToolKind
        self.search = search
    }
}
