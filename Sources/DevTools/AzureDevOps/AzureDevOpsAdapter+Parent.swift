import Foundation

/// A parent link: a `System.LinkTypes.Hierarchy-Reverse` relation to the parent work item, added by JSON Patch
/// (https://learn.microsoft.com/en-us/rest/api/azure/devops/wit/work-items/update#add-a-link, link types:
/// https://learn.microsoft.com/en-us/azure/devops/boards/queries/link-type-reference#parent-child). A work item has
/// one parent at most; the same link again is refused as existing, which is taken as done.
extension AzureDevOpsAdapter: ParentLinking {
    public var parentLinking: (any ParentLinking)? { self }

    public func link(_ child: DevIssueReference, under parent: DevIssueReference) async throws(DevToolError) {
        struct Relation: Encodable, Sendable {
            var rel = "System.LinkTypes.Hierarchy-Reverse"
            var url: String
        }
        struct Operation: Encodable, Sendable {
            var op = "add"
            var path = "/relations/-"
            var value: Relation
        }
        let parentURL = transport.baseURL.appendingPathComponent("_apis/wit/workItems/\(parent.id)").absoluteString
        do {
            _ = try await transport.request(
                "PATCH", url("workitems/\(child.id)"), body: [Operation(value: Relation(url: parentURL))], contentType: "application/json-patch+json",
                as: NoContent.self, operation: "Azure DevOps: put \(child.key) under \(parent.key)")
        } catch .rejected(_, _, let status, let message) where status == 400 && message.lowercased().contains("already exists") {
            return
        }
    }
}
