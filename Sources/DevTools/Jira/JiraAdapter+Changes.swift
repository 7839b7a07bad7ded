import Foundation

/// `POST /rest/api/3/search/jql` with `project = KEY AND updated >= -Nm ORDER BY updated ASC`, paged by
/// `nextPageToken` (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/). The time is
/// relative ("N minutes ago", by Jira's clock): an absolute JQL date is read in the Jira user's time zone, which
/// craft-sync cannot know. N is rounded up and one more, so a host clock behind Jira's by less than the
/// reconciliation overlap still misses nothing.
extension JiraAdapter: ChangeListing {
    public var changeListing: (any ChangeListing)? { self }

    public func issuesChanged(since: Date) async throws(DevToolError) -> [DevIssue] {
        struct Query: Encodable, Sendable {
            var jql: String
            var fields: [String]
            var maxResults: Int
            var nextPageToken: String?
        }
        struct Page: Decodable {
            var issues: [IssueBody]
            var nextPageToken: String?
            var isLast: Bool?
        }
        let minutes = max(1, Int((Date().timeIntervalSince(since) / 60).rounded(.up)) + 1)
        var query = Query(
            jql: "project = \"\(projectKey)\" AND updated >= -\(minutes)m ORDER BY updated ASC", fields: ["status", "labels", "updated"], maxResults: 100)
        var changed: [DevIssue] = []
        for _ in 0..<1_000 {
            let page = try await transport.request(
                "POST", transport.url("rest/api/3/search/jql"), body: query, as: Page.self,
                operation: "Jira: list issues of \(projectKey) changed in the last \(minutes) minutes", idempotent: true)
            changed += page.issues.map(devIssue)
            guard let next = page.nextPageToken, page.isLast != true, !page.issues.isEmpty else { break }
            query.nextPageToken = next
        }
        return changed
    }
}
