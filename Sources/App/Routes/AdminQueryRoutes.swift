import Foundation
import Support
import HTTPServer
import Store

/// The admin API's read side: mappings, events, runs and status, paged with an opaque cursor (the last id seen).
/// Registered in the admin group (bearer token) by `AdminRoutes`.
struct AdminQueryRoutes {
    let store: Store
    let configuration: Configuration
    let startedAt: Date
    var intakeHalts: @Sendable () async -> [String: String] = { [:] }
    var craftKey: @Sendable () -> CraftKeyCheck.Result? = { nil }
    var budgets: [String: RateBudget] = [:]

    struct Page<Item: Encodable>: Encodable {
        var items: [Item]
        /// Pass as `cursor` for the next page; absent on the last page.
        var nextCursor: String?
    }

    func register(in router: inout SecuredRouter) {
        router.admin(.get, "/api/v1/mappings") { request in
            let (cursor, limit) = try paging(request)
            let filter = MappingFilter(
                workspaceID: request.head.queryValue("workspace"), state: try choice(request, "state"),
                devToolKind: request.head.queryValue("tool"), search: request.head.queryValue("search"))
            let items = try await store.mappings.list(filter, beforeID: cursor, limit: limit)
            return try .json(Page(items: items, nextCursor: items.count == limit ? items.last.map { String($0.id) } : nil))
        }
        router.admin(.get, "/api/v1/mappings/:craftItemId") { request in
            let item = request.parameters["craftItemId"] ?? ""
            let mappings = try await store.mappings.mappings(craftItemID: item)
            guard !mappings.isEmpty else { throw HTTPError(.notFound, "no mapping for Craft item \(item)") }
            return try .json(mappings)
        }
        router.admin(.post, "/api/v1/mappings/:craftItemId/retry") { request in
            let item = request.parameters["craftItemId"] ?? ""
            var retried = 0
            for mapping in try await store.mappings.mappings(craftItemID: item) where try await store.mappings.retry(id: mapping.id) {
                retried += 1
            }
            guard retried > 0 else { throw HTTPError(.conflict, "Craft item \(item) has no failed mapping to retry") }
            return try .json(["status": "queued", "mappings": String(retried)], status: .accepted)
        }
        router.admin(.get, "/api/v1/mappings/:craftItemId/timeline") { request in
            let item = request.parameters["craftItemId"] ?? ""
            let (cursor, limit) = try paging(request)
            let filter = TimelineFilter(craftItemID: item, since: try date(request, "since"), until: try date(request, "until"))
            let items = try await store.timeline.list(filter, beforeID: cursor, limit: limit)
            if items.isEmpty, cursor == nil, try await store.mappings.mappings(craftItemID: item).isEmpty {
                throw HTTPError(.notFound, "no mapping for Craft item \(item)")
            }
            return try .json(Page(items: items, nextCursor: items.count == limit ? items.last.map { String($0.id) } : nil))
        }
        router.admin(.get, "/api/v1/timeline") { request in
            let (cursor, limit) = try paging(request)
            let filter = TimelineFilter(
                craftItemID: request.head.queryValue("item"), devToolInstance: request.head.queryValue("tool"),
                devIssueKey: request.head.queryValue("issue"), since: try date(request, "since"), until: try date(request, "until"))
            let items = try await store.timeline.list(filter, beforeID: cursor, limit: limit)
            return try .json(Page(items: items, nextCursor: items.count == limit ? items.last.map { String($0.id) } : nil))
        }
        router.admin(.get, "/api/v1/events") { request in
            let (cursor, limit) = try paging(request)
            let filter = EventFilter(
                tool: request.head.queryValue("tool"), state: try choice(request, "state"),
                receivedAfter: try date(request, "since"), receivedBefore: try date(request, "until"))
            let items = try await store.events.list(filter, beforeID: cursor, limit: limit)
            return try .json(Page(items: items, nextCursor: items.count == limit ? items.last.map { String($0.id) } : nil))
        }
        router.admin(.get, "/api/v1/events/:id") { request in
            let id = try number(request, "id")
            guard let event = try await store.events.event(id: id) else { throw HTTPError(.notFound, "there is no event \(id)") }
            struct Detail: Encodable {
                var event: StoredEvent
                /// The raw body as received: text when it is UTF-8, else base64 in `payloadBase64`.
                var payload: String?
                var payloadBase64: String?
            }
            var detail = Detail(event: event)
            if request.head.queryValue("payload") == "true" {
                let body = try await store.events.payload(id: id)
                if let text = String(validating: body, as: UTF8.self) { detail.payload = text } else { detail.payloadBase64 = Data(body).base64EncodedString() }
            }
            return try .json(detail)
        }
        router.admin(.get, "/api/v1/runs") { request in
            let (cursor, limit) = try paging(request)
            let items = try await store.runs.list(workspaceID: request.head.queryValue("workspace"), beforeID: cursor, limit: limit)
            return try .json(Page(items: items, nextCursor: items.count == limit ? items.last.map { String($0.id) } : nil))
        }
        router.admin(.get, "/api/v1/runs/:id") { request in
            let id = try number(request, "id")
            guard let run = try await store.runs.run(id: id) else { throw HTTPError(.notFound, "there is no run \(id)") }
            return try .json(run)
        }
        router.admin(.get, "/api/v1/status") { request in
            return try .json(try await status())
        }
    }

