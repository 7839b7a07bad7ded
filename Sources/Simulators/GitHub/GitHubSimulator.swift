import Foundation
import Support
import HTTPServer
import Synchronization

/// A fake GitHub Issues API: create, list by label, read; Bearer token checked; rate-limit headers on every answer.
public final class GitHubSimulator: Sendable {
    /// The account the simulator accepts, and the settings that point `serve` at it.
    public enum Account {
        public static let token = "sim-github-token"
        public static let owner = "acme"
        public static let repository = "product"
    }
    public static let kind = "github"
    public static func serveSettings(baseURL: String) -> [(key: String, value: String)] {
        [
            ("base_url", baseURL), ("token", Account.token), ("owner", Account.owner), ("repository", Account.repository),
            ("project_status_field", boardStatusField),
        ]
    }

    let context: SimulatorContext
    let book = IssueBook()
    /// The primary rate limit's remaining requests, as `x-ratelimit-remaining` reports them (5,000 an hour for a
    /// personal token), and the limit itself.
    private let remainingRequests = Mutex(5000)
    /// The GraphQL pool's remaining points.
    private let remainingPoints = Mutex(5000)
    /// Sub-issues: parent number → its children's numbers, in the order they were added.
    let subIssueNumbers = Mutex<[Int: [Int]]>([:])

    /// The numbers of the sub-issues of issue `number`.
    public func subIssues(of number: Int) -> [Int] { subIssueNumbers.withLock { $0[number] ?? [] } }

    /// The project board's cards: issue number → its `Status` option and when it was set (GitHubSimulator+Projects).
    let board = Mutex<[Int: (option: String, updatedAt: Date)]>([:])

    /// Pull requests opened through the control API: number → the issue numbers they close, and those linked in the
    /// Development panel rather than by their description.
    let pullRequests = Mutex<(next: Int, closing: [Int: [Int]], linkedInPanel: Set<Int>)>((1000, [:], []))
    private let requestLimit = Mutex(5000)

    /// Gives the token another hourly limit, all of it unspent (a GitHub App installation has up to 12,500; a
    /// benchmark that builds 100,000 issues needs more than any).
    public func setRateLimit(_ limit: Int) {
        requestLimit.withLock { $0 = limit }
        remainingRequests.withLock { $0 = limit }
    }
    /// GitHub silently drops the labels of a create when the token lacks push access to the repository ("Create an
    /// issue": labels are set "only for users with push access").
    private let pushAccess = Mutex(true)

    public func setPushAccess(_ granted: Bool) { pushAccess.withLock { $0 = granted } }
    var hasPushAccess: Bool { pushAccess.withLock { $0 } }

    /// Deletes an issue, as a repository admin can: reads of it answer 410 Gone, as GitHub's do ("Get an issue").
    public func delete(number: Int) {
        book.delete(number: number)
    }

    public init(context: SimulatorContext) {
        self.context = context
        hooks = HookBook(tool: Self.kind, webhooks: context.webhooks)
        organizationHooks = HookBook(tool: Self.kind, webhooks: context.webhooks)
    }

    /// Repository webhooks registered through the API.
    let hooks: HookBook
    /// Organization webhooks (where GitHub sends `projects_v2_item`); the simulators deliver every GitHub event to
    /// the last one registered of either kind.
    let organizationHooks: HookBook

    public var issues: [SimulatedIssue] { book.issues }

    /// Closes or reopens an issue, as a developer would, and sends the `issues` webhook GitHub would send.
    @discardableResult
    public func setState(
        number: Int, state newState: String, reason: String?, actor: String = "dev-alice", at time: Date = .now
    ) async -> WebhookDeliverer.Delivery? {
        guard let issue = book.update(.number(number), at: time, { issue in
            issue.state = newState
            issue.stateDetail = reason
        })?.issue else { return nil }
        return await sendIssuesEvent(action: newState == "closed" ? "closed" : "reopened", issue: issue, actor: actor)
    }

