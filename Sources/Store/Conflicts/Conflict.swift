import Foundation

/// A field both sides changed since craft-sync last wrote it (`drift.policy: push`): nothing was overwritten, and a
/// person chooses which side wins.
public struct Conflict: Sendable, Equatable, Codable {
    public enum Resolution: String, Sendable, Codable, CaseIterable {
        /// The dev tool's value stays; Craft.io's edit is not pushed.
        case keepDevTool = "keep_dev_tool"
        /// Craft.io's value is written to the issue.
        case takeCraft = "take_craft"
    }

    public var id: Int64
    public var mappingID: Int64
    public var workspaceID: String
    public var craftItemID: String
    public var devToolInstance: String
    public var devIssueKey: String?
    /// `title`, `description`.
    public var field: String
    /// What craft-sync last wrote to the issue.
    public var baseValue: String
    public var craftValue: String
    public var devValue: String
    public var detectedAt: Date
    public var resolvedAt: Date?
    public var resolution: Resolution?
    /// Who resolved it (the status page, the admin API).
    public var resolvedBy: String?
}

/// A conflict to record (or to update, while one on the same field is open).
public struct NewConflict: Sendable {
    public var mappingID: Int64
    public var workspaceID: String
    public var craftItemID: String
    public var devToolInstance: String
    public var devIssueKey: String?
    public var field: String
    public var baseValue: String
    public var craftValue: String
    public var devValue: String

    public init(
        mappingID: Int64, workspaceID: String, craftItemID: String, devToolInstance: String, devIssueKey: String?, field: String, baseValue: String,
        craftValue: String, devValue: String
    ) {
        self.mappingID = mappingID
        self.workspaceID = workspaceID
        self.craftItemID = craftItemID
        self.devToolInstance = devToolInstance
        self.devIssueKey = devIssueKey
        self.field = field
        self.baseValue = baseValue
        self.craftValue = craftValue
        self.devValue = devValue
    }
}
