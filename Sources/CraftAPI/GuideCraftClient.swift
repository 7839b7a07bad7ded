import Foundation

/// The form in Craft.io's integration guide ("Craft.io ↔ Development Tool sync via Client Service"):
/// `GET /workspace/{id}/items?status=...`, `PUT /workspace/{id}/items/{itemId}` with `customFieldValues`,
/// key in `x-craft-api-key`. The guide shows no paging and no `updated_from`.
struct GuideCraftClient: CraftClient {
    let transport: CraftTransport

    /// The guide does not show the list's envelope: accept `{"items": [...]}` (with the published form's `metadata`
    /// when present) and a bare array.
    private struct ItemList: Decodable {
        var listing: CraftListing
        var totalPages: Double?

        struct Envelope: Decodable {
            struct Metadata: Decodable { var totalPages: Double? }
            var items: LossyItemArray
            var metadata: Metadata?
        }

        init(from decoder: any Decoder) throws {
            if let envelope = try? Envelope(from: decoder) {
                listing = envelope.items.listing
                totalPages = envelope.metadata?.totalPages
            } else {
                listing = try LossyItemArray(from: decoder).listing
            }
        }
    }

    /// Page sizes an API that pages without saying so would likely use: a list of exactly this many may be cut short.
    static let commonPageSizes: Set<Int> = [20, 25, 50, 100, 200, 250, 500, 1000]

    /// The guide shows no paging, but the real endpoint may page: a `Link: <...>; rel="next"` header or the published
    /// form's `metadata.totalPages` is followed; a page exactly a common page size long with neither is flagged.
    /// The guide documents no time filter: every poll lists the whole status.
    var filtersByUpdateTime: Bool { false }

    func listing(workspaceID: String, status: String, updatedFrom: Date?) async throws(CraftError) -> CraftListing {
        var listing = CraftListing(items: [])
        var url = transport.url("workspace/\(workspaceID)/items", query: [("status", status)])
        var page = 1
        while page <= OpenAPICraftClient.maxPages {
            let operation = "Craft.io: list items in '\(status)'" + (page > 1 ? " (page \(page))" : "")
            let (list, headers) = try await transport.getWithHeaders(url, as: ItemList.self, operation: operation)
            listing.items += list.listing.items
            listing.unreadable += list.listing.unreadable
            let count = list.listing.items.count + list.listing.unreadable.count
            if let next = transport.nextLink(headers["link"]), count > 0 {
                url = next
            } else if let totalPages = list.totalPages, page < OpenAPICraftClient.pageCount(totalPages), count > 0 {
                url = transport.url("workspace/\(workspaceID)/items", query: [("status", status), ("page", String(page + 1))])
            } else {
                if headers["link"] == nil && list.totalPages == nil && Self.commonPageSizes.contains(count) {
                    listing.possiblyTruncated = "Craft.io listed exactly \(count) items in '\(status)' with no sign of a next page; if the "
                        + "endpoint pages, items past the first page are not seen. craft.dialect: openapi uses the published, paged form."
                }
                return listing
            }
            page += 1
        }
        return listing
    }

    func item(workspaceID: String, itemID: String) async throws(CraftError) -> CraftItem {
        try await transport.get(
            transport.url("workspace/\(workspaceID)/items/\(itemID)"), as: CraftItem.self, operation: "Craft.io: get item \(itemID)")
    }

    /// The guide shows no way to list custom fields: writes go by name, as text.
    func fieldDefinitions(workspaceID: String) async throws(CraftError) -> [CraftCustomField]? { nil }

    /// The guide has no introspection: one cheap list call proves the key reads the workspace.
    func probeKey(workspaceID: String) async throws(CraftError) -> CraftKeyProbe {
        _ = try await listing(workspaceID: workspaceID, status: "__craft-sync key check__", updatedFrom: nil)
        return CraftKeyProbe(scopes: nil)
    }

    func setField(workspaceID: String, itemID: String, field: String, value: String) async throws(CraftError) {
        struct Update: Encodable {
            struct FieldValue: Encodable {
                var fieldId: String
                var value: String
            }
            var customFieldValues: [FieldValue]
        }
        try await transport.put(
            transport.url("workspace/\(workspaceID)/items/\(itemID)"),
            body: Update(customFieldValues: [.init(fieldId: field, value: value)]),
            operation: "Craft.io: set \(field) of item \(itemID)")
    }
}
