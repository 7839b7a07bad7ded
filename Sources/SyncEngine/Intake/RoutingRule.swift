import CraftAPI

/// Where an item goes, by ordered rules over its type, labels, importance and custom fields: the first rule that matches names the
/// dev-tool instance (and, optionally, the issue type); an item no rule matches goes to its workspace's tool. An item
/// already synced is not moved when a rule changes.
public struct RoutingRule: Sendable, Equatable {
    /// Conditions, all of which must hold (case-insensitive); a rule with none matches every item.
    public var type: String?
    public var label: String?
    public var importance: String?
    /// Custom field values the item must have, by the field's name or id (`Platform: iOS`).
    public var fields: [FieldCondition]
    /// The dev-tool instance the item goes to.
    public var instance: String
    /// The issue type to create it as, instead of the mapped one.
    public var issueType: String?

    public struct FieldCondition: Sendable, Equatable {
        public var field: String
        public var value: String
        public init(field: String, value: String) {
            self.field = field
            self.value = value
        }
    }

    public init(
        type: String? = nil, label: String? = nil, importance: String? = nil, fields: [FieldCondition] = [], instance: String, issueType: String? = nil
    ) {
        self.type = type
        self.label = label
        self.importance = importance
        self.fields = fields
        self.instance = instance
        self.issueType = issueType
    }

    func matches(_ item: CraftItem) -> Bool {
        func same(_ a: String?, _ b: String) -> Bool { a.map { $0.caseInsensitiveCompare(b) == .orderedSame } ?? false }
        if let type, !same(item.type, type) { return false }
        if let importance, !same(item.importance?.name, importance) { return false }
        if let label, !(item.labels ?? []).contains(where: { same($0, label) }) { return false }
        return fields.allSatisfy { item.customField($0.field, holds: $0.value) }
    }

    /// Why it matched, for people: `type = Bug, label = mobile`.
    public var reason: String {
        let conditions = [("type", type), ("label", label), ("importance", importance)].compactMap { name, value in value.map { "\(name) = \($0)" } }
            + fields.map { "\($0.field) = \($0.value)" }
        return conditions.isEmpty ? "every item" : conditions.joined(separator: ", ")
    }
}
