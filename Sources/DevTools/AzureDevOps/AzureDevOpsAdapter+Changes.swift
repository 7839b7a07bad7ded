import Foundation

/// The project's work items changed since a time: one WIQL query on `[System.ChangedDate]` (with
/// `timePrecision=true`, or WIQL compares whole days), then the items read 200 at a time
/// (`GET workitems?ids=…&$expand=links`; https://learn.microsoft.com/rest/api/azure/devops/wit/work-items/list).
extension AzureDevOpsAdapter: ChangeListing {
    public var changeListing: (any ChangeListing)? { self }

    public func issuesChanged(since: Date) async throws(DevToolError) -> [DevIssue] {
        struct Query: Encodable, Sendable { var query: String }
        struct Result: Decodable {
            struct Reference: Decodable { var id: Int }
            var workItems: [Reference]
        }
        struct Batch: Decodable { var value: [WorkItem] }
        let wiql = "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND [System.ChangedDate] >= '\(since.formatted(.iso8601))' "
            + "ORDER BY [System.ChangedDate] ASC"
        let ids = try await transport.request(
            "POST", url("wiql", query: [("timePrecision", "true")]), body: Query(query: wiql), as: Result.self,
            operation: "Azure DevOps: list work items of \(project) changed since \(since.formatted(.iso8601))", idempotent: true
        ).workItems.map(\.id)
        var changed: [DevIssue] = []
        var start = 0
        while start < ids.count {
            let chunk = ids[start..<min(start + 200, ids.count)]
            let batch = try await transport.request(
                "GET", url("workitems", query: [("ids", chunk.map(String.init).joined(separator: ",")), ("$expand", "links")]), as: Batch.self,
                operation: "Azure DevOps: read \(chunk.count) changed work items", idempotent: true)
            changed += batch.value.map { $0.devIssue(project: project) }
            start += 200
        }
        return changed
    }
}
