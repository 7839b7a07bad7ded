import Foundation
import Support

/// GitHub Projects (v2) as a source of status
/// (https://docs.github.com/en/issues/planning-and-tracking-with-projects/understanding-fields/about-single-select-fields).
/// A team that moves cards across a board says where an open issue is more exactly than its assignees and pull
/// requests do. With `project_status_field` set (`Status`), an open issue's option in that field is its status,
/// `project:<option>` (`project:In Review`), mapped by name like any other; on several boards, the latest set wins.
///
/// GitHub tells of board changes only in `projects_v2_item` deliveries to organization webhooks and Apps, and those
/// name the item's content by GraphQL node id, never the value
/// (https://docs.github.com/en/webhooks/webhook-events-and-payloads#projects_v2_item): the issue and its board
/// value are read over GraphQL. Reads and change listings add the board value the same way, so reconciliation agrees
/// with webhooks; a board edit leaves the issue's `updated_at` alone, so only a full pass heals a missed one.
extension GitHubAdapter {
    /// The status name of an open issue whose board says where it is.
    static let boardStatusName = "project"

    private struct ProjectItemPayload: Decodable {
        struct Item: Decodable {
            var content_node_id: String?
            var content_type: String?
            var updated_at: String?
        }
        struct FieldValue: Decodable { var field_type: String? }
        struct Changes: Decodable { var field_value: FieldValue? }
        struct Sender: Decodable { var login: String }
        var action: String
        var projects_v2_item: Item
        var changes: Changes?
        var sender: Sender?
    }

    /// A board change: which issue, to be read with its value now (`issue(referencedBy:)`).
    func projectItem(_ body: [UInt8]) throws(DevToolError) -> WebhookEvent {
        guard projectStatusField != nil else {
            return .ignored(reason: "project boards are not read: set dev_tool.project_status_field to follow them")
        }
        let payload: ProjectItemPayload
        do {
            payload = try JSONDecoder().decode(ProjectItemPayload.self, from: Data(body))
        } catch {
            throw .malformedResponse(tool: "GitHub", operation: "GitHub webhook", detail: "not a projects_v2_item payload: \(error)")
        }
        let item = payload.projects_v2_item
        guard item.content_type == "Issue", let node = item.content_node_id else {
            return .ignored(reason: "a project item that is a \(item.content_type ?? "card without content"), not an issue")
        }
        switch payload.action {
        case "edited":
            // Only a single-select field can be the status field; a date or a number changes nothing here.
            let type = payload.changes?.field_value?.field_type ?? "single_select"
            guard type == "single_select" else { return .ignored(reason: "a \(type) field changed, not a status") }
        case "deleted", "archived", "restored":
            break  // The board's say comes or goes: the issue is read as it is now.
        default:
            return .ignored(reason: "projects_v2_item.\(payload.action) does not change a status")
        }
        return .needsRead(reference: node, order: item.updated_at.flatMap(Timestamp.parse)?.eventOrder, actor: payload.sender?.login)
    }

    /// The issue with GraphQL id `reference`, with its board status; nil when it is no issue (or boards are not read).
    public func issue(referencedBy reference: String) async throws(DevToolError) -> DevIssue? {
        guard projectStatusField != nil else { return nil }
        return try await issueNodes([reference])[reference]?.devIssue
    }

    /// `issues` (as the REST API gives them) with each open one's board status: one GraphQL call per 100.
    func withBoardStatus(_ issues: [IssueBody], repository: String) async throws(DevToolError) -> [DevIssue] {
        let open = issues.filter { $0.state == "open" }.compactMap(\.node_id)
        guard projectStatusField != nil, !open.isEmpty else { return issues.map { $0.devIssue(repository: repository) } }
        var boards: [String: IssueNode.BoardValue] = [:]
        for start in stride(from: 0, to: open.count, by: 100) {
            for (id, node) in try await issueNodes(Array(open[start..<min(start + 100, open.count)])) { boards[id] = node.board }
        }
        return issues.map { $0.devIssue(repository: repository, board: $0.node_id.flatMap { boards[$0] }) }
    }

    /// An issue as GraphQL reads it (https://docs.github.com/en/graphql/reference/objects#issue).
    struct IssueNode: Decodable {
        struct Repository: Decodable { var nameWithOwner: String }
        struct Count: Decodable { var totalCount: Int }
        struct Labels: Decodable { var nodes: [Name] }
        struct Name: Decodable { var name: String }
        struct Items: Decodable { var nodes: [Item?] }
        struct Item: Decodable { var fieldValueByName: BoardValue? }
        /// A `ProjectV2ItemFieldSingleSelectValue`; `name` is absent when the field is of another type.
        struct BoardValue: Decodable {
            var name: String?
            var updatedAt: String?
        }
        /// The node id.
        var id: String?
        /// The REST id (`issue.id`), as a string: GitHub's `databaseId` is a 32-bit Int on its way out.
        var fullDatabaseId: String?
        var databaseId: Int64?
        var number: Int
        var url: String
        var state: String
        var stateReason: String?
        var updatedAt: String?
        var repository: Repository
        var assignees: Count
        var labels: Labels
        var projectItems: Items

