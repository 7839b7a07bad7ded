import Foundation
import Support
import HTTPServer
import Synchronization

/// A fake Craft.io serving both documented API forms over one item store. A request's key header says which
/// form it speaks: `x-craft-api-key` (integration guide) or `x-api-key` (OpenAPI document).
public final class CraftSimulator: Sendable {
    public let apiKey: String
    let faults: FaultInjector
    let calls: CallCounter
    private let state = Mutex(State())
    /// Listings in the awkward but valid shapes the published `Item` schema allows: an item with a null id, an
    /// element that is not an item at all, and no `title` key for an item whose title is empty.
    private let awkward = Mutex(false)

    public func setAwkwardShapes(_ on: Bool) { awkward.withLock { $0 = on } }

    /// How the guide's list pages, if at all: the guide shows none, the real endpoint might.
    public enum GuidePaging: Sendable, Equatable {
        case none
        /// `{"items": [...], "metadata": {...}}`, pages by `page`.
        case metadata(pageSize: Int)
        /// A bare array and `Link: <...>; rel="next"` while more remain.
        case link(pageSize: Int)
        /// Only the first `pageSize` items, with no hint that more exist.
        case silent(pageSize: Int)
    }

    private let guidePaging = Mutex(GuidePaging.none)

    public func setGuidePaging(_ paging: GuidePaging) { guidePaging.withLock { $0 = paging } }

    /// The scopes `GET /me/api-key` reports for the key.
    private let scopes = Mutex(["read:items:craft", "write:items:craft", "read:workspace-meta:craft"])

    public func setScopes(_ granted: [String]) { scopes.withLock { $0 = granted } }

    /// The workspaces the key is narrowed to (`resourceScope.workspaces`); nil for none.
    private let keyWorkspaces = Mutex<[String]?>(nil)

    public func setKeyWorkspaces(_ workspaces: [String]?) { keyWorkspaces.withLock { $0 = workspaces } }

    /// Turns a custom field into a select field with these option labels (ids `opt-1`, `opt-2`, ...). A write must then
    /// name an option: by id in the published form (by id or label in the guide's); anything else is refused with
    /// 400 and the document's `{"message", "details"}`.
    public func makeSelect(field name: String, options labels: [String]) {
        state.withLock { state in
            guard let index = state.customFields.firstIndex(where: { $0.name == name }) else { return }
            state.customFields[index].type = "select"
            state.customFields[index].options = labels.enumerated().map { .init(id: "opt-\($0.offset + 1)", label: $0.element) }
        }
    }

    /// Adds a text custom field to the workspace's definitions (id `field-<name>`), such as one routing rules read.
    public func addTextField(named name: String) { addField(named: name, type: "text") }

    /// Adds a custom field of kind `type` (`text`, `number`, `date`; `makeSelect` turns one into a select).
    public func addField(named name: String, type: String) {
        state.withLock { state in
            guard !state.customFields.contains(where: { $0.name == name }) else { return }
            state.customFields.append(SimulatedFieldDefinition(id: "field-\(name)", name: name, type: type))
        }
    }

    /// A refused write, in the shape the document gives `PUT /item`'s 400 (`ValidateErrorJSON`).
    struct ValidationFailure: Error {
        var field: String
        var detail: String
        var response: HTTPResponse {
            struct Body: Encodable { var message: String; var details: [String: String] }
            return (try? HTTPResponse.json(Body(message: "Validation failed", details: [field: detail]), status: .badRequest))
                ?? HTTPResponse(status: .badRequest)
        }
    }

    struct State {
        var items: [SimulatedCraftItem] = []
        /// Positions in `items` by id and by workspace (items are never removed), so a simulator holding 100,000
        /// items answers a read or a workspace's listing as fast as one holding ten (the scale benchmark).
        var positions: [String: Int] = [:]
        var byWorkspace: [String: [Int]] = [:]
        var nextID = 1001
        var customFields: [SimulatedFieldDefinition] = [
            SimulatedFieldDefinition(id: "2305843010172190992", name: "dev_status", type: "text"),
            SimulatedFieldDefinition(id: "2305843010172190993", name: "dev_link", type: "text"),
            SimulatedFieldDefinition(id: "2305843010172190994", name: "dev_rollup", type: "text"),
        ]
        var updates: [Update] = []
    }

    /// A recorded PUT: which item, which field, which value, through which form.
    public struct Update: Sendable, Codable, Equatable {
        public var itemId: String
        public var fieldId: String
        public var value: String
        public var dialect: String
    }

    public init(apiKey: String, faults: FaultInjector, calls: CallCounter) {
        self.apiKey = apiKey
        self.faults = faults
        self.calls = calls
    }

