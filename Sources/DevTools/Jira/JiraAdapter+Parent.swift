import Foundation

/// Puts an issue under another by its `parent` field (`PUT /rest/api/3/issue/{id}`, answered 204): a story under
/// its epic in the project's issue hierarchy
/// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put).
extension JiraAdapter: ParentLinking {
    public var parentLinking: (any ParentLinking)? { self }

    public func link(_ child: DevIssueReference, under parent: DevIssueReference) async throws(DevToolError) {
        struct Body: Encodable, Sendable {
            struct Fields: Encodable, Sendable {
                struct Parent: Encodable, Sendable { var key: String }
                var parent: Parent
            }
            var fields: Fields
        }
        _ = try await transport.request(
            "PUT", transport.url("rest/api/3/issue/\(child.id)"), body: Body(fields: .init(parent: .init(key: parent.key))), as: NoContent.self,
            operation: "Jira: put \(child.key) under \(parent.key)", idempotent: true)
    }
}
