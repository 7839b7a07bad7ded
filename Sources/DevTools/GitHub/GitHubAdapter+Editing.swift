/// Title, body and labels of an issue after its create (`drift.policy: push`), through "Get an issue" and "Update an
/// issue" (https://docs.github.com/en/rest/issues/issues#update-an-issue): labels replace the issue's set.
extension GitHubAdapter: IssueEditing {
    public var issueEditing: (any IssueEditing)? { self }

    public func content(of reference: DevIssueReference) async throws(DevToolError) -> IssueContent {
        struct Body: Decodable {
            struct Label: Decodable { var name: String }
            var title: String
            var body: String?
            var labels: [Label]
        }
        let number = try issueNumber(reference)
        let issue = try await transport.request(
            "GET", transport.url("repos/\(owner)/\(repository)/issues/\(number)"), as: Body.self,
            operation: "GitHub: read issue \(owner)/\(repository)#\(number)")
        return IssueContent(title: issue.title, description: issue.body ?? "", labels: issue.labels.map(\.name))
    }

    public func edit(_ reference: DevIssueReference, _ edit: IssueContentEdit) async throws(DevToolError) {
        struct Body: Encodable {
            var title: String?
            var body: String?
            var labels: [String]?
        }
        guard !edit.isEmpty else { return }
        let number = try issueNumber(reference)
        _ = try await transport.request(
            "PATCH", transport.url("repos/\(owner)/\(repository)/issues/\(number)"),
            body: Body(title: edit.title, body: edit.description, labels: edit.labels), as: NoContent.self,
            operation: "GitHub: update issue \(owner)/\(repository)#\(number)")
    }

    private func issueNumber(_ reference: DevIssueReference) throws(DevToolError) -> Int {
        guard let number = reference.key.split(separator: "#").last.flatMap({ Int($0) }) else {
            throw .malformedResponse(tool: "GitHub", operation: "GitHub: issue", detail: "key \(reference.key) has no issue number")
        }
        return number
    }
}
