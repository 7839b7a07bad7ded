/// Naming and marking a work item of the configured project that craft-sync did not create.
extension AzureDevOpsAdapter {
    /// Craft.io names Azure DevOps `ado` in `devToolKey` (`DevToolKeyList` in its OpenAPI document).
    public var craftIntegrationName: String { "ado" }

    /// `https://dev.azure.com/ORG/PROJECT/_workitems/edit/42`, `PROJECT#42`, `#42` or `42`, in the configured project.
    public func reference(naming text: String) -> DevIssueReference? {
        if let path = IssueNaming.pathComponents(text) {
            guard let at = path.lastIndex(of: "_workitems"), at >= 1, at + 2 < path.count, path[at + 1] == "edit", let id = Int(path[at + 2]),
                path[at - 1].lowercased() == project.lowercased()
            else { return nil }
            return DevIssueReference(id: String(id), key: "\(project)#\(id)")
        }
        guard let (scope, id) = IssueNaming.numbered(text), scope.map({ $0.lowercased() == project.lowercased() }) ?? true else { return nil }
        return DevIssueReference(id: String(id), key: "\(project)#\(id)")
    }

    /// "Work Items - Update" with a JSON Patch that sets `System.Tags` to its tags and the marker
    /// (https://learn.microsoft.com/rest/api/azure/devops/wit/work-items/update): tags are one `; `-separated field.
    public func addMarker(_ marker: String, to issue: DevIssue) async throws(DevToolError) -> Bool {
        try await setTags(uniqued(issue.labels + [marker]), of: issue, "tag").contains(marker)
    }

    /// The same update with the tags it has now but the marker (read first: the caller's copy may be old).
    public func removeMarker(_ marker: String, from issue: DevIssue) async throws(DevToolError) -> Bool {
        let current = try await self.issue(DevIssueReference(id: issue.id, key: issue.key))
        guard current.labels.contains(marker) else { return false }
        return try await !setTags(current.labels.filter { $0 != marker }, of: issue, "untag").contains(marker)
    }

    private func setTags(_ tags: [String], of issue: DevIssue, _ verb: String) async throws(DevToolError) -> [String] {
        struct Operation: Encodable {
            var op = "add"
            var path = "/fields/System.Tags"
            var value: String
        }
        let updated = try await transport.request(
            "PATCH", url("workitems/\(issue.id)"), body: [Operation(value: tags.joined(separator: "; "))], contentType: "application/json-patch+json",
            as: WorkItem.self, operation: "Azure DevOps: \(verb) work item \(issue.key)")
        return updated.devIssue(project: project).labels
    }
}
