import Foundation
import Support
import HTTPServer
import Synchronization

/// A fake GitLab issues API (v4) for one project: create, list by label, read; `PRIVATE-TOKEN` checked; faults under
/// the target `gitlab`; and `Issue Hook` webhooks authenticated with `X-Gitlab-Token`, as GitLab sends them.
public final class GitLabSimulator: Sendable {
    /// The account the simulator accepts, and the settings that point `serve` at it.
    public enum Account {
        public static let token = "sim-gitlab-token"
        /// The project's `group/path`; its numeric id is `projectID`.
        public static let project = "acme/mobile"
    }
    public static let kind = "gitlab"
    public static func serveSettings(baseURL: String) -> [(key: String, value: String)] {
        [("base_url", baseURL), ("token", Account.token), ("project", Account.project)]
    }
    private let projectPath = Account.project
    public let projectID = 4242
    let context: SimulatorContext
    private let book = IssueBook()

    public init(context: SimulatorContext) {
        self.context = context
        hooks = HookBook(tool: Self.kind, webhooks: context.webhooks)
    }

    /// Project webhooks registered through the API.
    let hooks: HookBook

    public var issues: [SimulatedIssue] { book.issues }

    /// The wire form of an issue (https://docs.gitlab.com/api/issues/): GitLab's own field names.
    struct RenderedIssue: Encodable {
        struct References: Encodable { var short: String; var full: String }
        var id: Int64
        var iid: Int
        var project_id: Int
        var title: String
        var description: String
        var state: String
        var labels: [String]
        var web_url: String
        var updated_at: String
        var references: References
    }

    func render(_ issue: SimulatedIssue) -> RenderedIssue {
        RenderedIssue(
            id: Int64(issue.id) ?? 0, iid: issue.number, project_id: projectID, title: issue.title, description: issue.description,
            state: issue.state, labels: issue.labels, web_url: "https://gitlab.example/\(projectPath)/-/issues/\(issue.number)",
            updated_at: issue.updatedAt.formatted(.iso8601), references: .init(short: "#\(issue.number)", full: "\(projectPath)#\(issue.number)"))
    }

    /// Closes or reopens an issue, as a developer would, and sends the `Issue Hook` GitLab would send.
    @discardableResult
    public func setState(iid: Int, state newState: String, actor: String = "dev-alice", at time: Date = .now) async -> WebhookDeliverer.Delivery? {
        guard let issue = book.update(.number(iid), at: time, { $0.state = newState })?.issue else { return nil }
        struct Payload: Encodable {
            struct Attributes: Encodable {
                var id: Int64
                var iid: Int
                var title: String
                var state: String
                var action: String
                var updated_at: String
                var url: String
            }
            struct Project: Encodable { var id: Int; var path_with_namespace: String }
            struct User: Encodable { var username: String }
            var object_kind = "issue"
            var event_type = "issue"
            var user: User
            var project: Project
            var object_attributes: Attributes
        }
        let rendered = render(issue)
        let payload = Payload(
            user: .init(username: actor), project: .init(id: projectID, path_with_namespace: projectPath),
            object_attributes: .init(
                id: rendered.id, iid: rendered.iid, title: rendered.title, state: newState, action: newState == "closed" ? "close" : "reopen",
                updated_at: rendered.updated_at, url: rendered.web_url))
        guard let body = try? JSONEncoder().encode(payload) else { return nil }
        return await context.webhooks.deliver(
            tool: "gitlab", event: "Issue Hook", headers: ["X-Gitlab-Event": "Issue Hook", "X-Gitlab-Instance": "https://gitlab.example"],
            authentication: .token(header: "X-Gitlab-Token"), deliveryIDHeader: "X-Gitlab-Event-UUID", body: Array(body))
    }

    /// A developer's edit of an issue's title or description (no hook is sent: craft-sync reads it when it looks).
    public func editByHand(iid: Int, title: String? = nil, description: String? = nil, at time: Date = .now) {
        _ = book.update(.number(iid), at: time) { issue in
            if let title { issue.title = title }
            if let description { issue.description = description }
        }
    }

    /// An issue opened by a person in the project (no marker).
    @discardableResult
    public func openIssueByHand(title: String, at time: Date = .now) -> SimulatedIssue {
        book.create { iid in
            SimulatedIssue(
                id: String(500_000 + iid), key: "\(projectPath)#\(iid)", number: iid, title: title, description: "", labels: [], state: "opened",
                stateDetail: nil, updatedAt: time)
        }
    }

