import Foundation
import Support

/// A Craft.io item, as both documented API forms return it (the published OpenAPI document's `Item`).
public struct CraftItem: Sendable, Equatable, Decodable {
    public struct Entity: Sendable, Equatable, Decodable {
        public var id: String?
        public var name: String?
        public init(id: String? = nil, name: String? = nil) {
            self.id = id
            self.name = name
        }
    }

    public struct Parent: Sendable, Equatable, Decodable {
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

        enum CodingKeys: String, CodingKey { case id, name, value, values, label }

        /// Tolerant: ids and values may come as numbers (select options and number fields); anything else of a value
        /// is left out rather than failing the item.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decodeLoose(.id) ?? ""
            name = try? container.decodeIfPresent(String.self, forKey: .name)
            value = try container.decodeLoose(.value)
            values = try? container.decodeIfPresent([String].self, forKey: .values)
            label = try? container.decodeIfPresent(String.self, forKey: .label)
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
    /// `updateTime` as a date (Craft.io's clock); nil when absent or unreadable.
    public var updatedAt: Date? { updateTime.flatMap(Timestamp.parse) }

    public init(id: String, title: String) {
        self.id = id
        self.title = title
    }

    enum CodingKeys: String, CodingKey {
        case id, workspaceId, shortId, type, title, description, status, importance, labels, parent, customFields, devToolKey, webUrl,
            creationTime, updateTime
    }

    /// Decodes what the published `Item` schema allows: `id` may be null (such an item cannot be synced, and is
    /// reported as unreadable), `title` may be missing (an empty title, rendered as "Untitled Craft.io item"), and
    /// every other field may be missing; a field of an unexpected shape is left out instead of failing the item.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let id = try container.decodeLoose(.id), !id.isEmpty else {
            throw DecodingError.dataCorrupted(.init(codingPath: [CodingKeys.id], debugDescription: "the item has no id"))
        }
        self.id = id
        title = (try? container.decodeIfPresent(String.self, forKey: .title)) ?? ""
        workspaceId = try container.decodeLoose(.workspaceId)
        shortId = try container.decodeLoose(.shortId)
        type = try? container.decodeIfPresent(String.self, forKey: .type)
        description = try? container.decodeIfPresent(String.self, forKey: .description)
        status = try? container.decodeIfPresent(Entity.self, forKey: .status)
        importance = try? container.decodeIfPresent(Entity.self, forKey: .importance)
        labels = try? container.decodeIfPresent([String].self, forKey: .labels)
        parent = try? container.decodeIfPresent(Parent.self, forKey: .parent)
        customFields = try? container.decodeIfPresent([CustomFieldValue].self, forKey: .customFields)
        devToolKey = try? container.decodeIfPresent([String: String].self, forKey: .devToolKey)
        webUrl = try? container.decodeIfPresent(String.self, forKey: .webUrl)
        creationTime = try? container.decodeIfPresent(String.self, forKey: .creationTime)
        updateTime = try? container.decodeIfPresent(String.self, forKey: .updateTime)
    }

    /// The value of the custom field with this id or name.
    public func customFieldValue(_ idOrName: String) -> String? {
        customFields?.first { $0.id == idOrName || $0.name == idOrName }?.value
    }

    /// Whether the custom field with this id or name (any case) holds `wanted` (any case): its value, its option's label,
    /// or one of a multi-select's values, however the form gave it.
    public func customField(_ idOrName: String, holds wanted: String) -> Bool {
        func same(_ text: String?) -> Bool { text.map { $0.caseInsensitiveCompare(wanted) == .orderedSame } ?? false }
        guard let field = customFields?.first(where: { $0.id == idOrName || $0.name?.caseInsensitiveCompare(idOrName) == .orderedSame }) else {
            return false
        }
        return same(field.value) || same(field.label) || (field.values ?? []).contains { same($0) }
    }

    /// True when Craft.io's native integration has already linked the item somewhere.
    public var isLinkedByCraft: Bool { devToolKey?.values.contains { !$0.isEmpty } ?? false }
}

