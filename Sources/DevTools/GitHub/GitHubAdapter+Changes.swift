import Foundation
import Support

/// `GET /repos/{owner}/{repo}/issues?state=all&since=…&sort=updated&direction=asc`
/// (https://docs.github.com/en/rest/issues/issues#list-repository-issues): issues "updated at or after" `since`,
/// 100 a page. The list holds pull requests too; they are left out.
extension GitHubAdapter: ChangeListing {
    public var changeListing: (any ChangeListing)? { self }

    public func issuesChanged(since: Date) async throws(DevToolError) -> [DevIssue] {
        try await KeysetPages.read(since: since) { (from, page) throws(DevToolError) in
            let query = [
                ("state", "all"), ("since", from.formatted(.iso8601)), ("sort", "updated"), ("direction", "asc"), ("per_page", "100"),
                ("page", String(page)),
            ]
            let issues = try await transport.request(
                "GET", transport.url("repos/\(owner)/\(repository)/issues", query: query), as: [IssueBody].self,
                operation: "GitHub: list issues of \(owner)/\(repository) changed since \(from.formatted(.iso8601))", idempotent: true)
            let pages = issues.filter { $0.pull_request == nil }
            return (try await withBoardStatus(pages, repository: "\(owner)/\(repository)"), issues.count)
        }
    }
}