    /// Sends the `issues` webhook GitHub sends for `action` on `issue`.
    func sendIssuesEvent(action: String, issue: SimulatedIssue, actor: String) async -> WebhookDeliverer.Delivery? {
        let owner = Account.owner, repo = Account.repository
        var payload: [String: Any] = [
            "action": action, "issue": Self.jsonObject(Self.render(issue, owner: owner, repository: repo)),
            "repository": Self.repositoryObject(owner: owner, repository: repo), "sender": Self.jsonObject(SimpleUser(login: actor)),
        ]
        if action == "assigned", let login = issue.assignees?.last { payload["assignee"] = Self.jsonObject(SimpleUser(login: login)) }
        // `issues.milestoned` names the milestone beside the issue (webhook-payload-schemas/issues/milestoned).
        if action == "milestoned", let milestone = (payload["issue"] as? [String: Any])?["milestone"] { payload["milestone"] = milestone }
        return await sendWebhook(event: "issues", object: payload)
    }

    func sendWebhook(event: String, body: [UInt8]) async -> WebhookDeliverer.Delivery? {
        await context.webhooks.deliver(
            tool: "github", event: event, headers: ["X-GitHub-Event": event, "X-GitHub-Hook-ID": "1"],
            authentication: .hmacSHA256(header: "X-Hub-Signature-256"), deliveryIDHeader: "X-GitHub-Delivery", body: body)
    }

    /// `POST /_sim/github/issues/{number}/close` (`{"reason"}`), `/reopen`, and `/state` (`{"state", "reason"}`): a
    /// developer changing an issue; the `issues` webhook follows.
    public func registerControl(in router: inout Router) {
        registerWorkflowControl(in: &router)
        router.post("/_sim/github/issues/:number/close") { [self] request in
            struct Body: Decodable { var reason: String? }
            let reason = request.body.isEmpty ? "completed" : (try request.decodeJSON(Body.self).reason ?? "completed")
            return try await move(request, state: "closed", reason: reason)
        }
        router.post("/_sim/github/issues/:number/reopen") { [self] request in
            try await move(request, state: "open", reason: "reopened")
        }
        router.post("/_sim/github/issues/:number/state") { [self] request in
            struct Body: Decodable { var state: String; var reason: String? }
            let body = try request.decodeJSON(Body.self)
            return try await move(request, state: body.state, reason: body.reason)
        }
    }

    private func move(_ request: HTTPRequest, state: String, reason: String?) async throws -> HTTPResponse {
        guard let number = request.parameters["number"].flatMap({ Int($0) }), issues.contains(where: { $0.number == number }) else {
            throw HTTPError(.notFound, "no such issue")
        }
        let delivery = await setState(number: number, state: state, reason: reason)
        return try .json(["delivered": delivery.map { "\($0.status ?? 0)" } ?? "no webhook target"])
    }

