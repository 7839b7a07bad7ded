import Foundation
import OutboundHTTP

/// Jira Cloud over REST API v3 (https://developer.atlassian.com/cloud/jira/platform/rest/v3/). The stable
/// identity is the issue `id`: the `key` changes when an issue moves project. The marker is a label
/// `craft-<item id>` (labels cannot hold spaces), found with `POST /rest/api/3/search/jql` (the old `/search`
/// answers 410).
public struct JiraAdapter: DevTool {
    public let kind = "jira"
    public let instance: String
    let projectKey: String
    let defaultIssueType: String
    let siteURL: URL
    let transport: JSONTransport
    /// The custom fields of the sprint and the estimate (ids differ per site).
    let sprintField: String
    let pointsField: String

    public init(
        instance: String = "jira", siteURL: URL, projectKey: String, defaultIssueType: String = "Task", email: String, apiToken: String,
        sprintField: String = "customfield_10020", pointsField: String = "customfield_10016", http: any HTTPClient
    ) {
        self.sprintField = sprintField
        self.pointsField = pointsField
        self.instance = instance
        self.projectKey = projectKey
        self.defaultIssueType = defaultIssueType
        self.siteURL = siteURL
        let basic = Data("\(email):\(apiToken)".utf8).base64EncodedString()
        transport = JSONTransport(
            tool: "Jira", baseURL: siteURL, headers: ["Authorization": "Basic \(basic)", "Accept": "application/json"], http: http,
            errorMessage: { data in
                struct Body: Decodable {
                    var errorMessages: [String]?
                    var errors: [String: String]?
                }
                guard let body = try? JSONDecoder().decode(Body.self, from: data) else { return nil }
                let messages = (body.errorMessages ?? []) + (body.errors ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
                return messages.isEmpty ? nil : messages.joined(separator: "; ")
            })
    }

    struct IssueBody: Decodable {
        struct Fields: Decodable {
            struct Status: Decodable {
                struct Category: Decodable { var key: String }
                var name: String
                var statusCategory: Category?
            }
            var status: Status?
            var labels: [String]?
            /// `2024-01-15T10:30:00.000+0000`
            var updated: String?
        }
        var id: String
        var key: String
        var fields: Fields?
    }

    /// Jira's timestamp form (`fields.updated`): milliseconds and a numeric offset without a colon.
    static func parseTimestamp(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSZ"
        return formatter.date(from: text)
    }

    public func marker(for craftItemID: String) -> String { "craft-\(craftItemID)" }

    /// JQL search is eventually consistent: a new issue can take seconds to minutes to show.
    public var findsNewIssuesImmediately: Bool { false }

    public var capabilities: DevToolCapabilities { .init(issueTypeAndPriorityFields: true) }
    public var webhookHeadersKept: [String] { ["x-atlassian-", "x-hub-signature", "content-type", "user-agent"] }
    /// Jira maps by status category; workflows name their statuses freely.
    public var defaultStatusNames: [String: String] { [:] }
    /// Jira's three status categories (`statusCategory.key`).
    public var defaultStatusCategories: [String: String] { ["new": "To Do", "indeterminate": "In Progress", "done": "Done"] }

    private func browseURL(_ key: String) -> String { siteURL.appendingPathComponent("browse/\(key)").absoluteString }

    func devIssue(_ body: IssueBody) -> DevIssue {
        DevIssue(
            id: body.id, key: body.key, url: browseURL(body.key),
            status: DevIssueStatus(name: body.fields?.status?.name ?? "Unknown", detail: body.fields?.status?.statusCategory?.key),
            labels: body.fields?.labels ?? [], updatedAt: body.fields?.updated.flatMap(Self.parseTimestamp))
    }

    public func create(_ issue: NewIssue) async throws(DevToolError) -> DevIssue {
        struct Body: Encodable, Sendable {
            struct Fields: Encodable, Sendable {
                struct Key: Encodable, Sendable { var key: String }
                struct Name: Encodable, Sendable { var name: String }
                var project: Key
                var issuetype: Name
                var summary: String
                var description: ADFNode
                var labels: [String]
                var priority: Name?
            }
            var fields: Fields
        }
        // Jira labels cannot contain spaces.
        let labels = uniqued((issue.labels + [issue.marker]).map { $0.replacingOccurrences(of: " ", with: "-") })
        let body = Body(fields: .init(
            project: .init(key: projectKey), issuetype: .init(name: issue.issueType ?? defaultIssueType), summary: issue.title,
            description: ADFDocument.from(text: issue.description), labels: labels, priority: issue.priority.map { .init(name: $0) }))
        struct Created: Decodable { var id: String; var key: String }
        let created = try await transport.request(
            "POST", transport.url("rest/api/3/issue"), body: body, as: Created.self, operation: "Jira: create issue in \(projectKey)")
        return DevIssue(
            id: created.id, key: created.key, url: browseURL(created.key), status: DevIssueStatus(name: "To Do", detail: "new"), labels: labels)
    }

    public func find(marker: String) async throws(DevToolError) -> DevIssue? {
        struct Query: Encodable, Sendable {
            var jql: String
            var fields: [String]
            var maxResults: Int
        }
        struct Result: Decodable { var issues: [IssueBody] }
        let result = try await transport.request(
            "POST", transport.url("rest/api/3/search/jql"),
            body: Query(jql: "labels = \"\(marker)\" ORDER BY created ASC", fields: ["status", "labels", "updated"], maxResults: 5), as: Result.self,
            operation: "Jira: find issue labelled \(marker)", idempotent: true)
        return result.issues.first.map(devIssue)
    }

    public func issue(_ reference: DevIssueReference) async throws(DevToolError) -> DevIssue {
        // Read as JSON once, decoded twice: the adapter's own fields, and the signals (custom field ids are settings).
        let operation = "Jira: read issue \(reference.key)"
        let data = try await transport.data(
            "GET", transport.url("rest/api/3/issue/\(reference.id)", query: [("fields", (["status", "labels", "updated"] + signalFieldNames).joined(separator: ","))]),
            operation: operation)
        let body: IssueBody
        do {
            body = try JSONDecoder().decode(IssueBody.self, from: data)
        } catch {
            throw .malformedResponse(tool: "Jira", operation: operation, detail: "\(error)")
        }
        var issue = devIssue(body)
        issue.signals = signals(in: Array(data))
        return issue
    }

    /// Admin webhooks registered with a secret carry `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`.
    /// Jira Cloud admin webhooks with a secret: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>`.
    public var webhookAuthentication: WebhookAuthentication { .bodySignature(header: "x-hub-signature", prefix: "sha256=") }

    public func verifyWebhook(headers: [String: String], body: [UInt8], secrets: [String]) -> Bool {
        bodySignatureMatches(headers: headers, body: body, secrets: secrets)
    }
}
