import Foundation

/// Jira Cloud webhook deliveries (https://developer.atlassian.com/cloud/jira/platform/webhooks/).
extension JiraAdapter {
    public func deliveryID(headers: [String: String], body: [UInt8]) -> String? { headers["x-atlassian-webhook-identifier"] }

    public func eventType(headers: [String: String], body: [UInt8]) -> String {
        (try? JSONDecoder().decode(EventOnly.self, from: Data(body)))?.webhookEvent ?? "unknown"
    }

    private struct EventOnly: Decodable { var webhookEvent: String? }

    private struct Payload: Decodable {
        struct Issue: Decodable {
            var id: String
            var key: String
            var fields: JiraAdapter.IssueBody.Fields?
        }
        struct User: Decodable { var accountId: String? }
        var webhookEvent: String
        /// Milliseconds since 1970 in Jira Cloud; some exported samples carry a formatted date instead.
        var timestamp: Int64?
        var issue: Issue?
        var user: User?

        enum CodingKeys: String, CodingKey { case webhookEvent, timestamp, issue, user }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            webhookEvent = try container.decode(String.self, forKey: .webhookEvent)
            timestamp = try? container.decodeIfPresent(Int64.self, forKey: .timestamp)
            issue = try container.decodeIfPresent(Issue.self, forKey: .issue)
            user = try container.decodeIfPresent(User.self, forKey: .user)
        }
    }

    public func parseWebhook(headers: [String: String], body: [UInt8]) throws(DevToolError) -> WebhookEvent {
        let payload: Payload
        do {
            payload = try JSONDecoder().decode(Payload.self, from: Data(body))
        } catch {
            throw .malformedResponse(tool: "Jira", operation: "Jira webhook", detail: "not a Jira webhook payload: \(error)")
        }
        if payload.webhookEvent == "jira:issue_deleted", let issue = payload.issue {
            return .deleted(issueID: issue.id, key: issue.key)
        }
        guard payload.webhookEvent == "jira:issue_created" || payload.webhookEvent == "jira:issue_updated" else {
            return .ignored(reason: "'\(payload.webhookEvent)' events do not change an issue's state")
        }
        guard let issue = payload.issue, let status = issue.fields?.status else {
            return .ignored(reason: "the payload names no issue status")
        }
        return .issue(IssueChange(
            issueID: issue.id, key: issue.key, status: DevIssueStatus(name: status.name, detail: status.statusCategory?.key),
            order: payload.timestamp, actor: payload.user?.accountId, signals: signals(in: body)))
    }
}
