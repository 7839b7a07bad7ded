/// Naming and marking an issue of the configured project that craft-sync did not create.
extension JiraAdapter {
    /// `ACME-4` or its address (`https://SITE/browse/ACME-4`), in the configured project. Jira reads an issue by its
    /// key as by its id ("Get issue": `issueIdOrKey`).
    public func reference(naming text: String) -> DevIssueReference? {
        guard let named = IssueNaming.key(in: text, after: "browse"), let (key, prefix) = IssueNaming.projectKey(named),
            prefix == projectKey.uppercased()
        else { return nil }
        return DevIssueReference(id: key, key: key)
    }

    /// "Edit issue" with an `update` that adds one label
    /// (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put).
    public func addMarker(_ marker: String, to issue: DevIssue) async throws(DevToolError) -> Bool {
        try await editLabel(["add": marker], issue: issue, operation: "Jira: label issue \(issue.key)")
    }

    /// The same edit with `remove`.
    public func removeMarker(_ marker: String, from issue: DevIssue) async throws(DevToolError) -> Bool {
        try await editLabel(["remove": marker], issue: issue, operation: "Jira: unlabel issue \(issue.key)")
    }

    private func editLabel(_ operation: [String: String], issue: DevIssue, operation name: String) async throws(DevToolError) -> Bool {
        struct Body: Encodable { var update: [String: [[String: String]]] }
        _ = try await transport.request(
            "PUT", transport.url("rest/api/3/issue/\(issue.id)"), body: Body(update: ["labels": [operation]]), as: NoContent.self, operation: name)
        return true
    }
}