        /// The most recently set value among the boards the issue is on.
        var board: BoardValue? {
            projectItems.nodes.compactMap { $0?.fieldValueByName }.filter { $0.name != nil }
                .max { ($0.updatedAt.flatMap(Timestamp.parse) ?? .distantPast) < ($1.updatedAt.flatMap(Timestamp.parse) ?? .distantPast) }
        }

        /// nil when GitHub gave neither id (nothing to match a mapping by).
        var devIssue: DevIssue? {
            guard let id = fullDatabaseId ?? databaseId.map(String.init) else { return nil }
            let labels = labels.nodes.map(\.name)
            return DevIssue(
                id: id, key: "\(repository.nameWithOwner)#\(number)", url: url,
                status: GitHubAdapter.status(
                    state: state.lowercased(), reason: stateReason?.lowercased(), assigned: assignees.totalCount > 0, labels: labels, board: board?.name),
                labels: labels, updatedAt: Timestamp.later(updatedAt.flatMap(Timestamp.parse), board?.updatedAt.flatMap(Timestamp.parse)),
                alternateID: self.id)
        }
    }

    /// `nodes(ids:)`: the issues among `ids` (anything else, or gone, is left out), by id.
    private func issueNodes(_ ids: [String]) async throws(DevToolError) -> [String: IssueNode] {
        struct Variables: Encodable, Sendable {
            var ids: [String]
            var field: String
        }
        /// A node that is no issue (a draft, a pull request) has only its `__typename`; it is left out. An issue that
        /// does not decode is an answer craft-sync does not understand, and fails the read rather than pass for none.
        struct MaybeIssue: Decodable {
            var issue: IssueNode?
            enum Keys: String, CodingKey { case __typename }
            init(from decoder: any Decoder) throws {
                let type = try decoder.container(keyedBy: Keys.self).decodeIfPresent(String.self, forKey: .__typename)
                issue = type == "Issue" ? try IssueNode(from: decoder) : nil
            }
        }
        struct Nodes: Decodable { var nodes: [MaybeIssue?] }
        let query = """
            query IssueBoardStatus($ids: [ID!]!, $field: String!) { nodes(ids: $ids) { __typename ... on Issue { \
            id fullDatabaseId databaseId number url state stateReason updatedAt repository { nameWithOwner } assignees(first: 1) { totalCount } \
            labels(first: 100) { nodes { name } } projectItems(first: 20, includeArchived: false) { nodes { fieldValueByName(name: $field) { \
            ... on ProjectV2ItemFieldSingleSelectValue { name updatedAt } } } } } } }
            """
        let operation = "GitHub: read the project status of \(ids.count == 1 ? ids[0] : "\(ids.count) issues")"
        let nodes = try await graphQL(query, Variables(ids: ids, field: projectStatusField ?? "Status"), as: Nodes.self, operation: operation).nodes
        guard nodes.count == ids.count else {
            throw .malformedResponse(tool: "GitHub", operation: operation, detail: "\(nodes.count) nodes for \(ids.count) ids")
        }
        var found: [String: IssueNode] = [:]
        for (id, node) in zip(ids, nodes) { if let issue = node?.issue { found[id] = issue } }
        return found
    }

    /// A card taken off its board (or archived) leaves no time on the issue or anywhere a read can see: a read of an
    /// open issue without a card ends a card's state whenever it comes.
    public func readEndsUntimedState(_ lastApplied: String, read: DevIssueStatus) -> Bool {
        projectStatusField != nil && lastApplied.hasPrefix("\(Self.boardStatusName):") && read.name == "open"
    }

    /// With boards read: the owner is an organization (GitHub sends board events for organization projects only) and
    /// the token may read its projects.
    public func setupChecks() async -> [DevToolCheck] {
        guard let field = projectStatusField else { return [] }
        struct Variables: Encodable, Sendable { var login: String }
        struct Found: Decodable {
            struct Organization: Decodable {
                struct Projects: Decodable { var totalCount: Int }
                var projectsV2: Projects
            }
            var organization: Organization?
        }
        let query = "query Boards($login: String!) { organization(login: $login) { projectsV2(first: 1) { totalCount } } }"
        let subject = "project boards"
        do {
            let found = try await graphQL(query, Variables(login: owner), as: Found.self, operation: "GitHub: read the project boards of \(owner)")
            guard let organization = found.organization else {
                return [DevToolCheck(
                    subject: subject, passed: false, detail: "\(owner) is not an organization: GitHub sends board changes for organization projects only",
                    fix: "unset dev_tool.project_status_field, or sync a repository an organization owns")]
            }
            return [DevToolCheck(
                subject: subject, passed: true,
                detail: "the token reads \(owner)'s \(organization.projectsV2.totalCount) project(s); an open issue's '\(field)' option is its status")]
        } catch {
            return [DevToolCheck(
                subject: subject, passed: false, detail: "\(error)",
                fix: "give the token read:project (classic) or the Projects organization permission (fine-grained), or unset dev_tool.project_status_field")]
        }
    }
}
