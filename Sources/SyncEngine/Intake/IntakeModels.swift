import Support
import CraftAPI
import DevTools
import Foundation
import Store

/// One workspace and where its ready items go.
public struct IntakeTarget: Sendable {
    public var workspaceID: String
    public var readyStatus: String
    public var devTool: any DevTool
    /// Craft custom field that receives "KEY URL" of the created issue; nil writes nothing back.
    public var linkField: String?
    /// Where a new issue's first status goes at create time, so Craft.io shows the item in development before the
    /// first webhook; nil leaves it to the first webhook or reconciliation.
    public var progress: Progress?
    /// Dev-tool instances other configured targets of the same workspace sync to (a workspace synced to two tools):
    /// their mappings are theirs. Any other instance's mapping of an item means the item is synced (a routing rule
    /// sent it there, even if that rule is gone now).
    public var siblingInstances: Set<String> = []
    /// A one-shot listing of other statuses than the ready one (`sync --status`, a backfill): always a full listing,
    /// and the ready status's poll cursors are left alone.
    public var isBackfill = false

    public struct Progress: Sendable {
        public var field: String
        public var statusMapping: StatusMapping
        public init(field: String, statusMapping: StatusMapping) {
            self.field = field
            self.statusMapping = statusMapping
        }
    }

    public init(
        workspaceID: String, readyStatus: String = "Ready for Development", devTool: any DevTool, linkField: String? = nil, progress: Progress? = nil
    ) {
        self.workspaceID = workspaceID
        self.readyStatus = readyStatus
        self.devTool = devTool
        self.linkField = linkField
        self.progress = progress
    }
}

public struct IntakeSettings: Sendable {
    /// Creates in flight at once.
    public var concurrency = 4
    /// Most creates per minute (GitHub allows about 80 content-creating requests a minute); nil for no cap.
    public var perMinuteCap: Int?
    /// Most creates per hour (GitHub allows 500 content-creating requests an hour); nil for no cap.
    public var perHourCap: Int?
    /// Attempts at one item's create within one run (transient failures only); after them the claim is left for a
    /// later cycle, which looks for the marker first. Only a permanent answer marks an item failed.
    public var createAttempts = 3
    public var retryBaseDelay: Duration = .seconds(1)
    /// A pending claim untouched for this long belongs to a run that died, and may be taken over. Longer than
    /// any one attempt at a create can take.
    public var claimLease: Duration = .seconds(300)
    /// The longest wait between two attempts at one create (a tool's `Retry-After` included), well under the lease;
    /// a tool that asks for longer gets the item in a later cycle. The claim is renewed before every attempt.
    public var longestInlineWait: Duration { claimLease / 3 }
    /// Where Craft.io filters by update time, a poll lists only items updated since the newest update it saw; a full
    /// listing runs this often anyway (and whenever there is no cursor).
    public var fullPollInterval: Duration = .seconds(24 * 3600)
    /// How far before the newest update already seen an incremental poll starts (updates in the same second, a
    /// listing that lags a write).
    public var pollOverlap: Duration = .seconds(300)
    /// Whether a ready item's parents outside the ready status are created too (IntakeEngine+Ancestors).
    public var syncAncestors = false
    /// What becomes of a ready item Craft.io's own integration linked already (`devToolKey`).
    public var nativeLinks = NativeLinks.skip
    /// Which Craft.io edits after the create go to the issue (the rest are reported).
    public var drift = DriftPolicy.report

    public enum NativeLinks: String, Sendable, CaseIterable {
        /// Left alone, said in the run's skipped items.
        case skip
        /// Linked to the issue its `devToolKey` names in a configured tool, as `craft-sync link` would.
        case adopt
    }