/// A custom field definition (openapi form): its id for writes, its kind, and a select field's options.
public struct CraftCustomField: Sendable, Equatable, Decodable {
    public struct Option: Sendable, Equatable, Decodable {
        public var id: String
        public var label: String
        public init(id: String, label: String) {
            self.id = id
            self.label = label
        }
    }

    public var id: String
    public var name: String
    public var type: String
    public var options: [Option]?

    public init(id: String, name: String, type: String, options: [Option]? = nil) {
        self.id = id
        self.name = name
        self.type = type
        self.options = options
    }

    /// `value` as a field of this kind holds it: a number field a number (`5`, `2.5`), a date field a day
    /// (`2026-05-01`, from a day or a time); any other kind as is. Empty clears any kind.
    public func typed(_ value: String) throws(CraftError) -> String {
        guard !value.isEmpty else { return value }
        switch type.lowercased() {
        case "number", "numeric":
            guard let number = Double(value.trimmingCharacters(in: .whitespaces)).flatMap(PlainValue.number) else {
                throw .notOfKind(field: name, value: value, kind: "number")
            }
            return number
        case "date":
            guard let day = PlainValue.day(value) else { throw .notOfKind(field: name, value: value, kind: "date") }
            return day
        default:
            return value
        }
    }

    /// Whether values are chosen from `options` (Craft.io's `select`/`dropdown`/`multi select` kinds).
    public var isSelect: Bool { type.lowercased().contains("select") || type.lowercased().contains("dropdown") || options?.isEmpty == false }

    /// The option `value` names, by id or by label (case-insensitive); nil when it names none.
    public func option(for value: String) -> Option? {
        options?.first { $0.id == value } ?? options?.first { $0.label.caseInsensitiveCompare(value) == .orderedSame }
    }
}

/// An item in a listing that could not be read: its id when one could be found, and why.
public struct UnreadableItem: Sendable, Equatable {
    public var id: String?
    public var reason: String

    public init(id: String?, reason: String) {
        self.id = id
        self.reason = reason
    }
}

/// One poll's items: those read, and those that could not be (which never fail the rest).
public struct CraftListing: Sendable, Equatable {
    public var items: [CraftItem]
    public var unreadable: [UnreadableItem]
    /// Set when the listing may be incomplete: a page came back exactly full with no hint of a next one.
    public var possiblyTruncated: String?

    public init(items: [CraftItem], unreadable: [UnreadableItem] = [], possiblyTruncated: String? = nil) {
        self.items = items
        self.unreadable = unreadable
        self.possiblyTruncated = possiblyTruncated
    }
}

/// A JSON array of items decoded one by one: an element that is not a readable item is kept as its reason.
struct LossyItemArray: Decodable {
    var listing = CraftListing(items: [])

    /// Reads an element loosely, whatever it is, only to find its id; decoding it always succeeds and moves past it.
    private struct Loose: Decodable {
        var id: String?
        init(from decoder: any Decoder) throws {
            id = (try? decoder.container(keyedBy: CraftItem.CodingKeys.self)).flatMap { try? $0.decodeLoose(.id) }
        }
    }

    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        while !container.isAtEnd {
            let index = container.currentIndex
            do {
                listing.items.append(try container.decode(CraftItem.self))
            } catch {
                // A failed decode leaves the element unconsumed; read it loosely to learn its id and move past it.
                if container.currentIndex == index {
                    let loose = try? container.decode(Loose.self)
                    if container.currentIndex == index { break }
                    listing.unreadable.append(UnreadableItem(id: loose?.id, reason: Self.describe(error)))
                } else {
                    listing.unreadable.append(UnreadableItem(id: nil, reason: Self.describe(error)))
                }
            }
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).filter { Int($0) == nil }.joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}

extension KeyedDecodingContainer {
    /// A string, or a number as its decimal text; nil when missing, null or of another shape.
    func decodeLoose(_ key: Key) throws -> String? {
        if let text = try? decodeIfPresent(String.self, forKey: key) { return text }
        if let number = try? decodeIfPresent(Int64.self, forKey: key) { return String(number) }
        if let number = try? decodeIfPresent(Double.self, forKey: key) { return String(number) }
        return nil
    }
}
