import Foundation
import Support
import OutboundHTTP

/// Azure DevOps Boards work items in one project, through the REST API 7.1
/// (https://learn.microsoft.com/rest/api/azure/devops/wit/): `Authorization: Basic base64(":" + PAT)`, creates as
/// JSON Patch, the marker as the tag `craft-<item id>` in `System.Tags` (tags are `; `-separated), found with WIQL.
public struct AzureDevOpsAdapter: DevTool {
    public let kind = "azure-devops"
    public let instance: String
    let project: String
    let defaultWorkItemType: String
    let transport: JSONTransport
    let knownWorkItemTypes = KnownWorkItemTypes()

    public init(instance: String = "azure-devops", organizationURL: URL, project: String, defaultWorkItemType: String = "Task", token: String, http: any HTTPClient) {
        self.instance = instance
        self.project = project
        self.defaultWorkItemType = defaultWorkItemType
        transport = JSONTransport(
            tool: "Azure DevOps", baseURL: organizationURL,
            headers: ["Authorization": "Basic " + Data(":\(token)".utf8).base64EncodedString(), "Accept": "application/json"],
            // Errors read `{"$id": "1", "message": "TF401232: Work item 9 does not exist ...", "typeKey": ...}`.
            http: http, errorMessage: JSONTransport.message(in:))
    }

    public func marker(for craftItemID: String) -> String { "craft-\(craftItemID)" }

    /// WIQL reads the work item store itself: a tag is queryable as soon as the create returns.
    public var findsNewIssuesImmediately: Bool { true }
    /// Work item types and `Microsoft.VSTS.Common.Priority` exist as fields.
    public var capabilities: DevToolCapabilities { .init(issueTypeAndPriorityFields: true) }
    /// Service hooks carry no signature: the secret travels in `Authorization` (Basic) or a custom header, never kept.
    public var webhookHeadersKept: [String] { ["content-type", "user-agent"] }
    /// The states of the four process templates (Agile, Scrum, Basic, CMMI); anything else maps by configuration.
    public var defaultStatusNames: [String: String] {
        [
            "New": "To Do", "Proposed": "To Do", "Approved": "To Do", "To Do": "To Do",
            "Active": "In Progress", "Committed": "In Progress", "Doing": "In Progress",
            "Resolved": "Done", "Closed": "Done", "Done": "Done", "Removed": "Won't Do",
        ]
    }

    /// How many of WIQL's substring matches `find` reads looking for the exact tag.
    static let findCandidates = 50

    /// Jira-style priority names (the field mapping's defaults) to `Microsoft.VSTS.Common.Priority` (1 highest).
    static let priorities = ["Highest": 1, "Critical": 1, "High": 2, "Medium": 3, "Low": 4, "Lowest": 4]

    struct WorkItem: Decodable {
        struct Links: Decodable {
            struct Link: Decodable { var href: String }
            var html: Link?
        }
        struct Fields: Decodable {
            var state: String?
            var tags: String?
            var changedDate: String?
            enum CodingKeys: String, CodingKey {
                case state = "System.State", tags = "System.Tags", changedDate = "System.ChangedDate"
            }
        }
        var id: Int
        var fields: Fields
        var _links: Links?

        func devIssue(project: String) -> DevIssue {
            DevIssue(
                id: String(id), key: "\(project)#\(id)", url: _links?.html?.href ?? "", status: DevIssueStatus(name: fields.state ?? ""),
                labels: AzureDevOpsAdapter.tags(fields.tags), updatedAt: fields.changedDate.flatMap(Timestamp.parse))
        }
    }