    /// What a test or `/_sim/craft/items` seeds.
    public struct Seed: Sendable, Codable {
        public var workspaceId: String
        public var title: String
        public var status: String
        public var description: String?
        public var type: String?
        public var importance: String?
        public var labels: [String]?
        public var devToolKey: [String: String]?
        /// The id of the item above this one (a story's epic).
        public var parentId: String?

        public init(workspaceId: String, title: String, status: String, description: String? = nil, type: String? = nil,
                    importance: String? = nil, labels: [String]? = nil, devToolKey: [String: String]? = nil, parentId: String? = nil) {
            self.parentId = parentId
            self.workspaceId = workspaceId
            self.title = title
            self.status = status
            self.description = description
            self.type = type
            self.importance = importance
            self.labels = labels
            self.devToolKey = devToolKey
        }
    }

    @discardableResult
    public func seed(_ seed: Seed, now: Date = .now) -> SimulatedCraftItem {
        state.withLock { state in
            let id = String(state.nextID)
            state.nextID += 1
            let item = SimulatedCraftItem(
                id: id, workspaceId: seed.workspaceId, shortId: "CR-\(id)", type: seed.type ?? "Story", title: seed.title,
                description: seed.description,
                status: .init(id: "status-\(seed.status.lowercased().replacingOccurrences(of: " ", with: "-"))", name: seed.status),
                importance: seed.importance.map { .init(id: "importance-\($0.lowercased())", name: $0) }, labels: seed.labels ?? [],
                customFields: [], devToolKey: seed.devToolKey, webUrl: "https://app.craft.io/item/\(id)",
                creationTime: now.formatted(.iso8601), updateTime: now.formatted(.iso8601),
                parent: seed.parentId.flatMap { state.positions[$0] }.map { position in
                    let parent = state.items[position]
                    return .init(id: parent.id, title: parent.title, shortId: parent.shortId, webUrl: parent.webUrl)
                })
            state.positions[item.id] = state.items.count
            state.byWorkspace[item.workspaceId, default: []].append(state.items.count)
            state.items.append(item)
            return item
        }
    }

    public var items: [SimulatedCraftItem] { state.withLock { $0.items } }
    public var updates: [Update] { state.withLock { $0.updates } }

    /// Edits an item's title (a product manager at work after the sync).
    public func rename(itemID: String, title: String, now: Date = .now) {
        state.withLock { state in
            guard let index = state.positions[itemID] else { return }
            state.items[index].title = title
            state.items[index].updateTime = now.formatted(.iso8601)
        }
    }

    /// Replaces an item's description (HTML, as Craft.io keeps it).
    public func setDescription(itemID: String, description: String, now: Date = .now) {
        state.withLock { state in
            guard let index = state.positions[itemID] else { return }
            state.items[index].description = description
            state.items[index].updateTime = now.formatted(.iso8601)
        }
    }

    /// Replaces an item's labels (a product manager at work after the sync).
    public func setLabels(itemID: String, labels: [String], now: Date = .now) {
        state.withLock { state in
            guard let index = state.positions[itemID] else { return }
            state.items[index].labels = labels
            state.items[index].updateTime = now.formatted(.iso8601)
        }
    }

    /// Moves an item to another status (a product manager at work).
    public func setStatus(itemID: String, status: String, now: Date = .now) {
        state.withLock { state in
            guard let index = state.positions[itemID] else { return }
            state.items[index].status = .init(id: "status-\(status.lowercased())", name: status)
            state.items[index].updateTime = now.formatted(.iso8601)
        }
    }

