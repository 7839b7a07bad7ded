/// Naming and marking an issue of the configured project that craft-sync did not create.
extension GitLabAdapter {
    /// `https://HOST/GROUP/PROJECT/-/issues/12`, `GROUP/PROJECT#12`, `#12` or `12`, in the configured project (a
    /// project configured by its numeric id takes any path: the read answers for the configured project alone).
    public func reference(naming text: String) -> DevIssueReference? {
        let byPath = Int(project) == nil
        func ours(_ scope: String?) -> Bool { scope.map { !byPath || $0.lowercased() == project.lowercased() } ?? true }
        if let path = IssueNaming.pathComponents(text) {
            guard let at = path.lastIndex(of: "issues"), at >= 2, path[at - 1] == "-", at + 1 < path.count, let iid = Int(path[at + 1]),
                ours(path[..<(at - 1)].joined(separator: "/"))
            else { return nil }
            return DevIssueReference(id: "", key: "\(project)#\(iid)")
        }
        guard let (scope, iid) = IssueNaming.numbered(text), ours(scope) else { return nil }
        return DevIssueReference(id: "", key: "\(project)#\(iid)")
    }

    /// "Edit an issue" with `add_labels` (https://docs.gitlab.com/api/issues/#edit-an-issue): adds, keeping the rest.
    public func addMarker(_ marker: String, to issue: DevIssue) async throws(DevToolError) -> Bool {
        try await edit(issue, ["add_labels": marker], "label")?.contains(marker) ?? false
    }

    /// The same edit with `remove_labels`.
    public func removeMarker(_ marker: String, from issue: DevIssue) async throws(DevToolError) -> Bool {
        try await edit(issue, ["remove_labels": marker], "unlabel").map { !$0.contains(marker) } ?? false
    }

    /// The issue's labels after the edit; nil when its key has no number.
    private func edit(_ issue: DevIssue, _ body: [String: String], _ verb: String) async throws(DevToolError) -> [String]? {
        guard let iid = issue.key.split(separator: "#").last.flatMap({ Int($0) }) else { return nil }
        let edited = try await transport.request(
            "PUT", url("issues/\(iid)"), body: body, as: IssueBody.self, operation: "GitLab: \(verb) issue \(project)#\(iid)")
        return edited.labels ?? []
    }
}