    func url(_ rest: String, query: [(String, String)] = []) -> URL {
        var components = URLComponents(url: transport.baseURL, resolvingAgainstBaseURL: false)!
        let encoded = project.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? project
        components.percentEncodedPath += "/\(encoded)/_apis/wit/\(rest)"
        components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } + [URLQueryItem(name: "api-version", value: "7.1")]
        return components.url!
    }

    public func create(_ issue: NewIssue) async throws(DevToolError) -> DevIssue {
        /// One JSON Patch `add` (RFC 6902): a field's text or number, or a relation.
        struct Operation: Encodable, Sendable {
            struct Relation: Encodable, Sendable {
                struct Attributes: Encodable, Sendable { var comment: String }
                var rel = "Hyperlink"
                var url: String
                var attributes = Attributes(comment: "Craft.io item")
            }
            enum Value: Sendable { case text(String), number(Int), relation(Relation) }
            var path: String
            var value: Value
            enum CodingKeys: String, CodingKey { case op, path, value }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode("add", forKey: .op)
                try container.encode(path, forKey: .path)
                switch value {
                case .text(let text): try container.encode(text, forKey: .value)
                case .number(let number): try container.encode(number, forKey: .value)
                case .relation(let relation): try container.encode(relation, forKey: .value)
                }
            }
        }
        let type = try await workItemTypeToCreate(for: issue.issueType ?? defaultWorkItemType)
        // Tags are `; `-separated: a semicolon inside a label would split it.
        let tags = uniqued((issue.labels + [issue.marker]).map { $0.replacingOccurrences(of: ";", with: " ") }).joined(separator: "; ")
        var operations = [
            Operation(path: "/fields/System.Title", value: .text(issue.title)),
            Operation(path: "/fields/System.Description", value: .text(Self.html(issue.description))),
            Operation(path: "/fields/System.Tags", value: .text(tags)),
        ]
        if let priority = issue.priority.flatMap({ Self.priorities[$0] ?? Int($0) }), (1...4).contains(priority) {
            operations.append(Operation(path: "/fields/Microsoft.VSTS.Common.Priority", value: .number(priority)))
        }
        // A hyperlink relation back to the Craft item: shown under the work item's Links.
        if let url = issue.sourceURL { operations.append(Operation(path: "/relations/-", value: .relation(.init(url: url)))) }
        let path = "workitems/$" + (type.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? type)
        return try await transport.request(
            "POST", url(path), body: operations, contentType: "application/json-patch+json", as: WorkItem.self,
            operation: "Azure DevOps: create \(type) in \(project)"
        ).devIssue(project: project)
    }

    public func find(marker: String) async throws(DevToolError) -> DevIssue? {
        struct Query: Encodable, Sendable { var query: String }
        struct Result: Decodable {
            struct Reference: Decodable { var id: Int }
            var workItems: [Reference]
        }
        // Markers are `craft-<digits or id>`; a quote would end the WIQL string, so it is doubled as WIQL escapes it.
        let literal = marker.replacingOccurrences(of: "'", with: "''")
        let wiql = "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND [System.Tags] CONTAINS '\(literal)' ORDER BY [System.Id]"
        let result = try await transport.request(
            "POST", url("wiql"), body: Query(query: wiql), as: Result.self, operation: "Azure DevOps: find work item tagged \(marker)", idempotent: true)
        // CONTAINS matches substrings (`craft-1` in `craft-12`): only an exact tag counts, and the work item that has
        // it may come after others whose tags merely contain it. The longer matches are few (`craft-1` → `craft-1x`).
        for reference in result.workItems.prefix(Self.findCandidates) {
            let item = try await read(id: reference.id)
            if item.labels.contains(marker) { return item }
        }
        return nil
    }

    public func issue(_ reference: DevIssueReference) async throws(DevToolError) -> DevIssue {
        guard let id = Int(reference.id) else {
            throw .malformedResponse(tool: "Azure DevOps", operation: "Azure DevOps: read work item", detail: "id \(reference.id) is not a number")
        }
        return try await read(id: id)
    }

    private func read(id: Int) async throws(DevToolError) -> DevIssue {
        try await transport.request("GET", url("workitems/\(id)"), as: WorkItem.self, operation: "Azure DevOps: read work item \(id)")
            .devIssue(project: project)
    }

    static func tags(_ text: String?) -> [String] {
        (text ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The description as HTML, Azure DevOps' native format: escaped text, paragraphs, and `- ` lists.
    static func html(_ text: String) -> String {
        func escape(_ line: Substring) -> String {
            line.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        var html = ""
        var inList = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("- ") {
                if !inList { html += "<ul>"; inList = true }
                html += "<li>\(escape(line.dropFirst(2)))</li>"
                continue
            }
            if inList { html += "</ul>"; inList = false }
            if !line.isEmpty { html += "<p>\(escape(line))</p>" }
        }
        if inList { html += "</ul>" }
        return html
    }
}