    public func register(in router: inout Router) {
        router.post("/repos/:owner/:repo/issues") { [self] request in
            try await serve(request, "POST /repos/:owner/:repo/issues") {
                struct Body: Decodable {
                    var title: String
                    var body: String?
                    var labels: [String]?
                }
                let body = try request.decodeJSON(Body.self)
                guard !body.title.isEmpty else { return githubError(.unprocessableContent, "Validation Failed") }
                let labels = pushAccess.withLock { $0 } ? body.labels ?? [] : []
                let issue = book.create { number in
                    SimulatedIssue(
                        id: String(1_000_000 + number), key: "#\(number)", number: number, title: body.title, description: body.body ?? "",
                        labels: labels, state: "open", stateDetail: nil, updatedAt: .now)
                }
                switch context.faults.afterCreate(target: "github") {
                case .reset: throw AbortConnection()
                case .gatewayError: return githubError(HTTPStatus(502, "Bad Gateway"), "Server Error")
                case .answer: break
                }
                return try .json(Self.render(issue, request), status: .created)
            }
        }
        router.get("/repos/:owner/:repo/issues") { [self] request in
            try await serve(request, "GET /repos/:owner/:repo/issues") {
                let wanted = (request.head.queryValue("labels") ?? "").split(separator: ",").map { String($0) }
                let stateFilter = request.head.queryValue("state") ?? "open"
                // `since`: updated at or after, at GitHub's one-second resolution.
                let since = request.head.queryValue("since").flatMap(Timestamp.parse)
                var matching = book.issues.filter { issue in
                    wanted.allSatisfy(issue.labels.contains) && (stateFilter == "all" || issue.state == stateFilter)
                        && since.map { issue.updatedAt.timeIntervalSince1970.rounded(.down) >= $0.timeIntervalSince1970 } ?? true
                }
                if request.head.queryValue("sort") == "updated" {
                    matching.sort { $0.updatedAt < $1.updatedAt }
                    if request.head.queryValue("direction") != "asc" { matching.reverse() }
                }
                let page = PageRequest(request.head, sizeParameter: "per_page", defaultSize: 30, sizes: 1...100)
                return try .json(page.slice(matching).map { Self.render($0, request) })
            }
        }
        registerHooks(in: &router)
        registerGraphQL(in: &router)
        registerLabels(in: &router)
        registerUpdate(in: &router)
        // https://docs.github.com/en/rest/issues/sub-issues#add-sub-issue: the child by its numeric id; an issue has
        // one parent at most.
        router.post("/repos/:owner/:repo/issues/:number/sub_issues") { [self] request in
            try await serve(request, "POST /repos/:owner/:repo/issues/:number/sub_issues") {
                struct Body: Decodable { var sub_issue_id: Int64 }
                let body = try request.decodeJSON(Body.self)
                guard let number = request.parameters["number"].flatMap(Int.init), let parent = book.issue(.number(number)),
                    let child = book.issue(.idOrKey(String(body.sub_issue_id)))
                else { return githubError(.notFound, "Not Found") }
                let added = subIssueNumbers.withLock { parents -> Bool in
                    guard !parents.values.contains(where: { $0.contains(child.number) }) else { return false }
                    parents[number, default: []].append(child.number)
                    return true
                }
                guard added else { return githubError(.unprocessableContent, "Validation Failed: sub-issue already has a parent") }
                return try .json(Self.render(parent, request), status: .created)
            }
        }
        router.get("/repos/:owner/:repo/issues/:number") { [self] request in
            try await serve(request, "GET /repos/:owner/:repo/issues/:number") {
                guard let issue = request.parameters["number"].flatMap(Int.init).flatMap({ book.issue(.number($0)) }) else {
                    let gone = request.parameters["number"].flatMap(Int.init).map(book.wasDeleted) ?? false
                    return gone ? githubError(.gone, "This issue was deleted") : githubError(.notFound, "Not Found")
                }
                return try .json(Self.render(issue, request))
            }
        }
    }

    func serve(_ request: HTTPRequest, _ endpoint: String, _ body: () async throws -> HTTPResponse) async throws -> HTTPResponse {
        let refusal = request.headers[.authorization] == "Bearer \(Account.token)" ? nil : githubError(.unauthorized, "Bad credentials")
        var response = try await context.serve(tool: "github", endpoint, refusal: refusal, body)
        if refusal != nil { return response }
        // GraphQL has its own pool (5,000 points an hour; a query here costs one), as on GitHub.
        let graphQL = endpoint == "POST /graphql"
        let remaining = graphQL ? Self.spend(remainingPoints) : Self.spend(remainingRequests)
        let limit = graphQL ? 5000 : requestLimit.withLock { $0 }
        response.headers["x-ratelimit-limit"] = response.headers["x-ratelimit-limit"] ?? String(limit)
        response.headers["x-ratelimit-remaining"] = response.headers["x-ratelimit-remaining"] ?? String(remaining)
        response.headers["x-ratelimit-reset"] = response.headers["x-ratelimit-reset"] ?? String(Int(Date().timeIntervalSince1970) + 3600)
        response.headers["x-ratelimit-resource"] = graphQL ? "graphql" : "core"
        return response
    }

    /// One request off a pool; what remains.
    private static func spend(_ pool: borrowing Mutex<Int>) -> Int {
        pool.withLock { remaining in
            remaining = max(0, remaining - 1)
            return remaining
        }
    }

    /// An issue as GitHub's REST description has it (components/schemas/issue): every property it requires, `null`
    /// where GitHub answers null (no assignee, no milestone, open), so the adapter parses what GitHub really sends.
    struct RenderedIssue: Encodable {
        struct Label: Encodable {
            var id: Int64
            var node_id: String
            var url: String
            var name: String
            var color = "ededed"
            var `default` = false
            var description: String? = nil

