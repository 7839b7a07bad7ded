import Foundation

/// Sub-issues (https://docs.github.com/en/rest/issues/sub-issues#add-sub-issue):
/// `POST /repos/{owner}/{repo}/issues/{parent number}/sub_issues` with the child's numeric `id`. GitHub refuses a
/// child that already has this parent with 422; that is taken as done.
extension GitHubAdapter: ParentLinking {
    public var parentLinking: (any ParentLinking)? { self }

    public func link(_ child: DevIssueReference, under parent: DevIssueReference) async throws(DevToolError) {
        guard let number = parent.key.split(separator: "#").last.flatMap({ Int($0) }), let childID = Int64(child.id) else {
            throw .malformedResponse(tool: "GitHub", operation: "GitHub: add sub-issue", detail: "\(parent.key) or \(child.id) is not a GitHub issue")
        }
        let named = parent.key.split(separator: "#").first.map(String.init) ?? ""
        let repositoryName = named.split(separator: "/").count == 2 ? named : "\(owner)/\(repository)"
        struct Body: Encodable { var sub_issue_id: Int64 }
        do {
            _ = try await transport.request(
                "POST", transport.url("repos/\(repositoryName)/issues/\(number)/sub_issues"), body: Body(sub_issue_id: childID), as: NoContent.self,
                operation: "GitHub: add \(child.key) as a sub-issue of \(parent.key)")
        } catch .rejected(_, _, let status, let message) where status == 422 && message.lowercased().contains("already") {
            return
        }
    }
}
