/// An item as the Craft.io simulator stores and serves it, with the published document's `Item` field names.
/// Written apart from the client's `CraftItem` on purpose: a wire-name mistake shared by both sides would pass every
/// test, while two independent spellings (and `CraftShapeTests` against the document) catch it.
public struct SimulatedCraftItem: Sendable, Equatable, Codable {
    public struct Entity: Sendable, Equatable, Codable {
        public var id: String
        public var name: String
    }

    /// A custom field's value on an item; a select field's value is the option id, with its label beside it.
    public struct FieldValue: Sendable, Equatable, Codable {
        public var id: String
        public var name: String
        public var value: String
        public var label: String?
    }

    public var id: String
    public var workspaceId: String
    public var shortId: String
    public var type: String
    public var title: String
    public var description: String?
    public var status: Entity
    public var importance: Entity?
    public var labels: [String]
    public var customFields: [FieldValue]
    public var devToolKey: [String: String]?
    public var webUrl: String
    public var creationTime: String
    public var updateTime: String
    /// The item above this one (an epic above its stories), as the published document's `EntityParent`.
    public var parent: Parent?

    public struct Parent: Sendable, Equatable, Codable {
        public var id: String
        public var title: String
        public var shortId: String
        public var webUrl: String
    }

    /// The value of the custom field with this id or name.
    public func customFieldValue(_ idOrName: String) -> String? {
        customFields.first { $0.id == idOrName || $0.name == idOrName }?.value
    }
}

/// A custom field definition as `GET /custom-fields` serves it: a select field carries its options.
struct SimulatedFieldDefinition: Sendable, Encodable {
    struct Option: Sendable, Encodable {
        var id: String
        var label: String
    }

    var id: String
    var name: String
    var type: String
    var options: [Option]?

    /// The option `value` names: by id only in the OpenAPI form (its writes carry option ids); by id or label
    /// (case-insensitive) in the guide's.
    func option(for value: String, byLabel: Bool) -> Option? {
        options?.first { $0.id == value } ?? (byLabel ? options?.first { $0.label.caseInsensitiveCompare(value) == .orderedSame } : nil)
    }
}
