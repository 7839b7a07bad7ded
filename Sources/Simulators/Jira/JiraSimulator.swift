import Foundation
import HTTPServer
import Synchronization

/// A fake Jira Cloud: create (ADF description required), JQL search by label on `/rest/api/3/search/jql`, read
/// by id; the retired `/rest/api/3/search` answers 410 as the real one does. Basic auth checked.
public final class JiraSimulator: Sendable {
    /// The account the simulator accepts, and the settings that point `serve` at it.
    public enum Account {
        public static let email = "sync@acme.example"
        public static let apiToken = "sim-jira-token"
        public static let projectKey = "ACME"
    }
    public static let kind = "jira"
    public static func serveSettings(baseURL: String) -> [(key: String, value: String)] {
        [("base_url", baseURL), ("email", Account.email), ("token", Account.apiToken), ("project", Account.projectKey)]
    }
    private let projectKey = Account.projectKey
    let context: SimulatorContext
    private let book = IssueBook()

    public init(context: SimulatorContext) {
        self.context = context
        hooks = HookBook(tool: Self.kind, webhooks: context.webhooks)
    }

    /// Admin webhooks registered through the API.
    let hooks: HookBook
    /// The key of the issue keyed `key` sits under, if any.
    public func parent(of key: String) -> String? { book.parent(of: key) }

    public var issues: [SimulatedIssue] { book.issues }

    /// An issue created by a person in the project (no marker).
    @discardableResult
    public func createByHand(summary: String, at time: Date = .now) -> SimulatedIssue {
        book.create { number in
            SimulatedIssue(
                id: String(10_000 + number), key: "\(projectKey)-\(number)", number: number, title: summary, description: "", labels: [],
                state: "To Do", stateDetail: "new", updatedAt: time)
        }
    }

    /// Moves an issue through the workflow, as a developer would, and sends the `jira:issue_updated` webhook.
    @discardableResult
    public func setStatus(id: String, name: String, category: String, actor: String = "dev-alice-account") async -> WebhookDeliverer.Delivery? {
        guard let (issue, previous) = book.update(.idOrKey(id), at: .now, { issue -> String in
            defer {
                issue.state = name
                issue.stateDetail = category
            }
            return issue.state
        }) else { return nil }
        return await sendUpdated(issue, changes: [("status", previous, name)], actor: actor)
    }

    /// What a developer edits besides the status; nil leaves a field as it is, "" (0 for points) clears it.
    public struct Edit: Sendable {
        public var assignee: String?
        public var sprint: String?
        public var points: Double?
        public var release: String?
        public var dueDate: String?
        public init(assignee: String? = nil, sprint: String? = nil, points: Double? = nil, release: String? = nil, dueDate: String? = nil) {
            self.assignee = assignee
            self.sprint = sprint
            self.points = points
            self.release = release
            self.dueDate = dueDate
        }
    }

    /// Edits an issue's assignee, sprint, estimate, fix version or due date, as a developer would, and sends the
    /// `jira:issue_updated` webhook with a changelog item per field changed.
    @discardableResult
    public func edit(id: String, _ edit: Edit, actor: String = "dev-alice-account", at time: Date = .now) async -> WebhookDeliverer.Delivery? {
        guard let (issue, changes) = book.update(.idOrKey(id), at: time, { issue -> [(String, String, String)] in
            var changes: [(String, String, String)] = []
            func set(_ field: String, _ value: String?, _ keyPath: WritableKeyPath<SimulatedIssue, String?>) {
                guard let value else { return }
                changes.append((field, issue[keyPath: keyPath] ?? "", value))
                issue[keyPath: keyPath] = value.isEmpty ? nil : value
            }
            if let assignee = edit.assignee {
                changes.append(("assignee", issue.assignees?.first ?? "", assignee))
                issue.assignees = assignee.isEmpty ? nil : [assignee]
            }
            set("Sprint", edit.sprint, \.sprint)
            set("Fix Version", edit.release, \.release)
            set("duedate", edit.dueDate, \.dueDate)
            if let points = edit.points {
                changes.append(("Story point estimate", issue.points.map { "\($0)" } ?? "", "\(points)"))
                issue.points = points == 0 ? nil : points
            }
            return changes
        }) else { return nil }
        return await sendUpdated(issue, changes: changes, actor: actor)
    }

