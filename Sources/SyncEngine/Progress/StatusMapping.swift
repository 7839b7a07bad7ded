import DevTools

/// Which Craft.io value a dev-tool status becomes. Configuration, not code; the defaults work out of the box:
/// GitHub `open` → To Do, closed as completed → Done, closed as not planned → Won't Do; Jira by status name when
/// listed, else by status category (new → To Do, indeterminate → In Progress, done → Done).
public struct StatusMapping: Sendable, Equatable {
    /// Status name, or `name:detail` (GitHub `closed:not_planned`), to the Craft value. Checked first.
    public var byName: [String: String] = [
        "open": "To Do", "closed": "Done", "closed:completed": "Done", "closed:not_planned": "Won't Do",
    ]
    /// Jira status category to the Craft value, for statuses not named above.
    public var byCategory: [String: String] = ["new": "To Do", "indeterminate": "In Progress", "done": "Done"]

    public init() {}

    /// Every value this mapping can write to Craft.io.
    public var craftValues: Set<String> { Set(byName.values).union(byCategory.values) }

    public func craftValue(for status: DevIssueStatus) -> String? {
        if let detail = status.detail, let value = byName["\(status.name):\(detail)"] { return value }
        if let value = byName[status.name] { return value }
        return status.detail.flatMap { byCategory[$0] }
    }
}
