import DevTools

/// Which Craft.io value a dev-tool status becomes. Configuration, not code; the defaults work out of the box: each
/// adapter brings its tool's status names (`DevTool.defaultStatusNames`: GitHub `open` → To Do, closed as completed →
/// Done, closed as not planned → Won't Do) and, where statuses carry a category (Jira's status category, Linear's
/// state type), its categories (`DevTool.defaultStatusCategories`: Jira new → To Do, indeterminate → In Progress).
public struct StatusMapping: Sendable, Equatable {
    /// Configured status names, or `name:detail` (GitHub `closed:not_planned`), to the Craft value. Checked first,
    /// before the tool's defaults.
    public var byName: [String: String] = [:]
    /// Status category (the status's `detail`) to the Craft value, for statuses not named above. Checked before the
    /// tool's default categories.
    public var byCategory: [String: String] = [:]
    /// Labels that say where an open issue is (`status: blocked` → Blocked), in order: the first whose label the issue
    /// carries wins over its status. Open issues only: a closed one is done, whatever its labels.
    public var byLabel: [LabelRule] = []

    public struct LabelRule: Sendable, Equatable {
        public var label: String
        public var value: String
        public init(label: String, value: String) {
            self.label = label
            self.value = value
        }
    }

    public init() {}

    /// Every value this mapping can write to Craft.io for a tool with these defaults.
    public func craftValues(toolDefaults: [String: String] = [:], toolCategories: [String: String] = [:]) -> Set<String> {
        Set(byName.values).union(byCategory.values).union(byLabel.map(\.value)).union(toolDefaults.values).union(toolCategories.values)
    }

    /// The same for `tool`.
    public func craftValues(of tool: any DevTool) -> Set<String> {
        craftValues(toolDefaults: tool.defaultStatusNames, toolCategories: tool.defaultStatusCategories)
    }

    /// The Craft value for `status` of a tool whose own statuses map by `toolDefaults` (names) and `toolCategories`,
    /// and whose open statuses (the ones label rules apply to) are `openStates`.
    public func craftValue(
        for status: DevIssueStatus, toolDefaults: [String: String] = [:], toolCategories: [String: String] = [:], openStates: Set<String> = []
    ) -> String? {
        if openStates.contains(status.name),
            let rule = byLabel.first(where: { rule in status.labels.contains { $0.caseInsensitiveCompare(rule.label) == .orderedSame } })
        {
            return rule.value
        }
        for names in [byName, toolDefaults] {
            if let detail = status.detail, let value = names["\(status.name):\(detail)"] { return value }
            if let value = names[status.name] { return value }
        }
        return status.detail.flatMap { byCategory[$0] ?? toolCategories[$0] }
    }

    /// The same for `tool`.
    public func craftValue(for status: DevIssueStatus, of tool: any DevTool) -> String? {
        craftValue(for: status, toolDefaults: tool.defaultStatusNames, toolCategories: tool.defaultStatusCategories, openStates: tool.openStatusNames)
    }
}
