import Foundation

/// `GET /projects/:id/issues?updated_after=…&order_by=updated_at&sort=asc` (https://docs.gitlab.com/api/issues/),
/// 100 a page, in every state, read by keyset (`KeysetPages`).
extension GitLabAdapter: ChangeListing {
    public var changeListing: (any ChangeListing)? { self }

    public func issuesChanged(since: Date) async throws(DevToolError) -> [DevIssue] {
        try await KeysetPages.read(since: since) { (from, page) throws(DevToolError) in
            let query = [
                ("state", "all"), ("updated_after", from.formatted(.iso8601)), ("order_by", "updated_at"), ("sort", "asc"), ("per_page", "100"),
                ("page", String(page)),
            ]
            let issues = try await transport.request(
                "GET", url("issues", query: query), as: [IssueBody].self,
                operation: "GitLab: list issues of \(project) changed since \(from.formatted(.iso8601))", idempotent: true)
            return (issues.map { $0.devIssue(project: project) }, issues.count)
        }
    }
}