    public init(
        concurrency: Int = 4, perMinuteCap: Int? = nil, perHourCap: Int? = nil, createAttempts: Int = 3, claimLease: Duration = .seconds(300),
        fullPollInterval: Duration = .seconds(24 * 3600), pollOverlap: Duration = .seconds(300), syncAncestors: Bool = false
    ) {
        self.syncAncestors = syncAncestors
        self.perHourCap = perHourCap
        self.fullPollInterval = fullPollInterval
        self.pollOverlap = pollOverlap
        self.concurrency = concurrency
        self.perMinuteCap = perMinuteCap
        self.createAttempts = createAttempts
        self.claimLease = claimLease
    }
}

/// How far a running intake has got through the items it has to create, reported after each one.
public struct IntakeProgress: Sendable, Equatable {
    public var workspaceID: String
    public var done: Int
    public var total: Int
    public var created: Int
    public var failed: Int
    public var elapsed: Duration

    public init(workspaceID: String, done: Int, total: Int, created: Int, failed: Int, elapsed: Duration) {
        self.workspaceID = workspaceID
        self.done = done
        self.total = total
        self.created = created
        self.failed = failed
        self.elapsed = elapsed
    }

    /// Items finished per second so far; nil before any time has passed.
    public var perSecond: Double? {
        elapsed.timeInterval > 0 ? Double(done) / elapsed.timeInterval : nil
    }

    /// The time the rest should take at the rate so far; nil until there is a rate.
    public var remaining: Duration? {
        guard let rate = perSecond, rate > 0 else { return nil }
        return .milliseconds(Int64(Double(total - done) / rate * 1000))
    }
}

/// What one intake run did.
public struct IntakeReport: Sendable {
    public struct Created: Sendable, Equatable {
        public var craftItemID: String
        public var title: String
        public var issue: DevIssue
        /// True when the issue already existed (an earlier create whose answer was lost) and was linked, not created.
        public var recovered: Bool
    }

    public init(workspaceID: String) {
        self.workspaceID = workspaceID
    }

    public var workspaceID: String
    public var runID: Int64?
    public var counts = SyncRun.Counts()
    public var created: [Created] = []
    public var skipped: [(craftItemID: String, reason: String)] = []
    public var failed: [(craftItemID: String, reason: String)] = []
    public var drifted: [String] = []
    /// Drifted items whose edits went to their issue (`drift.policy: push`), and those with a conflict.
    public var driftPushed: [String] = []
    public var conflicted: [String] = []
    /// Items Craft.io's own integration had linked, now linked by craft-sync too (`intake.native_links: adopt`).
    public var adopted: [(craftItemID: String, issue: DevIssue)] = []
    /// Items Craft.io listed that could not be read; the rest of the poll went on, and the next one tries again.
    public var unreadable: [UnreadableItem] = []
    /// Set when the run failed as a whole (Craft.io unreachable); items were not looked at.
    public var error: String?
    /// The items listed were only those updated since (by Craft.io's clock); nil for a full listing.
    public var updatedSince: Date?
    public var duration: Duration = .zero
}

/// What a dry run would create.
public struct PlannedIssue: Sendable {
    public var item: CraftItem
    public var issue: NewIssue
    /// The dev-tool instance it would go to, and the routing rule that chose it (nil: the workspace's own tool).
    public var devToolInstance = ""
    public var rule: RoutingRule? = nil
    /// Set when it is not ready itself but above this ready item (`intake.sync_ancestors`).
    public var ancestorOf: String? = nil
}

/// What a dry run found: issues it would create, and linked items edited in Craft.io since.
public struct IntakePlan: Sendable {
    public var creates: [PlannedIssue] = []
    public var drifted: [DriftedItem] = []
    /// Items a run would pass over, with why (a parent that cannot be read).
    public var skipped: [(craftItemID: String, reason: String)] = []
}

/// A linked item whose synced fields changed in Craft.io after its issue was created (the issue was not changed).
public struct DriftedItem: Sendable {
    public var item: CraftItem
    public var issueKey: String?
    /// Field by field; nil when the mapping predates the snapshot of what was created (only the change is known).
    public var changes: [FieldChange]?
}