            func encode(to encoder: any Encoder) throws {
                enum Key: String, CodingKey { case id, node_id, url, name, color, `default`, description }
                var container = encoder.container(keyedBy: Key.self)
                try container.encode(id, forKey: .id)
                try container.encode(node_id, forKey: .node_id)
                try container.encode(url, forKey: .url)
                try container.encode(name, forKey: .name)
                try container.encode(color, forKey: .color)
                try container.encode(`default`, forKey: .default)
                try container.encode(description, forKey: .description)  // null, as GitHub sends it
            }
        }
        var id: Int64
        var node_id: String
        var url: String
        var repository_url: String
        var labels_url: String
        var comments_url: String
        var events_url: String
        var html_url: String
        var number: Int
        var state: String
        var state_reason: String?
        var title: String
        var body: String
        var user: SimpleUser
        var labels: [Label]
        var assignee: SimpleUser?
        var assignees: [SimpleUser]
        var milestone: Milestone?
        var locked = false
        var comments = 0
        var closed_at: String?
        var created_at: String
        var updated_at: String
        var author_association = "MEMBER"
        var active_lock_reason: String? = nil
        var reactions = Reactions()

        /// No one reacts in the simulator; the counts are there as GitHub sends them.
        struct Reactions: Encodable {
            var url = "https://api.github.com/reactions"
            var total_count = 0
            var plus = 0, minus = 0, laugh = 0, hooray = 0, confused = 0, heart = 0, rocket = 0, eyes = 0
            enum CodingKeys: String, CodingKey {
                case url, total_count, plus = "+1", minus = "-1", laugh, hooray, confused, heart, rocket, eyes
            }
        }

        func encode(to encoder: any Encoder) throws {
            // Nulls spelled out: GitHub sends `"assignee": null`, and the description requires the property.
            enum Key: String, CodingKey {
                case id, node_id, url, repository_url, labels_url, comments_url, events_url, html_url, number, state, state_reason, title, body,
                    user, labels, assignee, assignees, milestone, locked, comments, closed_at, created_at, updated_at, author_association,
                active_lock_reason, reactions
            }
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(id, forKey: .id)
            try container.encode(node_id, forKey: .node_id)
            try container.encode(url, forKey: .url)
            try container.encode(repository_url, forKey: .repository_url)
            try container.encode(labels_url, forKey: .labels_url)
            try container.encode(comments_url, forKey: .comments_url)
            try container.encode(events_url, forKey: .events_url)
            try container.encode(html_url, forKey: .html_url)
            try container.encode(number, forKey: .number)
            try container.encode(state, forKey: .state)
            try container.encode(state_reason, forKey: .state_reason)
            try container.encode(title, forKey: .title)
            try container.encode(body, forKey: .body)
            try container.encode(user, forKey: .user)
            try container.encode(labels, forKey: .labels)
            try container.encode(assignee, forKey: .assignee)
            try container.encode(assignees, forKey: .assignees)
            try container.encode(milestone, forKey: .milestone)
            try container.encode(locked, forKey: .locked)
            try container.encode(comments, forKey: .comments)
            try container.encode(closed_at, forKey: .closed_at)
            try container.encode(created_at, forKey: .created_at)
            try container.encode(updated_at, forKey: .updated_at)
            try container.encode(author_association, forKey: .author_association)
            try container.encode(active_lock_reason, forKey: .active_lock_reason)
            try container.encode(reactions, forKey: .reactions)
        }
    }

    /// GitHub's `milestone`, with every property its description requires (one milestone per title in the simulator).
    struct Milestone: Encodable {
        var url: String
        var html_url: String
        var labels_url: String
        var id: Int64
        var node_id: String
        var number: Int
        var state = "open"
        var title: String
        var description: String? = nil
        var creator: SimpleUser
        var open_issues = 1
        var closed_issues = 0
        var created_at: String
        var updated_at: String
        var closed_at: String? = nil
        var due_on: String?

        init(title: String, dueOn: String?, repository: String, owner: String, repo: String, at time: String) {
            let number = Int(title.unicodeScalars.reduce(UInt32(7)) { ($0 &* 31) &+ $1.value } % 1000) + 1
            url = "\(repository)/milestones/\(number)"
            html_url = "https://github.com/\(owner)/\(repo)/milestone/\(number)"
            labels_url = "\(url)/labels"
            id = Int64(3_000_000 + number)
            node_id = "MI_sim\(number)"
            self.number = number
            self.title = title
            creator = SimpleUser(login: "craft-sync-bot")
            created_at = time
            updated_at = time
            due_on = dueOn.map { "\($0)T07:00:00Z" }
        }

