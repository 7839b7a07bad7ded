import Foundation
import OutboundHTTP
import Support

/// Linear issues in one team, through the GraphQL API (https://developers.linear.app/docs/graphql/working-with-the-graphql-api):
/// `Authorization: <api key>` (personal keys carry no `Bearer`). Exactly once without a search: the issue's id is
/// ours, a UUID derived from the instance, team and Craft item (`marker(for:)`), passed to `issueCreate`. A create
/// whose outcome is unknown is followed by `issue(id:)` with that id, which finds the issue if it was made; a
/// second create with the same id cannot make another.
public struct LinearAdapter: DevTool {
    public let kind = "linear"
    public let instance: String
    let teamID: String
    /// How far a delivery's `webhookTimestamp` may be from now (replay protection; Linear's SDK uses 60 s).
    let webhookTolerance: Duration
    let clock: any SyncClock
    let transport: JSONTransport
    let labelIDCache = LabelIDs()

    public init(
        instance: String = "linear", baseURL: URL, teamID: String, apiKey: String, webhookTolerance: Duration = .seconds(60),
        clock: any SyncClock = SystemClock(), http: any HTTPClient
    ) {
        self.instance = instance
        self.teamID = teamID
        self.webhookTolerance = webhookTolerance
        self.clock = clock
        transport = JSONTransport(
            tool: "Linear", baseURL: baseURL, headers: ["Authorization": apiKey, "Accept": "application/json"], http: http,
            errorMessage: { data in (try? JSONDecoder().decode(GraphQLErrors.self, from: data))?.errors.first?.message })
    }

