import Foundation

/// One crossing of a Craft item between Craft.io, craft-sync and the dev tool: what happened, when, and how it
/// ended. An item's entries, newest first, answer "where is this item, and what happened to it?".
public struct TimelineEntry: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Intake saw the item in the ready status for the first time and claimed it for creation.
        case claimed
        /// The issue was created in the dev tool (`recovered` outcome: found by its marker after a lost answer).
        case created
        /// The issue's key and URL were written into Craft.io's link field (or the write failed).
        case linkWritten = "link_written"
        /// The create failed for good; the mapping is failed until an operator retries it.
        case failed
        /// An operator asked to retry a failed item.
        case retryRequested = "retry_requested"
        /// A webhook delivery about the item's issue, with what came of it.
        case webhook
        /// A progress value written to Craft.io (or the write failed).
        case craftWrite = "craft_write"
        /// Reconciliation found Craft.io behind the dev tool and pushed the current value.
        case reconciled
        /// A delivery about the item failed and will be tried again.
        case retried
        /// A delivery about the item was given up (dead letter).
        case dead
        /// An operator replayed a delivery about the item.
        case replayed
        /// The item was edited in Craft.io after its issue was created.
        case drift
        /// The issue was put under its Craft parent's issue in the tool (a GitHub sub-issue, a Jira parent), or could not be.
        case parentLinked = "parent_linked"
        /// The issue's key changed, it moved or was transferred, or it was deleted.
        case keyChanged = "key_changed"
        case moved
        case deleted
        /// A person linked an existing issue to the item (`craft-sync link`), or intake adopted the issue Craft.io's own
        /// integration linked.
        case linked
        /// A person ended the item's link (`craft-sync unlink`).
        case unlinked
        /// Operators were told of a problem with the item (`notify`): a dead letter, a failed create.
        case notified
    }

    public var id: Int64
    public var at: Date
    public var craftItemID: String
    public var workspaceID: String
    public var devToolInstance: String
    public var devIssueKey: String?
    public var kind: Kind
    /// How it ended, in one word: `applied`, `stale`, `echo`, `no-op`, `ignored`, `succeeded`, `error`, ...
    public var outcome: String
    /// One sentence for a person: the value written, the reason ignored, the error.
    public var detail: String
    /// The webhook delivery behind the entry, when there is one (links to `/api/v1/events/{id}`).
    public var eventID: Int64?
}

/// An entry to record; the store gives it its id.
public struct NewTimelineEntry: Sendable {
    public var at: Date
    public var craftItemID: String
    public var workspaceID: String
    public var devToolInstance: String
    public var devIssueKey: String?
    public var kind: TimelineEntry.Kind
    public var outcome: String
    public var detail: String
    public var eventID: Int64?

    public init(
        at: Date, craftItemID: String, workspaceID: String, devToolInstance: String, devIssueKey: String?, kind: TimelineEntry.Kind,
        outcome: String, detail: String, eventID: Int64? = nil
    ) {
        self.at = at
        self.craftItemID = craftItemID
        self.workspaceID = workspaceID
        self.devToolInstance = devToolInstance
        self.devIssueKey = devIssueKey
        self.kind = kind
        self.outcome = outcome
        self.detail = detail
        self.eventID = eventID
    }

    /// An entry about `mapping`'s item and issue.
    public init(_ mapping: Mapping, at: Date, kind: TimelineEntry.Kind, outcome: String, detail: String, eventID: Int64? = nil) {
        self.init(
            at: at, craftItemID: mapping.craftItemID, workspaceID: mapping.workspaceID, devToolInstance: mapping.devToolInstance,
            devIssueKey: mapping.devIssueKey, kind: kind, outcome: outcome, detail: detail, eventID: eventID)
    }
}

/// Which timeline entries to list: by item, by dev-tool issue, by time.
public struct TimelineFilter: Sendable {
    public var craftItemID: String?
    public var devToolInstance: String?
    public var devIssueKey: String?
    public var since: Date?
    public var until: Date?

    public init(craftItemID: String? = nil, devToolInstance: String? = nil, devIssueKey: String? = nil, since: Date? = nil, until: Date? = nil) {
        self.craftItemID = craftItemID
        self.devToolInstance = devToolInstance
        self.devIssueKey = devIssueKey
        self.since = since
        self.until = until
    }
}
