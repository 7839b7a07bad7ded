/// How a Craft.io item becomes a dev-tool issue. Configuration, not code: every rule here is a setting, and the
/// defaults work out of the box.
public struct FieldMapping: Sendable, Equatable {
    /// Where a Craft value lands in the issue.
    public enum Target: String, Sendable, CaseIterable {
        /// Jira's issue type / priority field (GitHub has neither, so the value becomes a label there).
        case field
        case label
    }

    /// `{title}`, `{shortId}` and `{id}` are replaced by the item's.
    public var titleTemplate = "{title}"
    /// Append "Craft.io item: <link>" to the description.
    public var linkBack = true
    /// Craft type → issue type (or label). Types not listed pass through unchanged.
    public var types: [String: String] = ["Feature": "Story", "Epic": "Epic", "Story": "Story", "Bug": "Bug", "Task": "Task"]
    public var typeTarget = Target.field
    /// Craft importance → priority (or label). Importances not listed are left out.
    public var importance: [String: String] = ["Critical": "Highest", "High": "High", "Medium": "Medium", "Low": "Low"]
    public var importanceTarget = Target.field
    /// Labels added to every issue.
    public var labels: [String] = ["craft"]
    /// Copy the item's own Craft labels too.
    public var copyCraftLabels = true

    public init() {}
}
