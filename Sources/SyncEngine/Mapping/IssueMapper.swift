import CraftAPI
import DevTools

/// Applies a `FieldMapping` to a Craft item for one dev tool.
public struct IssueMapper: Sendable {
    public let mapping: FieldMapping

    public init(mapping: FieldMapping) {
        self.mapping = mapping
    }

    public func newIssue(from item: CraftItem, for tool: any DevTool) -> NewIssue {
        var labels = mapping.labels
        if mapping.copyCraftLabels { labels += item.labels ?? [] }

        // A tool without an issue type or priority field (GitHub) gets the value as a label.
        let capabilities = tool.capabilities
        var issueType: String?
        if let type = item.type, !type.isEmpty {
            let mapped = mapping.types[type] ?? type
            if mapping.typeTarget == .field && capabilities.issueTypeField { issueType = mapped } else { labels.append("type:\(mapped.lowercased())") }
        }
        var priority: String?
        if let name = item.importance?.name, let mapped = mapping.importance[name] {
            if mapping.importanceTarget == .field && capabilities.priorityField { priority = mapped } else { labels.append("priority:\(mapped.lowercased())") }
        }

        var description = PlainText.from(html: item.description ?? "")
        if mapping.linkBack, let url = item.webUrl {
            description += (description.isEmpty ? "" : "\n\n") + "Craft.io item \(item.shortId ?? item.id): \(url)"
        }
        return NewIssue(
            title: title(for: item), description: description, labels: labels.filter { !$0.isEmpty }, issueType: issueType,
            priority: priority, marker: tool.marker(for: item.id), sourceURL: mapping.linkBack ? item.webUrl : nil)
    }

    func title(for item: CraftItem) -> String {
        mapping.titleTemplate
            // The published schema lets an item come without a title; the issue still needs one.
            .replacingOccurrences(of: "{title}", with: item.title.isEmpty ? "Untitled Craft.io item \(item.shortId ?? item.id)" : item.title)
            .replacingOccurrences(of: "{shortId}", with: item.shortId ?? item.id)
            .replacingOccurrences(of: "{id}", with: item.id)
    }
}