    public func register(in router: inout Router) {
        router.post("/api/v4/projects/:project/issues") { [self] request in
            try await serve(request, "POST /api/v4/projects/:project/issues") {
                struct Body: Decodable {
                    var title: String
                    var description: String?
                    var labels: String?
                }
                let body = try request.decodeJSON(Body.self)
                guard !body.title.isEmpty else { return gitlabError(HTTPStatus(400, "Bad Request"), ["title": ["can't be blank"]]) }
                let labels = (body.labels ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                let issue = book.create { iid in
                    SimulatedIssue(
                        id: String(500_000 + iid), key: "\(projectPath)#\(iid)", number: iid, title: body.title, description: body.description ?? "",
                        labels: labels, state: "opened", stateDetail: nil, updatedAt: .now)
                }
                switch context.faults.afterCreate(target: "gitlab") {
                case .reset: throw AbortConnection()
                case .gatewayError: return gitlabError(HTTPStatus(502, "Bad Gateway"), "502 Bad Gateway")
                case .answer: break
                }
                return try .json(render(issue), status: .created)
            }
        }
        router.get("/api/v4/projects/:project/issues") { [self] request in
            try await serve(request, "GET /api/v4/projects/:project/issues") {
                let wanted = (request.head.queryValue("labels") ?? "").split(separator: ",").map(String.init)
                let stateFilter = request.head.queryValue("state") ?? "opened"
                let updatedAfter = request.head.queryValue("updated_after").flatMap(Timestamp.parse)
                var matching = book.issues.filter { issue in
                    wanted.allSatisfy(issue.labels.contains) && (stateFilter == "all" || issue.state == stateFilter)
                        && updatedAfter.map { issue.updatedAt >= $0 } ?? true
                }
                if request.head.queryValue("order_by") == "updated_at" {
                    matching.sort { $0.updatedAt < $1.updatedAt }
                    if request.head.queryValue("sort") != "asc" { matching.reverse() }
                }
                let page = PageRequest(request.head, sizeParameter: "per_page", defaultSize: 20, sizes: 1...100)
                return try .json(page.slice(matching).map(render))
            }
        }
        registerHooks(in: &router)
        // "Edit an issue": `title`, `description`, `labels` (the whole set), `add_labels` and `remove_labels`
        // (comma-separated), the edits the simulator takes.
        router.add(.put, "/api/v4/projects/:project/issues/:iid") { [self] request in
            try await serve(request, "PUT /api/v4/projects/:project/issues/:iid") {
                struct Body: Decodable {
                    var title: String?
                    var description: String?
                    var labels: String?
                    var add_labels: String?
                    var remove_labels: String?
                }
                let body = try request.decodeJSON(Body.self)
                func names(_ text: String?) -> [String] {
                    (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                }
                if body.title?.isEmpty == true { return gitlabError(HTTPStatus(400, "Bad Request"), ["title": ["can't be blank"]]) }
                guard let iid = request.parameters["iid"].flatMap(Int.init), let (issue, _) = book.update(.number(iid), at: .now, { issue in
                    if let title = body.title { issue.title = title }
                    if let description = body.description { issue.description = description }
                    if body.labels != nil { issue.labels = names(body.labels) }
                    for label in names(body.add_labels) where !issue.labels.contains(label) { issue.labels.append(label) }
                    issue.labels.removeAll(where: names(body.remove_labels).contains)
                }) else { return gitlabError(.notFound, "404 Not found") }
                return try .json(render(issue))
            }
        }
        router.get("/api/v4/projects/:project/issues/:iid") { [self] request in
            try await serve(request, "GET /api/v4/projects/:project/issues/:iid") {
                guard let issue = request.parameters["iid"].flatMap(Int.init).flatMap({ book.issue(.number($0)) }) else {
                    return gitlabError(.notFound, "404 Not found")
                }
                return try .json(render(issue))
            }
        }
    }

    /// `POST /_sim/gitlab/issues/{iid}/close` and `/reopen`: a developer changing an issue (the Issue Hook follows).
    public func registerControl(in router: inout Router) {
        for (action, newState) in [("close", "closed"), ("reopen", "opened")] {
            router.post("/_sim/gitlab/issues/:iid/\(action)") { [self] request in
                guard let iid = request.parameters["iid"].flatMap({ Int($0) }), issues.contains(where: { $0.number == iid }) else {
                    throw HTTPError(.notFound, "no such issue")
                }
                let delivery = await setState(iid: iid, state: newState)
                return try .json(["delivered": delivery.map { "\($0.status ?? 0)" } ?? "no webhook target"])
            }
        }
    }

    /// The project may be named by id or by its URL-encoded path (`group%2Fproject`), as GitLab accepts both.
    func serve(_ request: HTTPRequest, _ endpoint: String, _ body: () async throws -> HTTPResponse) async throws -> HTTPResponse {
        let project = request.parameters["project"] ?? ""
        let refusal: HTTPResponse? =
            if request.headers["PRIVATE-TOKEN"] != Account.token { gitlabError(.unauthorized, "401 Unauthorized") }
            else if project != projectPath && project != String(projectID) { gitlabError(.notFound, "404 Project Not Found") }
            else { nil }
        return try await context.serve(tool: "gitlab", endpoint, refusal: refusal, body)
    }
}

/// GitLab's error body: `{"message": ...}`, a string or an object of field errors.
private struct GitLabErrorBody<Message: Encodable>: Encodable {
    var message: Message
}

func gitlabError<Message: Encodable>(_ status: HTTPStatus, _ message: Message) -> HTTPResponse {
    (try? HTTPResponse.json(GitLabErrorBody(message: message), status: status)) ?? HTTPResponse(status: status)
}
