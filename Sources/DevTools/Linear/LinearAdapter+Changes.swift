import Foundation

/// The team's issues updated since a time: `issues(filter: {team, updatedAt: {gte}}, orderBy: updatedAt)`, 100 a
/// page by cursor (https://linear.app/developers/pagination, https://linear.app/developers/filtering).
extension LinearAdapter: ChangeListing {
    public var changeListing: (any ChangeListing)? { self }

    public func issuesChanged(since: Date) async throws(DevToolError) -> [DevIssue] {
        struct Variables: Encodable, Sendable {
            var team: String
            var since: String
            var after: String?
        }
        struct Page: Decodable {
            struct Connection: Decodable {
                struct PageInfo: Decodable { var hasNextPage: Bool; var endCursor: String? }
                var nodes: [IssueNode]
                var pageInfo: PageInfo
            }
            var issues: Connection
        }
        let query = """
            query Changed($team: ID!, $since: DateTimeOrDuration!, $after: String) { issues(filter: { team: { id: { eq: $team } }, \
            updatedAt: { gte: $since } }, orderBy: updatedAt, first: 100, after: $after) { nodes { \(Self.issueFields) } \
            pageInfo { hasNextPage endCursor } } }
            """
        var variables = Variables(team: teamID, since: since.formatted(.iso8601))
        var changed: [DevIssue] = []
        for _ in 0..<1_000 {
            let page = try await graphQL(query, variables, as: Page.self, operation: "Linear: list issues changed since \(variables.since)", idempotent: true)
            changed += page.issues.nodes.map(\.devIssue)
            guard page.issues.pageInfo.hasNextPage, let cursor = page.issues.pageInfo.endCursor else { break }
            variables.after = cursor
        }
        return changed
    }
}
