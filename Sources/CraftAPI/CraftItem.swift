import Foundation

/// A Craft.io item, as both documented API forms return it (the published OpenAPI document's `Item`).
public struct CraftItem: Sendable, Equatable, Codable {
    public struct Entity: Sendable, Equatable, Codable {
        public var id: String?
        public var name: String?
        public init(id: String? = nil, name: String? = nil) {
            self.id = id
            self.name = name
        }
    }

    public struct Parent: Sendable, Equatable, Codable {
        public var id: String?
        public var title: String?
        public var shortId: String?
        public var webUrl: String?
    }

    public struct CustomFieldValue: Sendable, Equatable, Codable {
        public var id: String
        public var name: String?
        public var value: String?
        public var values: [String]?
        public var label: String?
        public init(id: String, name: String? = nil, value: String? = nil) {
            self.id = id
            self.name = name
            self.value = value
        }
    }

    public var id: String
    public var workspaceId: String?
    public var shortId: String?
    public var type: String?
    public var title: String
    public var description: String?
    public var status: Entity?
    public var importance: Entity?
    public var labels: [String]?
    public var parent: Parent?
    public var customFields: [CustomFieldValue]?
    /// Set when Craft.io's own integration already linked the item to a dev tool (`{"jira": "ACME-1"}`).
    public var devToolKey: [String: String]?
    public var webUrl: String?
    public var creationTime: String?
    public var updateTime: String?

    public init(id: String, title: String) {
        self.id = id
        self.title = title
    }

    /// The value of the custom field with this id or name.
    public func customFieldValue(_ idOrName: String) -> String? {
        customFields?.first { $0.id == idOrName || $0.name == idOrName }?.value
    }

    /// True when Craft.io's native integration has already linked the item somewhere.
    public var isLinkedByCraft: Bool { devToolKey?.values.contains { !$0.isEmpty } ?? false }
}

/// A custom field definition (openapi form), used to turn a configured field name into its id.
public struct CraftCustomField: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var type: String

    public init(id: String, name: String, type: String) {
        self.id = id
        self.name = name
        self.type = type
    }
}