    /// The `jira:issue_updated` webhook for `issue`, its changelog listing `changes` (field, from, to).
    private func sendUpdated(_ issue: SimulatedIssue, changes: [(String, String, String)], actor: String) async -> WebhookDeliverer.Delivery? {
        struct Payload: Encodable {
            struct User: Encodable { var accountId: String }
            struct Changelog: Encodable {
                struct Item: Encodable { var field: String; var fromString: String; var toString: String }
                var id: String
                var items: [Item]
            }
            var timestamp: Int64
            var webhookEvent = "jira:issue_updated"
            var issue_event_type_name = "issue_generic"
            var user: User
            var issue: Rendered
            var changelog: Changelog
        }
        let payload = Payload(
            timestamp: Int64(issue.updatedAt.timeIntervalSince1970 * 1000), user: .init(accountId: actor), issue: Self.render(issue),
            changelog: .init(
                id: String(Int(issue.updatedAt.timeIntervalSince1970 * 1000) % 1_000_000),
                items: changes.map { .init(field: $0.0, fromString: $0.1, toString: $0.2) }))
        guard let body = try? JSONEncoder().encode(payload) else { return nil }
        return await context.webhooks.deliver(
            tool: "jira", event: "jira:issue_updated", headers: [:], authentication: .hmacSHA256(header: "X-Hub-Signature"),
            deliveryIDHeader: "X-Atlassian-Webhook-Identifier", body: Array(body))
    }

    /// `POST /_sim/jira/issues/{key}/transition` (`{"status", "category"?}`) and `/_sim/jira/issues/{id}/status`
    /// (`{"name", "category"}`): a developer moving an issue; the `jira:issue_updated` webhook follows.
    public func registerControl(in router: inout Router) {
        router.post("/_sim/jira/issues/:key/transition") { [self] request in
            struct Body: Decodable { var status: String; var category: String? }
            let body = try request.decodeJSON(Body.self)
            return try await move(request.parameters["key"] ?? "", name: body.status, category: body.category ?? Self.category(of: body.status))
        }
        router.post("/_sim/jira/issues/:id/status") { [self] request in
            struct Body: Decodable { var name: String; var category: String }
            let body = try request.decodeJSON(Body.self)
            return try await move(request.parameters["id"] ?? "", name: body.name, category: body.category)
        }
    }

    private func move(_ id: String, name: String, category: String) async throws -> HTTPResponse {
        guard issues.contains(where: { $0.id == id || $0.key == id }) else { throw HTTPError(.notFound, "no such issue") }
        let delivery = await setStatus(id: id, name: name, category: category)
        return try .json(["delivered": delivery.map { "\($0.status ?? 0)" } ?? "no webhook target"])
    }