    struct Status: Encodable {
        struct Workspace: Encodable {
            var id: String
            var devTool: String
            var lastSuccessfulPoll: Date?
            var lastRunDrifted: Int?
            /// Items the last poll could not read (and will try again).
            var lastRunUnreadable: Int?
        }
        var version: String
        var uptimeSeconds: Int
        var workspaces: [Workspace]
        var mappings: [String: Int]
        var events: [String: Int]
        var deadEvents: Int
        var missingSettings: [String]
        /// Dev-tool instances whose intake stopped, with the reason and what to do.
        var intakeStopped: [String: String]
        /// The last check of the Craft.io key: scopes found, scopes missing, or the error; absent before the first.
        var craftKey: CraftKeyCheck.Result?
        /// Each dev-tool token's rate budget as the tool last reported it, by instance.
        var rateBudgets: [String: RateBudget.Snapshot]
        /// The database's backend (`sqlite` or `postgres`) and where it is, never a password.
        var database: Database
        /// Every `serve` sharing the database, by its heartbeat: a replica not seen for a minute is likely gone.
        var replicas: [Replica]

        struct Database: Encodable {
            var backend: String
            var location: String
        }
    }

    func status() async throws -> Status {
        var workspaces: [Status.Workspace] = []
        for target in configuration.syncTargets {
            let last = try await store.runs.lastSuccessful(workspaceID: target.id)
            workspaces.append(.init(id: target.id, devTool: target.devTool.instanceName, lastSuccessfulPoll: last?.finishedAt, lastRunDrifted: last?.counts.drifted,
                lastRunUnreadable: last?.counts.unreadable))
        }
        let events = try await store.events.countsByState()
        return Status(
            version: CraftSyncVersion.current, uptimeSeconds: Int(Date.now.timeIntervalSince(startedAt)), workspaces: workspaces,
            mappings: Dictionary(uniqueKeysWithValues: try await store.mappings.countsByState().map { ($0.key.rawValue, $0.value) }),
            events: Dictionary(uniqueKeysWithValues: events.map { ($0.key.rawValue, $0.value) }), deadEvents: events[.dead] ?? 0,
            missingSettings: configuration.missingSettings, intakeStopped: await intakeHalts(),
            craftKey: craftKey(), rateBudgets: budgets.compactMapValues(\.snapshot),
            database: .init(backend: store.database.dialect.rawValue, location: store.location), replicas: try await store.replicas.list())
    }

    private func paging(_ request: HTTPRequest) throws -> (cursor: Int64?, limit: Int) {
        let limit = try request.head.queryValue("limit").map { text -> Int in
            guard let value = Int(text), (1...500).contains(value) else { throw HTTPError(.badRequest, "limit must be a number from 1 to 500") }
            return value
        } ?? 50
        let cursor = try request.head.queryValue("cursor").map { text -> Int64 in
            guard let value = Int64(text) else { throw HTTPError(.badRequest, "cursor must be the nextCursor of a previous page") }
            return value
        }
        return (cursor, limit)
    }

    private func choice<T: RawRepresentable & CaseIterable>(_ request: HTTPRequest, _ name: String) throws -> T? where T.RawValue == String {
        guard let text = request.head.queryValue(name) else { return nil }
        guard let value = T(rawValue: text) else {
            throw HTTPError(.badRequest, "\(name) must be one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    private func date(_ request: HTTPRequest, _ name: String) throws -> Date? {
        guard let text = request.head.queryValue(name) else { return nil }
        guard let date = try? Date(text, strategy: .iso8601) else { throw HTTPError(.badRequest, "\(name) must be an ISO 8601 time") }
        return date
    }

    private func number(_ request: HTTPRequest, _ name: String) throws -> Int64 {
        guard let value = request.parameters[name].flatMap({ Int64($0) }) else { throw HTTPError(.badRequest, "\(name) must be a number") }
        return value
    }
}
