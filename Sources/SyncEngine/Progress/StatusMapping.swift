import DevTools

/// Which Craft.io value a dev-tool status becomes. Configuration, not code; the defaults work out of the box: each
/// adapter brings its tool's status names (`DevTool.defaultStatusNames`: GitHub `open` → To Do, closed as completed →
/// Done, closed as not planned → Won't Do), and statuses with a category (Jira's) map by it (new → To Do,
/// indeterminate → In Progress, done → Done).
public struct StatusMapping: Sendable, Equatable {
    /// Configured status names, or `name:detail` (GitHub `closed:not_planned`), to the Craft value. Checked first,
    /// before the tool's defaults.
    public var byName: [String: String] = [:]
    /// Jira status category to the Craft value, for statuses not named above.
    public var byCategory: [String: String] = ["new": "To Do", "indeterminate": "In Progress", "done": "Done"]

    public init() {}

    /// Every value this mapping can write to Craft.io for a tool with these defaults.
    public func craftValues(toolDefaults: [String: String] = [:]) -> Set<String> {
        Set(byName.values).union(byCategory.values).union(toolDefaults.values)
    }

    /// The Craft value for `status` of a tool whose own status names map by `toolDefaults`.
    public func craftValue(for status: DevIssueStatus, toolDefaults: [String: String] = [:]) -> String? {
        for names in [byName, toolDefaults] {
            if let detail = status.detail, let value = names["\(status.name):\(detail)"] { return value }
            if let value = names[status.name] { return value }
        }
        return status.detail.flatMap { byCategory[$0] }
    }

    /// The same for `tool`.
    public func craftValue(for status: DevIssueStatus, of tool: any DevTool) -> String? {
        craftValue(for: status, toolDefaults: tool.defaultStatusNames)
    }
}
