import Foundation
import HTTPServer
import Support
import Synchronization

/// A fake Azure DevOps Boards (REST API 7.1) for one project: JSON Patch creates, WIQL `CONTAINS` on tags, reads by
/// id; Basic auth with a PAT checked; faults under the target `azure-devops`; and `workitem.updated` service hook
/// deliveries authenticated as a service hook is (Basic auth carrying the shared secret). Requests are read as
/// generic JSON, not through the adapter's types.
public final class AzureDevOpsSimulator: Sendable {
    /// The account the simulator accepts, and the settings that point `serve` at it.
    public enum Account {
        public static let token = "sim-azure-devops-pat"
        public static let organization = "acme"
        public static let project = "Web"
    }
    public static let kind = "azure-devops"
    public static func serveSettings(baseURL: String) -> [(key: String, value: String)] {
        [("base_url", baseURL + "/" + Account.organization), ("token", Account.token), ("project", Account.project)]
    }

    let context: SimulatorContext
    private let book = IssueBook()
    /// The key of the issue keyed `key` sits under, if any.
    public func parent(of key: String) -> String? { book.parent(of: key) }

    public init(context: SimulatorContext) {
        self.context = context
        hooks = HookBook(tool: Self.kind, webhooks: context.webhooks)
    }

    /// Service hook subscriptions created through the API (one per event type).
    let hooks: HookBook

    /// The process templates' work item types (https://learn.microsoft.com/azure/devops/boards/work-items/guidance/choose-process).
    public enum Process: String, Sendable, CaseIterable {
        case agile, scrum, basic, cmmi

        public var workItemTypes: [String] {
            switch self {
            case .agile: ["Epic", "Feature", "User Story", "Task", "Bug", "Issue"]
            case .scrum: ["Epic", "Feature", "Product Backlog Item", "Task", "Bug", "Impediment"]
            case .basic: ["Epic", "Issue", "Task"]
            case .cmmi: ["Epic", "Feature", "Requirement", "Task", "Bug", "Change Request", "Issue", "Review", "Risk"]
            }
        }
    }
    private let process = Mutex(Process.agile)
    /// The project's process, and so its work item types (Agile unless set).
    public func setProcess(_ newProcess: Process) { process.withLock { $0 = newProcess } }

    public var issues: [SimulatedIssue] { book.issues }

    /// The REST shape of a work item.
    func render(_ issue: SimulatedIssue) -> [String: Any] {
        var fields: [String: Any] = [
            "System.Title": issue.title, "System.State": issue.state, "System.WorkItemType": issue.issueType ?? "Task",
            "System.ChangedDate": Timestamp.withMilliseconds(issue.updatedAt), "System.TeamProject": Account.project,
        ]
        if !issue.labels.isEmpty { fields["System.Tags"] = issue.labels.joined(separator: "; ") }
        if let priority = issue.priority.flatMap(Int.init) { fields["Microsoft.VSTS.Common.Priority"] = priority }
        let html = "https://dev.azure.com/\(Account.organization)/\(Account.project)/_workitems/edit/\(issue.number)"
        return ["id": issue.number, "rev": 1, "fields": fields, "_links": ["html": ["href": html]]]
    }

    /// `render` with `relations` (`$expand=relations`): the hyperlinks and the parent link.
    func renderWithRelations(_ issue: SimulatedIssue) -> [String: Any] {
        var rendered = render(issue)
        var relations: [[String: Any]] = (issue.links ?? []).map { ["rel": "Hyperlink", "url": $0, "attributes": ["isLocked": false]] }
        if let parent = parent(of: issue.key), let number = book.issue(.idOrKey(parent))?.number {
            relations.append([
                "rel": "System.LinkTypes.Hierarchy-Reverse", "url": "https://dev.azure.com/\(Account.organization)/_apis/wit/workItems/\(number)",
                "attributes": ["isLocked": false, "name": "Parent"],
            ])
        }
        rendered["relations"] = relations
        return rendered
    }

