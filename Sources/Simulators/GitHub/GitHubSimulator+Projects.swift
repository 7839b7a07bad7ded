import Foundation
import HTTPServer
import Support

/// One organization project board (Projects v2) on the simulated GitHub, with a single-select `Status` field:
/// moving an issue's card sends `projects_v2_item.edited` as GitHub sends it to organization webhooks (shaped like
/// octokit's published payload: the content's node id and the field's type, no value), and `POST /graphql`
/// answers the `nodes(ids:)` queries craft-sync reads issues with their board values, and pull requests with the
/// issues they close, in GitHub's response shape (https://docs.github.com/en/graphql/reference/queries#nodes).
extension GitHubSimulator {
    /// The board's status field, as GitHub's project templates name it.
    public static let boardStatusField = "Status"

    /// The issue's option on the board, nil when its card is not there.
    public func boardStatus(of number: Int) -> String? { board.withLock { $0[number]?.option } }

    /// Moves issue `number`'s card to `option` (nil takes it off the board: `projects_v2_item.deleted`). The issue's
    /// own `updated_at` stays: a board edit is the project item's.
    @discardableResult
    public func setBoardStatus(number: Int, to option: String?, actor: String = "dev-alice", at time: Date = .now) async -> WebhookDeliverer.Delivery? {
        guard let issue = book.issue(.number(number)) else { return nil }
        board.withLock { cards in cards[number] = option.map { ($0, time) } }
        return await sendProjectItemEvent(action: option == nil ? "deleted" : "edited", issue: issue, actor: actor, at: time)
    }

    private func sendProjectItemEvent(action: String, issue: SimulatedIssue, actor: String, at time: Date) async -> WebhookDeliverer.Delivery? {
        struct Payload: Encodable {
            struct Item: Encodable {
                var id: Int
                var node_id: String
                var project_node_id = "PVT_sim1"
                var content_node_id: String
                var content_type = "Issue"
                var created_at: String
                var updated_at: String
            }
            struct FieldValue: Encodable { var field_node_id = "PVTSSF_simStatus"; var field_type = "single_select" }
            struct Changes: Encodable { var field_value = FieldValue() }
            var action: String
            var projects_v2_item: Item
            var changes: Changes?
        }
        let stamp = time.formatted(.iso8601)
        let typed = Payload(
            action: action,
            projects_v2_item: .init(
                id: issue.number, node_id: "PVTI_sim\(issue.number)", content_node_id: Self.nodeID(of: issue), created_at: stamp, updated_at: stamp),
            changes: action == "edited" ? Payload.Changes() : nil)
        var payload = (Self.jsonObject(typed) as? [String: Any]) ?? [:]
        // Required by the payload schema, null or not: who made the card, and its archiving.
        if var item = payload["projects_v2_item"] as? [String: Any] {
            item["creator"] = Self.jsonObject(SimpleUser(login: actor))
            item["archived_at"] = NSNull()
            payload["projects_v2_item"] = item
        }
        payload["organization"] = Self.organizationObject(login: Account.owner)
        payload["sender"] = Self.jsonObject(SimpleUser(login: actor))
        return await sendWebhook(event: "projects_v2_item", object: payload)
    }

    static func nodeID(of issue: SimulatedIssue) -> String { "I_sim\(issue.id)" }

    /// `POST /graphql`: `nodes(ids:)` with the issue fields and `fieldValueByName(name:)`; any other query is answered
    /// with GitHub's error for what it does not know.
    func registerGraphQL(in router: inout Router) {
        router.post("/graphql") { [self] request in
            try await serve(request, "POST /graphql") {
                struct Body: Decodable {
                    struct Variables: Decodable { var ids: [String]?; var field: String?; var login: String? }
                    var query: String
                    var variables: Variables?
                }
                let body = try request.decodeJSON(Body.self)
                if body.query.contains("organization(login:") {
                    // The one organization, with its one board; any other login is not an organization.
                    guard body.variables?.login == Account.owner else {
                        return try .jsonObject([
                            "data": ["organization": NSNull()],
                            "errors": [["type": "NOT_FOUND", "message": "Could not resolve to an Organization with the login of '\(body.variables?.login ?? "")'."]],
                        ])
                    }
                    return try .jsonObject(["data": ["organization": ["projectsV2": ["totalCount": 1]]]])
                }
                guard body.query.contains("nodes(ids:"), let ids = body.variables?.ids else {
                    return try .jsonObject(["errors": [["message": "The simulated GitHub answers only nodes(ids:) queries"]]])
                }
                guard ids.count <= 100 else {
                    return try .jsonObject(["errors": [["type": "EXCESSIVE_PAGINATION", "message": "at most 100 ids"]]])
                }
                var nodes: [Any] = []
                var errors: [[String: Any]] = []
                for (index, id) in ids.enumerated() {
                    if id.hasPrefix("I_sim"), let issue = book.issue(.idOrKey(String(id.dropFirst(5)))) {
                        let node: [String: Any] = body.query.contains("... on Issue")
                            ? graphQLIssue(issue, field: body.variables?.field ?? Self.boardStatusField) : ["__typename": "Issue"]
                        nodes.append(node)
                    } else if id.hasPrefix("PR_sim"), let pull = Int(id.dropFirst(6)), let closing = pullRequests.withLock({ $0.closing[pull] }) {
                        var node: [String: Any] = body.query.contains("... on PullRequest") ? graphQLPullRequest(closing: closing) : [:]
                        node["__typename"] = "PullRequest"
                        nodes.append(node)
                    } else {
                        nodes.append(NSNull())
                        errors.append(["type": "NOT_FOUND", "path": ["nodes", index], "message": "Could not resolve to a node with the global id of '\(id)'"])
                    }
                }
                var answer: [String: Any] = ["data": ["nodes": nodes]]
                if !errors.isEmpty { answer["errors"] = errors }
                return try .jsonObject(answer)
            }
        }
    }

    /// `closingIssuesReferences`: what the pull request closes, by keyword or by a link in its Development panel.
    private func graphQLPullRequest(closing: [Int]) -> [String: Any] {
        let repository = ["nameWithOwner": "\(Account.owner)/\(Account.repository)"]
        return ["closingIssuesReferences": ["nodes": closing.map { ["number": $0, "repository": repository] as [String: Any] }]]
    }

    private func graphQLIssue(_ issue: SimulatedIssue, field: String) -> [String: Any] {
        let card = board.withLock { $0[issue.number] }
        var item: [String: Any] = [:]
        if let card, field == Self.boardStatusField {
            item["fieldValueByName"] = ["name": card.option, "updatedAt": card.updatedAt.formatted(.iso8601)]
        } else {
            item["fieldValueByName"] = NSNull()
        }
        return [
            "__typename": "Issue", "id": Self.nodeID(of: issue), "fullDatabaseId": issue.id, "databaseId": Int64(issue.id) ?? 0, "number": issue.number, "url": "https://github.com/\(Account.owner)/\(Account.repository)/issues/\(issue.number)",
            "state": issue.state.uppercased(), "stateReason": issue.stateDetail.map { $0.uppercased() } ?? NSNull(),
            "updatedAt": issue.updatedAt.formatted(.iso8601), "repository": ["nameWithOwner": "\(Account.owner)/\(Account.repository)"],
            "assignees": ["totalCount": (issue.assignees ?? []).count], "labels": ["nodes": issue.labels.map { ["name": $0] }],
            "projectItems": ["nodes": card == nil ? [] : [item]],
        ]
    }
}
