import Foundation

/// A parent link: a `System.LinkTypes.Hierarchy-Reverse` relation to the parent work item, added by JSON Patch
/// (https://learn.microsoft.com/en-us/rest/api/azure/devops/wit/work-items/update#add-a-link, link types:
/// https://learn.microsoft.com/en-us/azure/devops/boards/queries/link-type-reference#parent-child). A work item has
/// one parent at most, so its relations are read first (`$expand=relations`): the same parent already is done,
/// another is a refusal that says which.
extension AzureDevOpsAdapter: ParentLinking {
    public var parentLinking: (any ParentLinking)? { self }

    static let parentRelation = "System.LinkTypes.Hierarchy-Reverse"

    public func link(_ child: DevIssueReference, under parent: DevIssueReference) async throws(DevToolError) {
        struct Relation: Codable, Sendable {
            var rel: String
            var url: String
        }
        struct Operation: Encodable, Sendable {
            var op = "add"
            var path = "/relations/-"
            var value: Relation
        }
        struct Related: Decodable { var relations: [Relation]? }
        let operation = "Azure DevOps: put \(child.key) under \(parent.key)"
        let current = try await transport.request(
            "GET", url("workitems/\(child.id)", query: [("$expand", "relations")]), as: Related.self, operation: operation, idempotent: true)
        if let existing = current.relations?.first(where: { $0.rel == Self.parentRelation }) {
            // The relation's URL ends in the parent's id: `.../_apis/wit/workItems/42`.
            if existing.url.split(separator: "/").last.map(String.init) == parent.id { return }
            throw .rejected(tool: "Azure DevOps", operation: operation, status: 409, message: "it already has a parent: \(existing.url)")
        }
        let parentURL = transport.baseURL.appendingPathComponent("_apis/wit/workItems/\(parent.id)").absoluteString
        _ = try await transport.request(
            "PATCH", url("workitems/\(child.id)"), body: [Operation(value: Relation(rel: Self.parentRelation, url: parentURL))],
            contentType: "application/json-patch+json", as: NoContent.self, operation: operation)
    }
}