    /// Moves a work item to `state`, as a developer would, and sends the `workitem.updated` service hook.
    @discardableResult
    public func setState(id: Int, state newState: String, actor: String = "alice@acme.example", at time: Date = .now) async
        -> WebhookDeliverer.Delivery?
    {
        guard let (issue, previous) = book.update(.number(id), at: time, { issue -> String in
            defer { issue.state = newState }
            return issue.state
        }) else { return nil }
        var revision = render(issue)
        revision["id"] = issue.number
        let payload: [String: Any] = [
            "id": UUID().uuidString.lowercased(), "eventType": "workitem.updated", "publisherId": "tfs",
            "resource": [
                "id": Int.random(in: 1...1_000_000), "workItemId": issue.number, "rev": 2,
                "revisedBy": ["uniqueName": actor, "displayName": actor],
                "fields": [
                    "System.State": ["oldValue": previous, "newValue": newState],
                    "System.ChangedDate": ["newValue": Timestamp.withMilliseconds(time)],
                ],
                "revision": revision,
            ],
        ]
        guard let body = try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]) else { return nil }
        return await context.webhooks.deliver(
            tool: "azure-devops", event: "workitem.updated", headers: [:], authentication: .basicPassword, deliveryIDHeader: nil,
            body: Array(body))
    }

    public func register(in router: inout Router) {
        registerHooks(in: &router)
        let base = "/\(Account.organization)/:project/_apis/wit"
        router.post(base + "/workitems/:type") { [self] request in
            try await serve(request, "POST /_apis/wit/workitems/$type") {
                guard request.headers[.contentType] == "application/json-patch+json",
                    let operations = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [[String: Any]]
                else { return Self.error(HTTPStatus(400, "Bad Request"), "You must pass a valid patch document in the body of the request.") }
                var fields: [String: Any] = [:]
                var links: [String] = []
                for operation in operations {
                    guard operation["op"] as? String == "add", let path = operation["path"] as? String else { continue }
                    if path.hasPrefix("/fields/") { fields[String(path.dropFirst("/fields/".count))] = operation["value"] }
                    if path == "/relations/-", let relation = operation["value"] as? [String: Any], relation["rel"] as? String == "Hyperlink",
                        let url = relation["url"] as? String
                    { links.append(url) }
                }
                guard let title = fields["System.Title"] as? String, !title.isEmpty else {
                    return Self.error(HTTPStatus(400, "Bad Request"), "TF401320: Rule Error for field Title. Error code: Required.")
                }
                let type = String((request.parameters["type"] ?? "").dropFirst())  // `$Task`
                // A type the project's process lacks is refused, as Azure DevOps does.
                let types = process.withLock { $0.workItemTypes }
                guard types.contains(type.removingPercentEncoding ?? type) else {
                    return Self.error(HTTPStatus(404, "Not Found"), "VS402323: Work item type \(type.removingPercentEncoding ?? type) does not exist in project \(Account.project).")
                }
                let tags = (fields["System.Tags"] as? String ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                let issue = book.create { number in
                    SimulatedIssue(
                        id: String(number), key: "\(Account.project)#\(number)", number: number, title: title,
                        description: fields["System.Description"] as? String ?? "", labels: tags, state: "New", stateDetail: nil,
                        issueType: type.removingPercentEncoding ?? type, priority: (fields["Microsoft.VSTS.Common.Priority"] as? Int).map(String.init),
                        updatedAt: .now, links: links.isEmpty ? nil : links)
                }
                switch context.faults.afterCreate(target: "azure-devops") {
                case .reset: throw AbortConnection()
                case .gatewayError: return Self.error(HTTPStatus(502, "Bad Gateway"), "Bad Gateway")
                case .answer: break
                }
                return try Self.json(render(issue))
            }
        }
        // An update adding a parent link, the one edit the simulator takes: one parent at most, as Azure DevOps has it.
        router.add(.patch, base + "/workitems/:id") { [self] request in
            try await serve(request, "PATCH /_apis/wit/workitems/:id") {
                guard request.headers[.contentType] == "application/json-patch+json",
                    let operations = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [[String: Any]]
                else { return Self.error(HTTPStatus(400, "Bad Request"), "You must pass a valid patch document in the body of the request.") }
                guard let child = request.parameters["id"].flatMap(Int.init).flatMap({ book.issue(.number($0)) }) else {
                    return Self.error(.notFound, "TF401232: Work item \(request.parameters["id"] ?? "") does not exist.")
                }
                // Tags: the one field edit the simulator takes, `; `-separated as Azure DevOps keeps them.
                for operation in operations where operation["path"] as? String == "/fields/System.Tags" {
                    let tags = ((operation["value"] as? String) ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                        .filter { !$0.isEmpty }
                    _ = book.update(.number(child.number), at: .now) { $0.labels = tags }
                }
                for operation in operations where operation["path"] as? String == "/relations/-" {
                    guard let relation = operation["value"] as? [String: Any], relation["rel"] as? String == "System.LinkTypes.Hierarchy-Reverse",
                        let target = (relation["url"] as? String)?.split(separator: "/").last.flatMap({ Int($0) }), let parent = book.issue(.number(target))
                    else { return Self.error(HTTPStatus(400, "Bad Request"), "The relation is not a parent link to a work item that exists.") }
                    let refusal = book.setParent(of: child.key, to: parent.key) { current in
                        if current == parent.key { return "Relation already exists." }
                        guard current != nil else { return nil }
                        return "TF201036: You cannot add a Child link between work items \(target) and \(child.number) because a work item can have only one Parent link."
                    }
                    if let refusal { return Self.error(HTTPStatus(400, "Bad Request"), refusal) }
                }
                return try Self.json(render(book.issue(.number(child.number)) ?? child))
            }
        }
        router.get(base + "/workitemtypes") { [self] request in
            try await serve(request, "GET /_apis/wit/workitemtypes") {
                let types = process.withLock { $0.workItemTypes }
                let value: [[String: Any]] = types.map { name in
                    ["name": name, "referenceName": "Microsoft.VSTS.WorkItemTypes.\(name.replacingOccurrences(of: " ", with: ""))", "description": "",
                     "isDisabled": false, "url": "https://dev.azure.com/\(Account.organization)/\(Account.project)/_apis/wit/workItemTypes/\(name)"]
                }
                return try Self.json(["count": value.count, "value": value])
            }
        }
        router.post(base + "/wiql") { [self] request in
            try await serve(request, "POST /_apis/wit/wiql") {
                guard let query = (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["query"] as? String
                else { return Self.error(HTTPStatus(400, "Bad Request"), "TF51005: The query references a field that does not exist.") }
                if let since = Self.changedSince(inWIQL: query) {
                    // Without timePrecision=true, WIQL compares dates by the day, as the real one does.
                    let precise = request.head.queryValue("timePrecision") == "true"
                    let bound = precise ? since : Self.day(of: since)
                    let matching = book.issues.filter { $0.updatedAt >= bound }.sorted { $0.updatedAt < $1.updatedAt }
                    return try Self.json(["queryType": "flat", "workItems": matching.map { ["id": $0.number, "url": ""] }])
                }
                guard let start = query.range(of: "CONTAINS '"), let end = query[start.upperBound...].range(of: "'")
                else { return Self.error(HTTPStatus(400, "Bad Request"), "TF51005: The query references a field that does not exist.") }
                let wanted = String(query[start.upperBound..<end.lowerBound])
                // WIQL's CONTAINS on tags matches substrings, as the real one does.
                let matching = book.issues.filter { $0.labels.contains { $0.contains(wanted) } }.sorted { $0.number < $1.number }
                return try Self.json(["queryType": "flat", "workItems": matching.map { ["id": $0.number, "url": ""] }])
            }
        }
        // `GET workitems?ids=1,2,3`: up to 200 at once.
        router.get(base + "/workitems") { [self] request in
            try await serve(request, "GET /_apis/wit/workitems") {
                let ids = (request.head.queryValue("ids") ?? "").split(separator: ",").compactMap { Int($0) }
                guard !ids.isEmpty, ids.count <= 200 else { return Self.error(HTTPStatus(400, "Bad Request"), "VS403474: Pass between 1 and 200 ids.") }
                let found = ids.compactMap { book.issue(.number($0)) }
                return try Self.json(["count": found.count, "value": found.map(render)])
            }
        }
        router.get(base + "/workitems/:id") { [self] request in
            try await serve(request, "GET /_apis/wit/workitems/:id") {
                guard let issue = request.parameters["id"].flatMap(Int.init).flatMap({ book.issue(.number($0)) }) else {
                    return Self.error(.notFound, "TF401232: Work item \(request.parameters["id"] ?? "") does not exist.")
                }
                return try Self.json(request.head.queryValue("$expand") == "relations" ? renderWithRelations(issue) : render(issue))
            }
        }
    }

    /// `POST /_sim/azure-devops/workitems/{id}/state` (`{"state": "Active"}`), and `/close` (state `Closed`): a
    /// developer moving a work item; the service hook follows.
    public func registerControl(in router: inout Router) {
        router.post("/_sim/azure-devops/workitems/:id/state") { [self] request in
            struct Body: Decodable { var state: String }
            return try await move(request, to: try request.decodeJSON(Body.self).state)
        }
        router.post("/_sim/azure-devops/issues/:id/close") { [self] request in try await move(request, to: "Closed") }
    }

    private func move(_ request: HTTPRequest, to state: String) async throws -> HTTPResponse {
        guard let id = request.parameters["id"].flatMap({ Int($0) }), issues.contains(where: { $0.number == id }) else {
            throw HTTPError(.notFound, "no such work item")
        }
        let delivery = await setState(id: id, state: state)
        return try .json(["delivered": delivery.map { "\($0.status ?? 0)" } ?? "no webhook target"])
    }

    func serve(_ request: HTTPRequest, _ endpoint: String, _ body: () async throws -> HTTPResponse) async throws -> HTTPResponse {
        let expected = "Basic " + Data(":\(Account.token)".utf8).base64EncodedString()
        let refusal: HTTPResponse? =
            if request.headers[.authorization] != expected { Self.error(.unauthorized, "TF400813: The user is not authorized.") }
            else if request.parameters["project"] != Account.project {
                Self.error(.notFound, "TF200016: The following project does not exist: \(request.parameters["project"] ?? "").")
            } else if request.head.queryValue("api-version") == nil { Self.error(HTTPStatus(400, "Bad Request"), "No api-version was supplied.") }
            else { nil }
        return try await context.serve(tool: "azure-devops", endpoint, refusal: refusal, body)
    }

    static func json(_ object: [String: Any]) throws -> HTTPResponse { try .jsonObject(object) }

    static func error(_ status: HTTPStatus, _ message: String) -> HTTPResponse {
        var response = (try? json(["$id": "1", "message": message, "typeKey": "WorkItemTrackingException"])) ?? HTTPResponse(status: status)
        response.status = status
        return response
    }
}

extension AzureDevOpsSimulator {
    /// The date of `[System.ChangedDate] >= '…'` in a WIQL query.
    static func changedSince(inWIQL query: String) -> Date? {
        guard let start = query.range(of: "[System.ChangedDate] >= '"), let end = query[start.upperBound...].firstIndex(of: "'") else { return nil }
        return Timestamp.parse(String(query[start.upperBound..<end]))
    }

    /// Midnight UTC of `date`'s day: what WIQL compares without `timePrecision`.
    static func day(of date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar.startOfDay(for: date)
    }
}
