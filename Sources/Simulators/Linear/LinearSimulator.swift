import Foundation
import HTTPServer
import Support
import Synchronization

/// A fake Linear GraphQL API for one team: `issueCreate` with a client-chosen id (a second create with the same id
/// is refused, as Linear refuses it), `issue(id:)`; the API key checked in `Authorization` (no `Bearer`); faults
/// under the target `linear`; and `Issue` webhooks signed as Linear signs them (hex HMAC in `Linear-Signature`,
/// `webhookTimestamp` in the body). Requests are read as generic JSON, not through the adapter's types.
public final class LinearSimulator: Sendable {
    /// The account the simulator accepts, and the settings that point `serve` at it.
    public enum Account {
        public static let apiKey = "sim-linear-key"
        public static let teamID = "5f1b8a1e-7c2d-4e3f-9a0b-1c2d3e4f5a6b"
        public static let teamKey = "ENG"
    }
    public static let kind = "linear"
    public static func serveSettings(baseURL: String) -> [(key: String, value: String)] {
        [("base_url", baseURL + pathPrefix), ("token", Account.apiKey), ("team", Account.teamID)]
    }

    let context: SimulatorContext
    let book = IssueBook()
    /// The team's labels (LinearSimulator+Labels), in order of creation.
    let labels = Mutex<[(id: String, name: String)]>([])
    /// The key of the issue keyed `key` sits under, if any.
    public func parent(of key: String) -> String? { book.parent(of: key) }

    public init(context: SimulatorContext) {
        self.context = context
        hooks = HookBook(tool: Self.kind, webhooks: context.webhooks)
    }

    /// Webhooks registered through the API.
    let hooks: HookBook

    public var issues: [SimulatedIssue] { book.issues }

    /// The GraphQL shape of an issue, as the queries ask for it.
    func render(_ issue: SimulatedIssue) -> [String: Any] {
        [
            "id": issue.id, "identifier": issue.key, "url": "https://linear.app/acme/issue/\(issue.key)",
            "updatedAt": Timestamp.withMilliseconds(issue.updatedAt), "state": ["name": issue.state, "type": issue.stateDetail ?? "unstarted"],
        ]
    }