    func register(in router: inout Router) {
        router.get("/workspace/:workspace/items") { [self] request in
            try await serve(request, endpoint: "GET /workspace/:id/items") { dialect in
                try listItems(request, dialect: dialect)
            }
        }
        router.get("/workspace/:workspace/items/:item") { [self] request in
            try await serve(request, endpoint: "GET /workspace/:id/items/:item", only: .guide) { _ in
                try .json(try item(request.parameters["item"] ?? "", workspace: request.parameters["workspace"]))
            }
        }
        router.add(.put, "/workspace/:workspace/items/:item") { [self] request in
            try await serve(request, endpoint: "PUT /workspace/:id/items/:item", only: .guide) { _ in
                struct Body: Decodable {
                    struct Value: Decodable { var fieldId: String; var value: String }
                    var customFieldValues: [Value]
                }
                let body = try request.decodeJSON(Body.self)
                let itemID = request.parameters["item"] ?? ""
                for value in body.customFieldValues {
                    try update(itemID: itemID, field: value.fieldId, value: value.value, dialect: .guide)
                }
                return try .json(try item(itemID, workspace: request.parameters["workspace"]))
            }
        }
        router.get("/item/:item") { [self] request in
            try await serve(request, endpoint: "GET /item/:id", only: .openapi) { _ in
                try .json(try item(request.parameters["item"] ?? "", workspace: nil))
            }
        }
        router.add(.put, "/item") { [self] request in
            try await serve(request, endpoint: "PUT /item", only: .openapi) { _ in
                struct Body: Decodable {
                    var id: String
                    struct FieldWrite: Decodable { var id: String; var value: String? }
                    var customFields: [FieldWrite]?
                }
                let body = try request.decodeJSON(Body.self)
                for field in body.customFields ?? [] {
                    try update(itemID: body.id, field: field.id, value: field.value ?? "", dialect: .openapi)
                }
                return try .json(try item(body.id, workspace: nil))
            }
        }
        router.get("/me/api-key") { [self] request in
            try await serve(request, endpoint: "GET /me/api-key", only: .openapi) { _ in
                // The document's ApiKeyIntrospection: every key required; a null dimension means "every instance".
                struct ResourceScope: Encodable {
                    var feedback_portals: [String]?
                    var portfolios: [String]?
                    var workspaces: [String]?
                    func encode(to encoder: any Encoder) throws {
                        var container = encoder.container(keyedBy: CodingKeys.self)
                        try container.encode(feedback_portals, forKey: .feedback_portals)
                        try container.encode(portfolios, forKey: .portfolios)
                        try container.encode(workspaces, forKey: .workspaces)
                    }
                    enum CodingKeys: CodingKey { case feedback_portals, portfolios, workspaces }
                }
                struct Introspection: Encodable {
                    var userId: String
                    var accountId: String
                    var scopes: [String]
                    var resourceScope: ResourceScope
                    var mcpAccess: Bool
                }
                let granted = scopes.withLock { $0 }
                let workspaces = keyWorkspaces.withLock { $0 }
                return try .json(Introspection(
                    userId: "sim-user", accountId: "sim-account", scopes: granted, resourceScope: .init(workspaces: workspaces), mcpAccess: false))
            }
        }
        router.get("/workspace/:workspace/custom_fields") { [self] request in
            try await serve(request, endpoint: "GET /workspace/:id/custom_fields", only: .openapi) { _ in
                try .json(state.withLock { $0.customFields })
            }
        }
    }

    /// Which documented form a request speaks, told by its key header: the guide's `x-craft-api-key` or the
    /// published document's `x-api-key`.
    enum APIForm: String {
        case guide, openapi
    }

    /// Checks the key for the form the request speaks, applies faults and counts the call.
    private func serve(
        _ request: HTTPRequest, endpoint: String, only: APIForm? = nil,
        _ body: (APIForm) async throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        calls.record("craft " + endpoint)
        let dialect: APIForm
        if let key = request.headers["x-craft-api-key"] {
            guard key == apiKey else { return messageResponse(.unauthorized, "Invalid API key") }
            dialect = .guide
        } else if let key = request.headers["x-api-key"] {
            guard key == apiKey else { return messageResponse(.unauthorized, "Invalid API key") }
            dialect = .openapi
        } else {
            return messageResponse(.unauthorized, "Missing API key")
        }
        if let only, only != dialect { return messageResponse(.notFound, "Not found") }
        if let failure = try await faults.before(target: "craft") { return failure }
        do {
            return try await body(dialect)
        } catch let error as HTTPError {
            return messageResponse(error.status, error.message)
        } catch let failure as ValidationFailure {
            return failure.response
        }
    }

    private func listItems(_ request: HTTPRequest, dialect: APIForm) throws -> HTTPResponse {
        let workspace = request.parameters["workspace"] ?? ""
        let status = request.head.queryValue("status")
        let updatedFrom = request.head.queryValue("updated_from").flatMap(Timestamp.parse)
        // Update times are written in one fixed-width ISO 8601 form (UTC, whole seconds), so they compare as text.
        let from = updatedFrom?.formatted(.iso8601)
        let matching = state.withLock { state in (state.byWorkspace[workspace] ?? []).map { state.items[$0] } }.filter { item in
            (status == nil || item.status.name == status || item.status.id == status) && (from == nil || item.updateTime >= from!)
        }
        guard dialect == .openapi else { return try guideList(matching, request: request, workspace: workspace) }
        let paging = PageRequest(request.head, sizeParameter: "limit", defaultSize: 50, sizes: 1...1000)
        let (page, limit, pages) = (paging.page, paging.size, paging.pages(of: matching.count))
        let slice = Array(paging.slice(matching))
        struct Page: Encodable {
            struct Metadata: Encodable { var currentPage: Int; var perPage: Int; var totalPages: Int; var totalRecords: Int }
            var items: [SimulatedCraftItem]
            var metadata: Metadata
        }
        let response = try HTTPResponse.json(
            Page(items: slice, metadata: .init(currentPage: page, perPage: limit, totalPages: pages, totalRecords: matching.count)))
        return try page == 1 ? awkwardIfAsked(response, workspace: workspace, path: ["items"]) : response
    }

