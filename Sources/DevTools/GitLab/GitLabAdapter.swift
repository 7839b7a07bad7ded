import Foundation
import Support
import OutboundHTTP

/// GitLab issues in one project (GitLab.com or self-managed), through the REST API v4
/// (https://docs.gitlab.com/api/issues/): `PRIVATE-TOKEN` auth, labels as a comma-separated string, the marker label
/// `craft-<item id>`. Not a scoped label (`craft::<id>`): a scope keeps one label per issue, so every item's marker
/// would share the `craft` scope.
public struct GitLabAdapter: DevTool {
    public let kind = "gitlab"
    public let instance: String
    /// The project's id or its `group/path`.
    let project: String
    let transport: JSONTransport

    public init(instance: String = "gitlab", baseURL: URL, project: String, token: String, http: any HTTPClient) {
        self.instance = instance
        self.project = project
        transport = JSONTransport(
            tool: "GitLab", baseURL: baseURL.appendingPathComponent("api/v4"),
            headers: ["PRIVATE-TOKEN": token, "Accept": "application/json"],
            http: http, errorMessage: { data in
                // GitLab answers `{"message": "..."}` (a string, or an object of field errors) or `{"error": "..."}`.
                guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
                if let message = object["message"] as? String { return message }
                if let message = object["message"], let data = try? JSONSerialization.data(withJSONObject: message, options: [.sortedKeys]) {
                    return String(decoding: data, as: UTF8.self)
                }
                return object["error"] as? String
            })
    }

    public func marker(for craftItemID: String) -> String { "craft-\(craftItemID)" }

    public var openStatusNames: Set<String> { ["opened"] }

    /// GitLab ignores the labels of a create by a user who may not manage them (a Guest of the project).
    public var markerLossHint: String {
        "the token's user most likely has a role that may not set labels (Guest): give it Planner or Reporter at least, then restart craft-sync"
    }

    /// The issues list is read from the database, consistent right after a write.
    public var findsNewIssuesImmediately: Bool { true }
    /// GitLab's type and priority are labels (or paid-tier fields): mapped values become labels.
    public var capabilities: DevToolCapabilities { .init(issueTypeAndPriorityFields: false) }
    /// `X-Gitlab-Token` is the secret itself and is never kept.
    public var webhookHeadersKept: [String] { ["x-gitlab-event", "x-gitlab-webhook-uuid", "x-gitlab-instance", "idempotency-key", "content-type", "user-agent"] }
    public var defaultStatusNames: [String: String] { ["opened": "To Do", "closed": "Done"] }

    struct IssueBody: Decodable {
        var id: Int64
        var iid: Int
        var web_url: String?
        var state: String
        var labels: [String]?
        var updated_at: String?
        var references: References?
        struct User: Decodable { var username: String }
        var assignees: [User]?
        var due_date: String?
        var weight: Double?

        struct References: Decodable { var full: String? }

        func devIssue(project: String) -> DevIssue {
            // `references.full` is `group/project#iid` and follows a move; the configured project is the fallback.
            let key = references?.full ?? "\(project)#\(iid)"
            return DevIssue(
                id: String(id), key: key, url: web_url ?? "", status: DevIssueStatus(name: state, detail: nil), labels: labels ?? [],
                updatedAt: updated_at.flatMap(GitLabAdapter.parseTime),
                signals: GitLabAdapter.signals(assignees: assignees?.map(\.username), dueDate: due_date, weight: weight))
        }
    }

    /// `projects/<id or URL-encoded path>/...`: a `group/path` project travels as one path segment.
    func url(_ rest: String, query: [(String, String)] = []) -> URL {
        let encoded = project.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? project
        var components = URLComponents(url: transport.baseURL, resolvingAgainstBaseURL: false)!
        components.percentEncodedPath += "/projects/\(encoded)/\(rest)"
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        return components.url!
    }

    public func create(_ issue: NewIssue) async throws(DevToolError) -> DevIssue {
        struct Body: Encodable {
            var title: String
            var description: String
            var labels: String
        }
        var labels = issue.labels
        if let type = issue.issueType { labels.append(type) }
        if let priority = issue.priority { labels.append(priority) }
        labels.append(issue.marker)
        // GitLab labels are one comma-separated string: a comma inside a label would split it.
        let label = uniqued(labels.map { $0.replacingOccurrences(of: ",", with: " ") }).joined(separator: ",")
        return try await transport.request(
            "POST", url("issues"), body: Body(title: issue.title, description: issue.description, labels: label), as: IssueBody.self,
            operation: "GitLab: create issue in \(project)"
        ).devIssue(project: project)
    }

    public func find(marker: String) async throws(DevToolError) -> DevIssue? {
        let issues = try await transport.request(
            "GET", url("issues", query: [("labels", marker), ("state", "all"), ("per_page", "10")]), as: [IssueBody].self,
            operation: "GitLab: find issue labelled \(marker)")
        return issues.min { $0.iid < $1.iid }?.devIssue(project: project)
    }

    public func issue(_ reference: DevIssueReference) async throws(DevToolError) -> DevIssue {
        guard let iid = reference.key.split(separator: "#").last.flatMap({ Int($0) }) else {
            throw .malformedResponse(tool: "GitLab", operation: "GitLab: read issue", detail: "key \(reference.key) has no issue number")
        }
        return try await transport.request("GET", url("issues/\(iid)"), as: IssueBody.self, operation: "GitLab: read issue \(project)#\(iid)")
            .devIssue(project: project)
    }

    /// GitLab writes times as ISO 8601 in the API and as `2020-06-29 14:27:15 UTC` in older webhook payloads.
    static func parseTime(_ text: String) -> Date? {
        if let date = Timestamp.parse(text) { return date }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.date(from: text)
    }
}