        func encode(to encoder: any Encoder) throws {
            // Nulls spelled out: GitHub sends `"description": null` and `"closed_at": null`.
            enum Key: String, CodingKey {
                case url, html_url, labels_url, id, node_id, number, state, title, description, creator, open_issues, closed_issues, created_at,
                    updated_at, closed_at, due_on
            }
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(url, forKey: .url)
            try container.encode(html_url, forKey: .html_url)
            try container.encode(labels_url, forKey: .labels_url)
            try container.encode(id, forKey: .id)
            try container.encode(node_id, forKey: .node_id)
            try container.encode(number, forKey: .number)
            try container.encode(state, forKey: .state)
            try container.encode(title, forKey: .title)
            try container.encode(description, forKey: .description)
            try container.encode(creator, forKey: .creator)
            try container.encode(open_issues, forKey: .open_issues)
            try container.encode(closed_issues, forKey: .closed_issues)
            try container.encode(created_at, forKey: .created_at)
            try container.encode(updated_at, forKey: .updated_at)
            try container.encode(closed_at, forKey: .closed_at)
            try container.encode(due_on, forKey: .due_on)
        }
    }

    /// GitHub's `simple-user`, with every property its description requires.
    struct SimpleUser: Encodable {
        var login: String
        var id: Int64
        var node_id: String
        var avatar_url: String
        var gravatar_id = ""
        var url: String
        var html_url: String
        var followers_url: String
        var following_url: String
        var gists_url: String
        var starred_url: String
        var subscriptions_url: String
        var organizations_url: String
        var repos_url: String
        var events_url: String
        var received_events_url: String
        var type = "User"
        var site_admin = false

        init(login: String) {
            let api = "https://api.github.com/users/\(login)"
            self.login = login
            id = Int64(abs(login.hashValue % 1_000_000)) + 1
            node_id = "U_sim\(login)"
            avatar_url = "https://avatars.githubusercontent.com/u/\(id)"
            url = api
            html_url = "https://github.com/\(login)"
            followers_url = "\(api)/followers"
            following_url = "\(api)/following{/other_user}"
            gists_url = "\(api)/gists{/gist_id}"
            starred_url = "\(api)/starred{/owner}{/repo}"
            subscriptions_url = "\(api)/subscriptions"
            organizations_url = "\(api)/orgs"
            repos_url = "\(api)/repos"
            events_url = "\(api)/events{/privacy}"
            received_events_url = "\(api)/received_events"
        }
    }

    static func render(_ issue: SimulatedIssue, _ request: HTTPRequest) -> RenderedIssue {
        render(issue, owner: request.parameters["owner"] ?? "owner", repository: request.parameters["repo"] ?? "repo")
    }

    static func render(_ issue: SimulatedIssue, owner: String, repository repo: String) -> RenderedIssue {
        let repository = "https://api.github.com/repos/\(owner)/\(repo)"
        let api = "\(repository)/issues/\(issue.number)"
        let updated = issue.updatedAt.formatted(.iso8601)
        let assignees = (issue.assignees ?? []).map(SimpleUser.init(login:))
        return RenderedIssue(
            id: Int64(issue.id) ?? 0, node_id: Self.nodeID(of: issue), url: api, repository_url: repository, labels_url: "\(api)/labels{/name}",
            comments_url: "\(api)/comments", events_url: "\(api)/events", html_url: "https://github.com/\(owner)/\(repo)/issues/\(issue.number)",
            number: issue.number, state: issue.state, state_reason: issue.stateDetail, title: issue.title, body: issue.description,
            user: SimpleUser(login: "craft-sync-bot"),
            labels: issue.labels.enumerated().map { index, name in
                .init(id: Int64(index + 1), node_id: "LA_sim\(index + 1)", url: "\(repository)/labels/\(name)", name: name)
            },
            assignee: assignees.first, assignees: assignees,
            milestone: issue.release.map { Milestone(title: $0, dueOn: issue.dueDate, repository: repository, owner: owner, repo: repo, at: updated) },
            // The simulator keeps one time per issue: its last change, which for a closed issue is its close.
            closed_at: issue.state == "closed" ? updated : nil, created_at: updated, updated_at: updated)
    }
}

func githubError(_ status: HTTPStatus, _ message: String) -> HTTPResponse {
    (try? HTTPResponse.json(["message": message, "documentation_url": "https://docs.github.com/rest"], status: status)) ?? HTTPResponse(status: status)
}