    /// The guide shows a plain list; `guidePaging` makes it page the ways a real endpoint might.
    private func guideList(_ matching: [SimulatedCraftItem], request: HTTPRequest, workspace: String) throws -> HTTPResponse {
        let page = PageRequest(request.head, sizeParameter: "limit", defaultSize: 1, sizes: 1...1).page
        func slice(_ size: Int) -> [SimulatedCraftItem] { Array(PageRequest(page: page, size: size).slice(matching)) }
        switch guidePaging.withLock({ $0 }) {
        case .none:
            return try awkwardIfAsked(.json(matching), workspace: workspace, path: [])
        case .silent(let size):
            return try .json(Array(matching.prefix(size)))
        case .metadata(let size):
            struct Page: Encodable {
                struct Metadata: Encodable { var currentPage: Int; var perPage: Int; var totalPages: Int; var totalRecords: Int }
                var items: [SimulatedCraftItem]
                var metadata: Metadata
            }
            let pages = PageRequest(page: page, size: size).pages(of: matching.count)
            return try .json(Page(items: slice(size), metadata: .init(currentPage: page, perPage: size, totalPages: pages, totalRecords: matching.count)))
        case .link(let size):
            var response = try HTTPResponse.json(slice(size))
            if page * size < matching.count {
                let status = request.head.queryValue("status")?.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                response.headers[HTTPHeaderName("Link")] = "</workspace/\(workspace)/items?status=\(status)&page=\(page + 1)>; rel=\"next\""
            }
            return response
        }
    }

    /// Rewrites a listing into the awkward shapes when that mode is on; `path` leads to the item array.
    private func awkwardIfAsked(_ response: HTTPResponse, workspace: String, path: [String]) throws -> HTTPResponse {
        guard awkward.withLock({ $0 }) else { return response }
        func rewrite(_ items: [Any]) -> [Any] {
            var items = items.map { element -> Any in
                guard var item = element as? [String: Any] else { return element }
                if (item["title"] as? String)?.isEmpty == true { item["title"] = nil }
                return item
            }
            items.append(["id": NSNull(), "title": "An item without an id", "workspaceId": workspace] as [String: Any])
            items.append(42)
            return items
        }
        let object = try JSONSerialization.jsonObject(with: Data(response.body))
        let rewritten: Any
        if path.isEmpty, let items = object as? [Any] {
            rewritten = rewrite(items)
        } else if var envelope = object as? [String: Any], let items = envelope["items"] as? [Any] {
            envelope["items"] = rewrite(items)
            rewritten = envelope
        } else {
            return response
        }
        var copy = response
        copy.body = Array(try JSONSerialization.data(withJSONObject: rewritten))
        return copy
    }

    private func item(_ id: String, workspace: String?) throws -> SimulatedCraftItem {
        guard let item = state.withLock({ state in state.positions[id].map { state.items[$0] } }), workspace == nil || item.workspaceId == workspace else {
            throw HTTPError(.notFound, "Item \(id) not found")
        }
        return item
    }

    /// The guide names fields by their name (`dev_status`); the OpenAPI form by id. Both land in `customFields`.
    private func update(itemID: String, field: String, value: String, dialect: APIForm) throws {
        try state.withLock { state in
            guard let index = state.positions[itemID] else {
                throw HTTPError(.notFound, "Item \(itemID) not found")
            }
            guard let definition = state.customFields.first(where: { $0.id == field || (dialect == .guide && $0.name == field) }) else {
                throw HTTPError(.badRequest, "Unknown custom field \(field)")
            }
            var stored = SimulatedCraftItem.FieldValue(id: definition.id, name: definition.name, value: value)
            // A number or date field takes only a number or a day (`YYYY-MM-DD`), or nothing to clear it.
            if definition.type == "number", !value.isEmpty, Double(value) == nil {
                throw ValidationFailure(field: "customFields.\(definition.id).value", detail: "'\(value)' is not a number")
            }
            if definition.type == "date", !value.isEmpty, (value.count != 10 || value.split(separator: "-").count != 3) {
                throw ValidationFailure(field: "customFields.\(definition.id).value", detail: "'\(value)' is not a date (YYYY-MM-DD)")
            }
            if definition.options != nil {
                guard let option = definition.option(for: value, byLabel: dialect == .guide) else {
                    throw ValidationFailure(field: "customFields.\(definition.id).value", detail: "'\(value)' is not an option of \(definition.name)")
                }
                stored.value = option.id
                stored.label = option.label
            }
            state.items[index].customFields.removeAll { $0.id == definition.id }
            state.items[index].customFields.append(stored)
            state.updates.append(Update(itemId: itemID, fieldId: definition.id, value: value, dialect: dialect.rawValue))
        }
    }
}
