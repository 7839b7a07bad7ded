/// An adapter that can put one issue under another in its tool, as Craft.io's items sit under epics: GitHub
/// sub-issues, Jira's parent field, Linear's parentId, an Azure DevOps Parent link. Linking twice is harmless (the engine also remembers what it linked).
public protocol ParentLinking: Sendable {
    func link(_ child: DevIssueReference, under parent: DevIssueReference) async throws(DevToolError)
}
