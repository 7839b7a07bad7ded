import Foundation

/// The form in Craft.io's integration guide ("Craft.io ↔ Development Tool sync via Client Service"):
/// `GET /workspace/{id}/items?status=...`, `PUT /workspace/{id}/items/{itemId}` with `customFieldValues`,
/// key in `x-craft-api-key`. The guide shows no paging and no `updated_from`.
struct GuideCraftClient: CraftClient {
    let transport: CraftTransport

    /// The guide does not show the list's envelope: accept `{"items": [...]}` and a bare array.
    private struct ItemList: Decodable {
        var listing: CraftListing

        struct Envelope: Decodable { var items: LossyItemArray }

        init(from decoder: any Decoder) throws {
            if let envelope = try? Envelope(from: decoder) {
                listing = envelope.items.listing
            } else {
                listing = try LossyItemArray(from: decoder).listing
            }
        }
    }

    func listing(workspaceID: String, status: String, updatedFrom: Date?) async throws(CraftError) -> CraftListing {
        let url = transport.url("workspace/\(workspaceID)/items", query: [("status", status)])
        return try await transport.get(url, as: ItemList.self, operation: "Craft.io: list items in '\(status)'").listing
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