    public func register(in router: inout Router) {
        router.post("/rest/api/3/issue") { [self] request in
            try await serve(request, "POST /rest/api/3/issue") {
                struct Body: Decodable {
                    struct Fields: Decodable {
                        struct Key: Decodable { var key: String }
                        struct Name: Decodable { var name: String }
                        var project: Key
                        var issuetype: Name
                        var summary: String
                        var labels: [String]?
                        var priority: Name?
                    }
                    var fields: Fields
                }
                let body = try request.decodeJSON(Body.self)
                guard body.fields.project.key == projectKey else {
                    return jiraError(.badRequest, errors: ["project": "valid project is required"])
                }
                guard let description = Self.documentDescription(request.body) else {
                    return jiraError(.badRequest, errors: ["description": "Operation value must be an Atlassian Document"])
                }
                if let label = body.fields.labels?.first(where: { $0.contains(" ") }) {
                    return jiraError(.badRequest, errors: ["labels": "The label '\(label)' contains spaces which is invalid."])
                }
                let issue = book.create { number in
                    SimulatedIssue(
                        id: String(10_000 + number), key: "\(projectKey)-\(number)", number: number, title: body.fields.summary,
                        description: description, labels: body.fields.labels ?? [], state: "To Do", stateDetail: "new",
                        issueType: body.fields.issuetype.name, priority: body.fields.priority?.name, updatedAt: .now)
                }
                switch context.faults.afterCreate(target: "jira") {
                case .reset: throw AbortConnection()
                case .gatewayError: return jiraError(HTTPStatus(502, "Bad Gateway"), errors: [:])
                case .answer: break
                }
                return try .json(["id": issue.id, "key": issue.key, "self": "\(baseURL(request))/rest/api/3/issue/\(issue.id)"], status: .created)
            }
        }
        router.post("/rest/api/3/search/jql") { [self] request in
            try await serve(request, "POST /rest/api/3/search/jql") {
                struct Query: Decodable {
                    var jql: String
                    var maxResults: Int?
                    var nextPageToken: String?
                }
                let query = try request.decodeJSON(Query.self)
                var matching: [SimulatedIssue]
                if let label = Self.label(inJQL: query.jql) {
                    matching = book.issues.filter { $0.labels.contains(label) }
                } else if let minutes = Self.updatedWithinMinutes(inJQL: query.jql) {
                    let since = Date().addingTimeInterval(-Double(minutes) * 60)
                    matching = book.issues.filter { $0.updatedAt >= since }.sorted { $0.updatedAt < $1.updatedAt }
                } else {
                    return jiraError(.badRequest, messages: ["The simulator understands only: labels = \"...\", and updated >= -Nm"])
                }
                // Pages by an opaque token (here: the offset), as /search/jql does.
                let size = min(100, max(1, query.maxResults ?? 50))
                let offset = query.nextPageToken.flatMap(Int.init) ?? 0
                let page = Array(matching.dropFirst(offset).prefix(size))
                let more = offset + page.count < matching.count
                struct Result: Encodable {
                    var issues: [Rendered]
                    var nextPageToken: String?
                    var isLast: Bool
                }
                return try .json(Result(issues: page.map(Self.render), nextPageToken: more ? String(offset + page.count) : nil, isLast: !more))
            }
        }
        router.get("/rest/api/3/search") { _ in
            jiraError(.gone, messages: ["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."])
        }
        registerHooks(in: &router)
        // An edit of the issue's parent, or labels added by `update` (the edits the simulator takes): 204, as Jira
        // answers an edit.
        router.add(.put, "/rest/api/3/issue/:id") { [self] request in
            try await serve(request, "PUT /rest/api/3/issue/:id") {
                struct Body: Decodable {
                    struct Fields: Decodable {
                        struct Parent: Decodable { var key: String?; var id: String? }
                        var parent: Parent?
                    }
                    struct Operation: Decodable { var add: String?; var remove: String? }
                    var fields: Fields?
                    var update: [String: [Operation]]?
                }
                let body = try request.decodeJSON(Body.self)
                guard let child = book.issue(.idOrKey(request.parameters["id"] ?? "")) else { return jiraError(.notFound, messages: ["Issue does not exist"]) }
                if let labels = body.update?["labels"] {
                    // Jira refuses a label with a space ("The label 'a b' contains spaces which is invalid").
                    if let spaced = labels.compactMap(\.add).first(where: { $0.contains(" ") }) {
                        return jiraError(.badRequest, errors: ["labels": "The label '\(spaced)' contains spaces which is invalid."])
                    }
                    _ = book.update(.idOrKey(child.id), at: .now) { issue in
                        for operation in labels {
                            if let added = operation.add, !issue.labels.contains(added) { issue.labels.append(added) }
                            if let removed = operation.remove { issue.labels.removeAll { $0 == removed } }
                        }
                    }
                    if body.fields?.parent == nil { return HTTPResponse(status: .noContent) }
                }
                guard let reference = body.fields?.parent?.key ?? body.fields?.parent?.id, let parent = book.issue(.idOrKey(reference)) else {
                    return jiraError(.badRequest, errors: ["parent": "Given parent work item does not belong to appropriate hierarchy."])
                }
                _ = book.setParent(of: child.key, to: parent.key)
                return HTTPResponse(status: .noContent)
            }
        }
        router.get("/rest/api/3/issue/:id") { [self] request in
            try await serve(request, "GET /rest/api/3/issue/:id") {
                let wanted = request.parameters["id"] ?? ""
                guard let issue = book.issue(.idOrKey(wanted)) else {
                    return jiraError(.notFound, messages: ["Issue does not exist or you do not have permission to see it."])
                }
                return try .json(Self.render(issue))
            }
        }
    }

    /// The create's `fields.description` as stored JSON text ("" when absent), or nil when it is not an Atlassian
    /// Document (`{"type": "doc", "version": 1, ...}`): Jira Cloud's v3 API refuses plain strings there. Read as
    /// generic JSON, not through the adapter's ADF types, so a mistake in those cannot hide on both sides.
    static func documentDescription(_ body: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let fields = object["fields"] as? [String: Any]
        else { return nil }
        guard let description = fields["description"], !(description is NSNull) else { return "" }
        guard let document = description as? [String: Any], document["type"] as? String == "doc", document["version"] as? Int == 1,
            let text = try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
        else { return nil }
        return String(decoding: text, as: UTF8.self)
    }