    /// Our id for the item's issue: a version-4-shaped UUID from SHA-256 of instance, team and item, so the same
    /// item always names the same issue, and no two items (or teams) share one.
    public func marker(for craftItemID: String) -> String {
        var hex = Array(Digest.sha256Hex(Array("craft-sync:\(instance):\(teamID):\(craftItemID)".utf8)).prefix(32))
        hex[12] = "4"
        hex[16] = ["8", "9", "a", "b"][Int(String(hex[16]), radix: 16)! & 3]
        let text = String(hex)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(text[text.index(text.startIndex, offsetBy: range.lowerBound)..<text.index(text.startIndex, offsetBy: range.upperBound)])
        }
        return parts.joined(separator: "-")
    }

    /// The marker is the issue's id, which Linear keeps as given.
    public func carries(marker: String, _ issue: DevIssue) -> Bool { issue.id == marker }

    /// `issue(id:)` reads the primary store: an issue is there the moment its create returns.
    public var findsNewIssuesImmediately: Bool { true }
    /// Linear has no issue type (the mapped type becomes a label, by id: LinearAdapter+Labels); priority is a field
    /// (0 none, 1 urgent … 4 low). The issue's id is the marker.
    public var capabilities: DevToolCapabilities { .init(issueTypeField: false, priorityField: true) }

    /// The field mapping's priority names (Jira's) to Linear's numbers.
    static let priorities = ["Highest": 1, "Critical": 1, "Urgent": 1, "High": 2, "Medium": 3, "Low": 4, "Lowest": 4]
    public var webhookHeadersKept: [String] { ["linear-delivery", "linear-event", "linear-timestamp", "content-type", "user-agent"] }
    /// Linear's default team workflow; any other state name maps by its type (`defaultStatusCategories`).
    public var defaultStatusNames: [String: String] { ["Todo": "To Do", "In Progress": "In Progress", "Done": "Done", "Canceled": "Won't Do"] }
    /// Every workflow state has one of these types, whatever the team named it.
    public var defaultStatusCategories: [String: String] {
        ["triage": "To Do", "backlog": "To Do", "unstarted": "To Do", "started": "In Progress", "completed": "Done", "canceled": "Won't Do"]
    }

    static let issueFields = "id identifier url updatedAt state { name type }"

    struct IssueNode: Decodable {
        struct State: Decodable { var name: String; var type: String? }
        var id: String
        var identifier: String
        var url: String?
        var updatedAt: String?
        var state: State?

        var devIssue: DevIssue {
            DevIssue(
                id: id, key: identifier, url: url ?? "", status: DevIssueStatus(name: state?.name ?? "", detail: state?.type),
                updatedAt: updatedAt.flatMap(Timestamp.parse))
        }
    }

    public func create(_ issue: NewIssue) async throws(DevToolError) -> DevIssue {
        struct Input: Encodable, Sendable {
            var id: String
            var teamId: String
            var title: String
            var description: String
            var priority: Int?
            var labelIds: [String]?
        }
        struct Variables: Encodable, Sendable { var input: Input }
        struct Created: Decodable {
            struct Payload: Decodable { var success: Bool; var issue: IssueNode? }
            var issueCreate: Payload
        }
        let query = "mutation IssueCreate($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { \(Self.issueFields) } } }"
        let priority = issue.priority.flatMap { Self.priorities[$0] ?? Int($0) }.flatMap { (0...4).contains($0) ? $0 : nil }
        // The mapped type rides as a label (Linear has no type field); the marker is the id, not a label.
        let labelNames = issue.labels + (issue.issueType.map { [$0] } ?? [])
        let operation = "Linear: create issue in team \(teamID)"
        func attempt() async throws(DevToolError) -> Created {
            let labelIDs = try await labelIDs(for: labelNames)
            let variables = Variables(input: Input(
                id: issue.marker, teamId: teamID, title: issue.title, description: issue.description, priority: priority,
                labelIds: labelIDs.isEmpty ? nil : labelIDs))
            return try await graphQL(query, variables, as: Created.self, operation: operation, idempotent: false)
        }
        let created: Created
        do {
            created = try await attempt()
        } catch .notFound(_, _, let message) where message.contains("IssueLabel") {
            // A remembered label was deleted or merged in Linear since: look the names up again, once. Nothing was
            // created (Linear refused the whole input), and the issue's id is ours, so the second try cannot duplicate.
            forgetLabels(labelNames)
            created = try await attempt()
        }
        guard created.issueCreate.success, let node = created.issueCreate.issue else {
            throw .malformedResponse(tool: "Linear", operation: operation, detail: "issueCreate did not succeed")
        }
        return node.devIssue
    }

    public func find(marker: String) async throws(DevToolError) -> DevIssue? {
        do {
            return try await read(id: marker)
        } catch .notFound {
            return nil
        }
    }

    public func issue(_ reference: DevIssueReference) async throws(DevToolError) -> DevIssue {
        try await read(id: reference.id)
    }

    private func read(id: String) async throws(DevToolError) -> DevIssue {
        struct Variables: Encodable, Sendable { var id: String }
        struct Read: Decodable { var issue: IssueNode }
        let query = "query Issue($id: String!) { issue(id: $id) { \(Self.issueFields) } }"
        return try await graphQL(query, Variables(id: id), as: Read.self, operation: "Linear: read issue \(id)", idempotent: true).issue.devIssue
    }

    /// One GraphQL call. Linear answers errors inside a 200 as often as with a 4xx: `RATELIMITED` is a throttle,
    /// "Entity not found" a missing issue, anything else a refusal with Linear's message.
    func graphQL<Variables: Encodable & Sendable, Result: Decodable>(
        _ query: String, _ variables: Variables, as type: Result.Type, operation: String, idempotent: Bool
    ) async throws(DevToolError) -> Result {
        try await transport.graphQL(
            transport.url("graphql"), query, variables, as: type, operation: operation, idempotent: idempotent,
            classify: { Self.classify($0, operation: operation) })
    }

    static func classify(_ error: GraphQLError, operation: String) -> DevToolError {
        let code = error.extensions?.code ?? ""
        if code == "RATELIMITED" || error.extensions?.type == "ratelimited" {
            return .throttled(tool: "Linear", operation: operation, status: 200, retryAfter: nil)
        }
        if error.message.hasPrefix("Entity not found") { return .notFound(tool: "Linear", operation: operation, message: error.message) }
        if code == "AUTHENTICATION_ERROR" { return .unauthorized(tool: "Linear", operation: operation, message: error.message) }
        if code == "FORBIDDEN" { return .forbidden(tool: "Linear", operation: operation, message: error.message) }
        return .rejected(tool: "Linear", operation: operation, status: 400, message: error.message)
    }

}
