import Foundation
import Support
import OutboundHTTP

/// GitHub Issues over the REST API (https://docs.github.com/en/rest/issues/issues). The marker is a label
/// `craft:<item id>`, found through the list endpoint filtered by label: the search API's index lags writes
/// by seconds, which is how other sync tools created duplicates.
public struct GitHubAdapter: DevTool {
    public let kind = "github"
    public let instance: String
    let owner: String
    let repository: String
    let transport: JSONTransport
    /// The Projects (v2) single-select field whose options say where an open issue is (`Status`); nil: boards are
    /// not read (see GitHubAdapter+Projects).
    let projectStatusField: String?

    /// `baseURL` is `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server.
    public init(
        instance: String = "github", baseURL: URL, owner: String, repository: String, token: String, projectStatusField: String? = nil,
        http: any HTTPClient
    ) {
        self.instance = instance
        self.owner = owner
        self.repository = repository
        self.projectStatusField = projectStatusField
        transport = JSONTransport(
            tool: "GitHub", baseURL: baseURL,
            headers: [
                "Authorization": "Bearer \(token)", "Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
            ],
            http: http, errorMessage: JSONTransport.message(in:), classify: Self.rateLimitClassifier)
    }

    /// An adapter whose calls `policy` retries over `transport`, with GitHub's rate-limit answers read as waits
    /// (`rateLimitClassifier`): how GitHub's retries are wired, wherever an adapter is made.
    public init(
        instance: String = "github", baseURL: URL, owner: String, repository: String, token: String, projectStatusField: String? = nil,
        transport: any HTTPClient, policy: RetryPolicy, clock: any SyncClock
    ) {
        self.init(
            instance: instance, baseURL: baseURL, owner: owner, repository: repository, token: token, projectStatusField: projectStatusField,
            http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock, classify: Self.rateLimitClassifier))
    }

    struct IssueBody: Decodable {
        struct Label: Decodable { var name: String }
        var id: Int64
        /// The GraphQL id, by which a project board's status is read.
        var node_id: String?
        var number: Int
        var html_url: String
        var state: String
        var state_reason: String?
        var labels: [Label]
        var pull_request: [String: String?]?
        var updated_at: String?
        struct Login: Decodable { var login: String }
        var assignees: [Login]?
        var milestone: GitHubAdapter.Milestone?

        /// `board`: the issue's value on a project board, when boards are read (GitHubAdapter+Projects).
        func devIssue(repository: String, board: GitHubAdapter.IssueNode.BoardValue? = nil) -> DevIssue {
            DevIssue(
                id: String(id), key: "\(repository)#\(number)", url: html_url,
                status: GitHubAdapter.status(
                    state: state, reason: state_reason, assigned: !(assignees ?? []).isEmpty, labels: labels.map(\.name), board: board?.name),
                labels: labels.map(\.name),
                updatedAt: Timestamp.later(updated_at.flatMap(Timestamp.parse), board?.updatedAt.flatMap(Timestamp.parse)), alternateID: node_id,
                signals: GitHubAdapter.signals(assignees: assignees?.map(\.login), milestone: milestone))
        }
    }

    private var fullName: String { "\(owner)/\(repository)" }

    /// An issue's milestone (components/schemas/milestone): its title is the release, its `due_on` the due date.
    struct Milestone: Decodable {
        var title: String
        var due_on: String?
    }

    /// What an issue object says besides its state, the same in deliveries and reads: its assignees' logins, its
    /// milestone as the release and the milestone's due date. Nil parts (a payload without assignees) stay unknown.
    static func signals(assignees: [String]?, milestone: Milestone?) -> DevSignals {
        var signals: DevSignals = [.release: milestone?.title ?? "", .dueDate: DevSignals.day(milestone?.due_on) ?? ""]
        if let assignees { signals[.assignee] = assignees.joined(separator: ", ") }
        return signals
    }

    public func marker(for craftItemID: String) -> String { "craft:\(craftItemID)" }

    /// GitHub drops a create's labels in silence for a token without push access ("Create an issue": labels are set
    /// "only for users with push access").
    public var markerLossHint: String {
        "the token most likely lacks push (write) access to \(fullName): grant it, then restart craft-sync"
    }

    /// The issues list (unlike the search API) is consistent right after a write.
    public var findsNewIssuesImmediately: Bool { true }

    /// GitHub issues have no type or priority field: mapped values become labels.
    public var capabilities: DevToolCapabilities { .init(issueTypeAndPriorityFields: false) }
    public var webhookHeadersKept: [String] { ["x-github-", "x-hub-signature", "content-type", "user-agent"] }
    /// Open is To Do, assigned In Progress, with a ready pull request that closes it In Review (back to In Progress if
    /// that pull request closes unmerged); closed as completed is Done, closed as not planned is Won't Do. On a board,
    /// the options of GitHub's project templates ("Todo", "In progress", ...) by their plain meaning.
    public var defaultStatusNames: [String: String] {
        var names = [
            "open": "To Do", "open:assigned": "In Progress", "open:in_review": "In Review", "open:review_closed": "In Progress",
            "closed": "Done", "closed:completed": "Done", "closed:not_planned": "Won't Do",
        ]
        let board = [
            "Todo": "To Do", "Backlog": "To Do", "Ready": "To Do", "In Progress": "In Progress", "In progress": "In Progress",
            "In Review": "In Review", "In review": "In Review", "Done": "Done",
        ]
        for (option, value) in board { names["\(Self.boardStatusName):\(option)"] = value }
        return names
    }

    /// Open, or on a board (`project:<option>`): where label rules apply.
    public var openStatusNames: Set<String> { ["open", Self.boardStatusName] }

    public func create(_ issue: NewIssue) async throws(DevToolError) -> DevIssue {
        struct Body: Encodable {
            var title: String
            var body: String
            var labels: [String]
        }
        var labels = issue.labels
        if let type = issue.issueType { labels.append(type) }
        if let priority = issue.priority { labels.append(priority) }
        labels.append(issue.marker)
        let created = try await transport.request(
            "POST", transport.url("repos/\(owner)/\(repository)/issues"),
            body: Body(title: issue.title, body: issue.description, labels: uniqued(labels)), as: IssueBody.self,
            operation: "GitHub: create issue in \(fullName)")
        return created.devIssue(repository: fullName)
    }

    public func find(marker: String) async throws(DevToolError) -> DevIssue? {
        let issues = try await transport.request(
            "GET", transport.url("repos/\(owner)/\(repository)/issues", query: [("labels", marker), ("state", "all"), ("per_page", "10")]),
            as: [IssueBody].self, operation: "GitHub: find issue labelled \(marker)")
        // The issues list also returns pull requests; ours are never those.
        return issues.filter { $0.pull_request == nil }.min { $0.number < $1.number }?.devIssue(repository: fullName)
    }

    public func issue(_ reference: DevIssueReference) async throws(DevToolError) -> DevIssue {
        guard let number = reference.key.split(separator: "#").last.flatMap({ Int($0) }) else {
            throw .malformedResponse(tool: "GitHub", operation: "GitHub: read issue", detail: "key \(reference.key) has no issue number")
        }
        // The key names the repository: an issue transferred elsewhere is read where it now lives.
        let named = reference.key.split(separator: "#").first.map(String.init) ?? ""
        let repositoryName = named.split(separator: "/").count == 2 ? named : fullName
        let read = try await transport.request(
            "GET", transport.url("repos/\(repositoryName)/issues/\(number)"), as: IssueBody.self,
            operation: "GitHub: read issue \(repositoryName)#\(number)")
        return try await withBoardStatus([read], repository: repositoryName)[0]
    }

    /// `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`
    /// (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries).
    /// "Validating webhook deliveries": `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the payload>`.
    public var webhookAuthentication: WebhookAuthentication { .bodySignature(header: "x-hub-signature-256", prefix: "sha256=") }

    public func verifyWebhook(headers: [String: String], body: [UInt8], secrets: [String]) -> Bool {
        bodySignatureMatches(headers: headers, body: body, secrets: secrets)
    }

    /// GitHub's rate limits (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api):
    /// `retry-after` wins; a spent primary limit (`x-ratelimit-remaining: 0`) waits until `x-ratelimit-reset`;
    /// a 403 or 429 secondary limit with neither header waits at least 60 s. Other answers as usual.
    public static let rateLimitClassifier: RetryingHTTPClient.Classifier = { response, now in
        let limited = response.status == 403 || response.status == 429
        if limited, let wait = RetryAfter.parse(response.header("retry-after"), now: now) { return .retryAfter(wait) }
        if limited, response.header("x-ratelimit-remaining") == "0", let reset = response.header("x-ratelimit-reset").flatMap(Double.init) {
            // Range-checked: the header is the server's number, and `Int(1e300)` would trap.
            let seconds = min(max(1, reset - now.timeIntervalSince1970.rounded(.down)), 86_400)
            return .retryAfter(.seconds(seconds.isFinite ? Int(seconds) : 86_400))
        }
        if response.status == 429 || (response.status == 403 && isSecondaryLimit(response.body)) { return .retryAfter(.seconds(60)) }
        return RetryingHTTPClient.standard(response, now)
    }

    /// A 403 is a rate limit only when GitHub says so; otherwise it is a permission problem that retrying won't fix.
    static func isSecondaryLimit(_ body: Data) -> Bool {
        String(decoding: body.prefix(500), as: UTF8.self).lowercased().contains("rate limit")
    }
}
