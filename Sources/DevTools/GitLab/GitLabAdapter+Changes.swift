import Foundation

/// `GET /projects/:id/issues?updated_after=…&order_by=updated_at&sort=asc` (https://docs.gitlab.com/api/issues/),
/// 100 a page, in every state.
extension GitLabAdapter: ChangeListing {
    public var changeListing: (any ChangeListing)? { self }

    public func issuesChanged(since: Date) async throws(DevToolError) -> [DevIssue] {
        var changed: [DevIssue] = []
        for page in 1...1_000 {
            let query = [
                ("state", "all"), ("updated_after", since.formatted(.iso8601)), ("order_by", "updated_at"), ("sort", "asc"), ("per_page", "100"),
                ("page", String(page)),
            ]
            let issues = try await transport.request(
                "GET", url("issues", query: query), as: [IssueBody].self,
                operation: "GitLab: list issues of \(project) changed since \(since.formatted(.iso8601))", idempotent: true)
            changed += issues.map { $0.devIssue(project: project) }
            if issues.count < 100 { break }
        }
        return changed
    }
}
