import Foundation

/// One intake poll of one workspace.
public struct SyncRun: Sendable, Equatable, Codable {
    public var id: Int64
    public var workspaceID: String
    /// What started it: `schedule`, `startup`, `manual`, `cli`.
    public var trigger: String
    public var dryRun: Bool
    public var startedAt: Date
    public var finishedAt: Date?
    public var counts: Counts
    /// Why the run failed as a whole (Craft.io unreachable, say); nil when it completed.
    public var error: String?

    public struct Counts: Sendable, Equatable, Codable {
        public var seen = 0
        public var created = 0
        public var skipped = 0
        public var failed = 0
        public var drifted = 0
        /// Items listed but not readable (no id, a field of an impossible shape).
        public var unreadable = 0
        public init(seen: Int = 0, created: Int = 0, skipped: Int = 0, failed: Int = 0, drifted: Int = 0, unreadable: Int = 0) {
            self.unreadable = unreadable
            self.seen = seen
            self.created = created
            self.skipped = skipped
            self.failed = failed
            self.drifted = drifted
        }
    }
}