    func serve(_ request: HTTPRequest, _ endpoint: String, _ body: () async throws -> HTTPResponse) async throws -> HTTPResponse {
        let expected = "Basic " + Data("\(Account.email):\(Account.apiToken)".utf8).base64EncodedString()
        let refusal = request.headers[.authorization] == expected ? nil : jiraError(.unauthorized, messages: ["Client must be authenticated"])
        return try await context.serve(tool: "jira", endpoint, refusal: refusal, body)
    }

    struct Rendered: Encodable {
        struct Fields: Encodable {
            struct Status: Encodable {
                struct Category: Encodable { var key: String }
                var name: String
                var statusCategory: Category
            }
            struct User: Encodable { var accountId: String; var displayName: String }
            struct Name: Encodable { var name: String }
            /// Jira Software's sprint, as its field lists it.
            struct Sprint: Encodable { var id: Int; var name: String; var state: String }
            var summary: String
            var status: Status
            var labels: [String]
            var updated: String
            var assignee: User?
            var fixVersions: [Name]
            var duedate: String?
            /// Sprint (`customfield_10020`) and Story point estimate (`customfield_10016`), Jira Cloud's ids.
            var sprints: [Sprint]?
            var points: Double?

            enum CodingKeys: String, CodingKey {
                case summary, status, labels, updated, assignee, fixVersions, duedate, sprints = "customfield_10020", points = "customfield_10016"
            }

            /// Nulls spelled out, as Jira sends them.
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(summary, forKey: .summary)
                try container.encode(status, forKey: .status)
                try container.encode(labels, forKey: .labels)
                try container.encode(updated, forKey: .updated)
                try container.encode(assignee, forKey: .assignee)
                try container.encode(fixVersions, forKey: .fixVersions)
                try container.encode(duedate, forKey: .duedate)
                try container.encode(sprints, forKey: .sprints)
                try container.encode(points, forKey: .points)
            }
        }
        var id: String
        var key: String
        var fields: Fields
    }

    static func render(_ issue: SimulatedIssue) -> Rendered {
        Rendered(
            id: issue.id, key: issue.key,
            fields: .init(
                summary: issue.title, status: .init(name: issue.state, statusCategory: .init(key: issue.stateDetail ?? "new")), labels: issue.labels,
                updated: Self.timestamp(issue.updatedAt),
                assignee: issue.assignees?.first.map { .init(accountId: "acct-\($0.lowercased().replacingOccurrences(of: " ", with: "-"))", displayName: $0) },
                fixVersions: issue.release.map { [.init(name: $0)] } ?? [], duedate: issue.dueDate,
                sprints: issue.sprint.map { [.init(id: 1, name: $0, state: "active")] }, points: issue.points))
    }

    /// Jira's timestamp form: `2024-01-15T10:30:00.000+0000`.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSZ"
        return formatter.string(from: date)
    }

    /// The status category Jira's default workflow gives a status name.
    public static func category(of status: String) -> String {
        switch status.lowercased() {
        case "to do", "open", "backlog", "selected for development": "new"
        case "done", "closed", "resolved": "done"
        default: "indeterminate"
        }
    }

    /// `labels = "craft-42"` (optionally followed by ORDER BY).
    static func label(inJQL jql: String) -> String? {
        guard let start = jql.range(of: "labels = \"") else { return nil }
        let rest = jql[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }

    /// `N` of `updated >= -Nm`.
    static func updatedWithinMinutes(inJQL jql: String) -> Int? {
        guard let start = jql.range(of: "updated >= -") else { return nil }
        return Int(jql[start.upperBound...].prefix { $0.isNumber })
    }

    private func baseURL(_ request: HTTPRequest) -> String { "http://\(request.headers[.host] ?? "localhost")" }
}

func jiraError(_ status: HTTPStatus, messages: [String] = [], errors: [String: String] = [:]) -> HTTPResponse {
    struct Body: Encodable {
        var errorMessages: [String]
        var errors: [String: String]
    }
    return (try? HTTPResponse.json(Body(errorMessages: messages, errors: errors), status: status)) ?? HTTPResponse(status: status)
}
