import Foundation
import Synchronization

/// The form in Craft.io's published OpenAPI document: `x-api-key`, `GET /workspace/{id}/items` paged with
/// `page`/`limit` and `metadata.totalPages`, `updated_from`, `GET /item/{id}`, and `PUT /item` whose
/// `customFields` name fields by id (long numbers), resolved here from `GET /workspace/{id}/custom_fields`.
final class OpenAPICraftClient: CraftClient {
    let transport: CraftTransport
    let pageSize = 50
    /// Field definitions by name and by id, per workspace; custom fields change rarely, and a miss refreshes them.
    private let fields = Mutex<[String: [String: CraftCustomField]]>([:])

    init(transport: CraftTransport) {
        self.transport = transport
    }

    private struct Page: Decodable {
        struct Metadata: Decodable {
            var currentPage: Double
            var totalPages: Double
        }
        var items: LossyItemArray
        var metadata: Metadata?
    }

    /// `updated_from` on the items list (the published OpenAPI document).
    var filtersByUpdateTime: Bool { true }

    func listing(workspaceID: String, status: String, updatedFrom: Date?) async throws(CraftError) -> CraftListing {
        var listing = CraftListing(items: [])
        var page = 1
        while true {
            var query = [("status", status), ("page", String(page)), ("limit", String(pageSize)), ("fields", Self.fieldsUsed)]
            if let updatedFrom { query.append(("updated_from", updatedFrom.formatted(.iso8601))) }
            let result = try await transport.get(
                transport.url("workspace/\(workspaceID)/items", query: query), as: Page.self,
                operation: "Craft.io: list items in '\(status)' (page \(page))")
            listing.items += result.items.listing.items
            listing.unreadable += result.items.listing.unreadable
            let totalPages = Self.pageCount(result.metadata?.totalPages)
            // Stop on the last page, and on an empty page whatever the metadata claims.
            if page >= totalPages || (result.items.listing.items.isEmpty && result.items.listing.unreadable.isEmpty) { return listing }
            page += 1
        }
    }

    /// The item fields craft-sync reads, asked for by name (the list's `fields` parameter) so a workspace with many
    /// custom attributes is not sent them all.
    static let fieldsUsed = "id,workspaceId,shortId,type,title,description,status,importance,labels,parent,customFields,devToolKey,webUrl,creationTime,updateTime"

    /// The most pages one listing follows. `totalPages` comes from the server as a JSON number: `Int(1e300)` would
    /// trap, and a huge count would loop for ever on a server that keeps answering.
    static let maxPages = 10_000

    static func pageCount(_ reported: Double?) -> Int {
        guard let reported, reported.isFinite, reported >= 1 else { return 1 }
        return Int(min(reported.rounded(.up), Double(maxPages)))
    }

    /// `GET /me/api-key`: the key's granted scopes.
    func probeKey(workspaceID: String) async throws(CraftError) -> CraftKeyProbe {
        struct Introspection: Decodable {
            struct ResourceScope: Decodable { var workspaces: [String]? }
            var scopes: [String]?
            var resourceScope: ResourceScope?
        }
        let result = try await transport.get(transport.url("me/api-key"), as: Introspection.self, operation: "Craft.io: check the API key")
        return CraftKeyProbe(scopes: result.scopes ?? [], workspaces: result.resourceScope?.workspaces)
    }

    func item(workspaceID: String, itemID: String) async throws(CraftError) -> CraftItem {
        try await transport.get(transport.url("item/\(itemID)"), as: CraftItem.self, operation: "Craft.io: get item \(itemID)")
    }

    func setField(workspaceID: String, itemID: String, field: String, value: String) async throws(CraftError) {
        struct Update: Encodable {
            var id: String
            var customFields: [CraftItem.CustomFieldValue]
        }
        // Typed by the field: a select field is written by its option (matched by id or label), anything else as text.
        var fieldValue: CraftItem.CustomFieldValue
        if let definition = try await definition(of: field, workspaceID: workspaceID) {
            fieldValue = .init(id: definition.id, value: try definition.typed(value))
            if definition.isSelect {
                guard let option = definition.option(for: value) else {
                    throw .notAnOption(field: definition.name, value: value, options: (definition.options ?? []).map(\.label))
                }
                fieldValue.value = option.id
                fieldValue.label = option.label
            }
        } else {
            fieldValue = .init(id: field, value: value)  // a numeric id not in the list: written as given
        }
        try await transport.put(
            transport.url("item"), body: Update(id: itemID, customFields: [fieldValue]),
            operation: "Craft.io: set \(field) of item \(itemID)")
    }

    func customFields(workspaceID: String) async throws(CraftError) -> [CraftCustomField] {
        try await transport.get(
            transport.url("workspace/\(workspaceID)/custom_fields", query: [("includeOptions", "true")]),
            as: [CraftCustomField].self, operation: "Craft.io: list custom fields")
    }

    func fieldDefinitions(workspaceID: String) async throws(CraftError) -> [CraftCustomField]? {
        let list = try await customFields(workspaceID: workspaceID)
        var byKey: [String: CraftCustomField] = [:]
        for field in list {
            byKey[field.id] = field
            if byKey[field.name] == nil { byKey[field.name] = field }
        }
        fields.withLock { $0[workspaceID] = byKey }
        return list
    }

    /// A field by name or id (the cache refreshed on a miss). A numeric id the list does not know is nil: written as
    /// given; an unknown name is an error that lists the known ones.
    private func definition(of field: String, workspaceID: String) async throws(CraftError) -> CraftCustomField? {
        if let cached = fields.withLock({ $0[workspaceID]?[field] }) { return cached }
        let list = try await fieldDefinitions(workspaceID: workspaceID) ?? []
        if let found = fields.withLock({ $0[workspaceID]?[field] }) { return found }
        if field.allSatisfy(\.isNumber) { return nil }
        throw .unknownCustomField(name: field, known: list.map(\.name))
    }
}
