/// Title, description and labels of an issue after its create (`drift.policy: push`), through "Single issue" and
/// "Edit an issue" (https://docs.gitlab.com/api/issues/#edit-an-issue): `labels` replaces the issue's set.
extension GitLabAdapter: IssueEditing {
    public var issueEditing: (any IssueEditing)? { self }

    public func content(of reference: DevIssueReference) async throws(DevToolError) -> IssueContent {
        struct Body: Decodable {
            var title: String
            var description: String?
            var labels: [String]?
        }
        let iid = try issueIID(reference)
        let issue = try await transport.request("GET", url("issues/\(iid)"), as: Body.self, operation: "GitLab: read issue \(project)#\(iid)")
        return IssueContent(title: issue.title, description: issue.description ?? "", labels: issue.labels ?? [])
    }

    public func edit(_ reference: DevIssueReference, _ edit: IssueContentEdit) async throws(DevToolError) {
        struct Body: Encodable {
            var title: String?
            var description: String?
            var labels: String?
        }
        guard !edit.isEmpty else { return }
        let iid = try issueIID(reference)
        // One comma-separated string, as the create sends them (a comma inside a label would split it).
        let labels = edit.labels.map { uniqued($0.map { $0.replacingOccurrences(of: ",", with: " ") }).joined(separator: ",") }
        _ = try await transport.request(
            "PUT", url("issues/\(iid)"), body: Body(title: edit.title, description: edit.description, labels: labels), as: NoContent.self,
            operation: "GitLab: edit issue \(project)#\(iid)")
    }

    private func issueIID(_ reference: DevIssueReference) throws(DevToolError) -> Int {
        guard let iid = reference.key.split(separator: "#").last.flatMap({ Int($0) }) else {
            throw .malformedResponse(tool: "GitLab", operation: "GitLab: issue", detail: "key \(reference.key) has no issue number")
        }
        return iid
    }
}
