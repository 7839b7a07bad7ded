import Foundation
import OutboundHTTP

/// What craft-sync needs from Craft.io. Two implementations speak the two documented forms of the API.
public protocol CraftClient: Sendable {
    /// Items in `status` (by name), each read on its own: one that cannot be read is listed as unreadable and the
    /// rest are returned. `updatedFrom` narrows to recent changes where the form supports it.
    func listing(workspaceID: String, status: String, updatedFrom: Date?) async throws(CraftError) -> CraftListing
    /// Whether `updatedFrom` narrows the listing (the published form's `updated_from`); the guide's form lists all.
    var filtersByUpdateTime: Bool { get }
    func item(workspaceID: String, itemID: String) async throws(CraftError) -> CraftItem
    /// Sets a custom field (the progress field, or the link back to the dev issue) to `value`.
    func setField(workspaceID: String, itemID: String, field: String, value: String) async throws(CraftError)
    /// Checks the key before any real work: what it may do, where the form can tell.
    func probeKey(workspaceID: String) async throws(CraftError) -> CraftKeyProbe
    /// The workspace's custom fields with their kinds and options; nil where the form cannot list them.
    func fieldDefinitions(workspaceID: String) async throws(CraftError) -> [CraftCustomField]?
}

/// What a key check found. `scopes` is nil where the form cannot tell (the guide's form only proves the key reads).
public struct CraftKeyProbe: Sendable, Equatable {
    /// The scopes craft-sync needs: reading items, and writing their custom fields.
    public static let requiredScopes = ["read:items:craft", "write:items:craft"]

    public var scopes: [String]?
    /// The workspaces the key is narrowed to (`resourceScope.workspaces`); nil when it is not narrowed.
    public var workspaces: [String]?

    public init(scopes: [String]?, workspaces: [String]? = nil) {
        self.scopes = scopes
        self.workspaces = workspaces
    }

    /// Whether the key may reach `workspaceID`.
    public func allows(workspaceID: String) -> Bool { workspaces?.contains(workspaceID) ?? true }

    /// Required scopes the key lacks (empty when it has them all, or when the form cannot tell).
    public var missingScopes: [String] {
        guard let scopes else { return [] }
        return Self.requiredScopes.filter { !scopes.contains($0) }
    }
}

extension CraftClient {
    /// The readable items of `listing`.
    public func items(workspaceID: String, status: String, updatedFrom: Date?) async throws(CraftError) -> [CraftItem] {
        try await listing(workspaceID: workspaceID, status: status, updatedFrom: updatedFrom).items
    }
}

/// Which documented form of the API a deployment speaks.
public enum CraftDialect: String, Sendable, CaseIterable {
    /// Craft.io's integration guide: `x-craft-api-key`, `PUT /workspace/{id}/items/{itemId}` with `customFieldValues`.
    case guide
    /// The published OpenAPI document: `x-api-key`, paged lists, `PUT /item` with `customFields` by id.
    case openapi
}

public enum CraftClients {
    public static func make(dialect: CraftDialect, baseURL: URL, apiKey: String, http: any HTTPClient) -> any CraftClient {
        let transport = CraftTransport(baseURL: baseURL, apiKey: apiKey, dialect: dialect, http: http)
        switch dialect {
        case .guide: return GuideCraftClient(transport: transport)
        case .openapi: return OpenAPICraftClient(transport: transport)
        }
    }
}
