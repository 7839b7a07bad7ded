import Foundation

/// `GET /repos/{owner}/{repo}/issues?state=all&since=…&sort=updated&direction=asc`
/// (https://docs.github.com/en/rest/issues/issues#list-repository-issues): issues "updated at or after" `since`,
/// 100 a page. The list holds pull requests too; they are left out.
extension GitHubAdapter: ChangeListing {
    public var changeListing: (any ChangeListing)? { self }

    public func issuesChanged(since: Date) async throws(DevToolError) -> [DevIssue] {
        var changed: [DevIssue] = []
        var page = 1
        while true {
            let query = [
                ("state", "all"), ("since", since.formatted(.iso8601)), ("sort", "updated"), ("direction", "asc"), ("per_page", "100"),
                ("page", String(page)),
            ]
            let issues = try await transport.request(
                "GET", transport.url("repos/\(owner)/\(repository)/issues", query: query), as: [IssueBody].self,
                operation: "GitHub: list issues of \(owner)/\(repository) changed since \(since.formatted(.iso8601))", idempotent: true)
            changed += issues.filter { $0.pull_request == nil }.map { $0.devIssue(repository: "\(owner)/\(repository)") }
            // A short page is the last; a cap keeps a misbehaving server from paging forever.
            guard issues.count == 100, page < 1_000 else { return changed }
            page += 1
        }
    }
}