    /// Moves an issue to a workflow state, as a developer would, and sends the `Issue` `update` webhook.
    @discardableResult
    public func setState(number: Int, name: String, type: String, actor: String = "dev-alice-id", at time: Date = .now) async
        -> WebhookDeliverer.Delivery?
    {
        guard let issue = book.update(.number(number), at: time, { issue in
            issue.state = name
            issue.stateDetail = type
        })?.issue else { return nil }
        var data = render(issue)
        data["number"] = issue.number
        data["title"] = issue.title
        data["team"] = ["id": Account.teamID, "key": Account.teamKey, "name": "Engineering"]
        let payload: [String: Any] = [
            "action": "update", "type": "Issue", "createdAt": Timestamp.withMilliseconds(time), "data": data,
            "actor": ["id": actor, "name": actor, "type": "user"], "url": "https://linear.app/acme/issue/\(issue.key)",
            "organizationId": "0b9f2c4e-1d3a-4b5c-8d7e-6f5a4b3c2d1e", "webhookTimestamp": Int64(Date.now.timeIntervalSince1970 * 1000),
        ]
        guard let body = try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]) else { return nil }
        return await context.webhooks.deliver(
            tool: "linear", event: "Issue", headers: ["Linear-Event": "Issue"],
            authentication: .hmacSHA256(header: "Linear-Signature", prefix: ""), deliveryIDHeader: "Linear-Delivery", body: Array(body))
    }

    /// Where the simulated `https://api.linear.app` lives on the simulators' listener: GitHub has a `/graphql` too.
    public static let pathPrefix = "/linear"

    public func register(in router: inout Router) {
        router.post("\(Self.pathPrefix)/graphql") { [self] request in
            let refusal = request.headers[.authorization] == Account.apiKey
                ? nil : Self.errors(HTTPStatus(400, "Bad Request"), "Authentication required, not authenticated", code: "AUTHENTICATION_ERROR")
            return try await context.serve(tool: "linear", "POST /graphql", refusal: refusal) { try answer(request) }
        }
    }

    /// A GraphQL request, read as generic JSON: the operation is told by the field the query asks for.
    private func answer(_ request: HTTPRequest) throws -> HTTPResponse {
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
            let query = object["query"] as? String
        else { return Self.errors(HTTPStatus(400, "Bad Request"), "Must provide query string.", code: "GRAPHQL_PARSE_FAILED") }
        let variables = object["variables"] as? [String: Any] ?? [:]
        if query.contains("issueCreate(") { return try create(variables) }
        if query.contains("issueUpdate(") { return try update(variables) }
        if query.contains("issueLabels(") { return try labelsNamed(variables) }
        if query.contains("issueLabelCreate(") { return try createLabel(variables) }
        if query.contains("webhooks(") || query.contains("webhookCreate(") || query.contains("webhookUpdate(") { return try webhooks(query, variables) }
        if query.contains("issue(id:") { return try read(variables) }
        if query.contains("issues(filter:") { return try changed(variables) }
        return Self.errors(HTTPStatus(400, "Bad Request"), "Unknown operation", code: "GRAPHQL_VALIDATION_FAILED")
    }

    /// `issueUpdate`: the simulator changes only the parent (`input.parentId`), as craft-sync asks.
    private func update(_ variables: [String: Any]) throws -> HTTPResponse {
        let input = variables["input"] as? [String: Any] ?? [:]
        guard let id = variables["id"] as? String, let child = book.issue(.idOrKey(id)) else { return Self.errors(.ok, "Entity not found: Issue", code: "INPUT_ERROR") }
        guard let parentID = input["parentId"] as? String else { return Self.errors(.ok, "Argument Validation Error", code: "INVALID_INPUT") }
        guard let parent = book.issue(.idOrKey(parentID)), parent.id != child.id else {
            return Self.errors(.ok, "Entity not found: Issue - Could not find referenced Issue.", code: "INPUT_ERROR")
        }
        _ = book.setParent(of: child.key, to: parent.key)
        return try Self.data(["issueUpdate": ["success": true, "issue": render(child)]])
    }

    private func create(_ variables: [String: Any]) throws -> HTTPResponse {
        let input = variables["input"] as? [String: Any] ?? [:]
        guard input["teamId"] as? String == Account.teamID else { return Self.errors(.ok, "Entity not found: Team", code: "INPUT_ERROR") }
        guard let title = input["title"] as? String, !title.isEmpty else {
            return Self.errors(.ok, "Argument Validation Error", code: "INVALID_INPUT")
        }
        let id = input["id"] as? String ?? UUID().uuidString.lowercased()
        guard let labelNames = labelNames(ids: input["labelIds"] as? [String] ?? []) else {
            return Self.errors(.ok, "Entity not found: IssueLabel", code: "INPUT_ERROR")
        }
        let created = book.createUnlessExists { number in
            SimulatedIssue(
                id: id, key: "\(Account.teamKey)-\(number)", number: number, title: title, description: input["description"] as? String ?? "",
                labels: labelNames, state: "Todo", stateDetail: "unstarted", priority: (input["priority"] as? Int).map(String.init), updatedAt: .now)
        }
        guard let created else { return Self.errors(.ok, "Entity already exists: Issue \(id)", code: "INPUT_ERROR") }
        switch context.faults.afterCreate(target: "linear") {
        case .reset: throw AbortConnection()
        case .gatewayError: return Self.errors(HTTPStatus(502, "Bad Gateway"), "Bad Gateway", code: "INTERNAL_ERROR")
        case .answer: break
        }
        return try Self.data(["issueCreate": ["success": true, "issue": render(created)]])
    }

    private func read(_ variables: [String: Any]) throws -> HTTPResponse {
        guard let id = variables["id"] as? String, let issue = book.issue(.idOrKey(id)) else {
            return Self.errors(.ok, "Entity not found: Issue", code: "INPUT_ERROR")
        }
        return try Self.data(["issue": render(issue)])
    }

    /// `POST /_sim/linear/issues/{number}/state` (`{"name", "type"}`): a developer moving an issue; `/close` moves
    /// it to `Done` (completed), as the other simulated tools' close does. The webhook follows.
    public func registerControl(in router: inout Router) {
        router.post("/_sim/linear/issues/:number/state") { [self] request in
            struct Body: Decodable { var name: String; var type: String }
            let body = try request.decodeJSON(Body.self)
            return try await move(request, name: body.name, type: body.type)
        }
        router.post("/_sim/linear/issues/:number/close") { [self] request in
            try await move(request, name: "Done", type: "completed")
        }
    }

    private func move(_ request: HTTPRequest, name: String, type: String) async throws -> HTTPResponse {
        guard let number = request.parameters["number"].flatMap({ Int($0) }), issues.contains(where: { $0.number == number }) else {
            throw HTTPError(.notFound, "no such issue")
        }
        let delivery = await setState(number: number, name: name, type: type)
        return try .json(["delivered": delivery.map { "\($0.status ?? 0)" } ?? "no webhook target"])
    }

    static func data(_ data: [String: Any]) throws -> HTTPResponse { try .jsonObject(["data": data]) }

    /// Linear's error answer: `{"errors": [{"message", "extensions": {"code", "type"}}], "data": null}`.
    static func errors(_ status: HTTPStatus, _ message: String, code: String) -> HTTPResponse {
        let body: [String: Any] = ["errors": [["message": message, "extensions": ["code": code, "type": code.lowercased()]]], "data": NSNull()]
        return (try? .jsonObject(body, status: status)) ?? HTTPResponse(status: status)
    }
}
