import Foundation

/// Jira admin webhooks (https://developer.atlassian.com/cloud/jira/platform/webhooks/#registering-a-webhook-via-the-jira-rest-api):
/// `/rest/webhooks/1.0/webhook`, which needs a Jira administrator's token. Registered with a secret, Jira signs
/// deliveries with `X-Hub-Signature`. The JQL filter limits deliveries to the configured project: markers are one
/// label per item (`craft-<id>`), and JQL has no label wildcard to select "any craft-sync marker".
extension JiraAdapter: WebhookRegistering {
    public var webhookRegistration: (any WebhookRegistering)? { self }
    public var neededWebhookEvents: [String] { ["jira:issue_updated", "jira:issue_deleted"] }
    public var permissionHint: String { "admin webhooks need a Jira administrator's token" }

    struct AdminWebhook: Decodable {
        var name: String?
        var url: String
        var events: [String]?
        var enabled: Bool?
        /// `https://SITE/rest/webhooks/1.0/webhook/{id}`: where the id is.
        var `self`: String?

        var id: String? { self.`self`.flatMap { $0.split(separator: "/").last.map(String.init) } }
    }

    struct AdminWebhookBody: Encodable {
        var name: String
        var url: String
        var events: [String]
        var filters: [String: String]
        var excludeBody = false
        // No `enabled`: the documented body has none (a webhook registered is enabled; the answer says so).
        var secret: String?
    }

    public func registeredWebhook(url: String) async throws(DevToolError) -> RegisteredWebhook? {
        guard let hook = try await adminWebhook(url: url), let id = hook.id else { return nil }
        let events = Set(hook.events ?? [])
        return RegisteredWebhook(
            id: id, url: url, active: hook.enabled ?? true, sendsNeededEvents: Set(neededWebhookEvents).isSubset(of: events))
    }

    public func registerWebhook(_ target: WebhookTarget) async throws(DevToolError) -> WebhookRegistrationOutcome {
        let body = AdminWebhookBody(
            name: "craft-sync (\(instance))", url: target.url, events: neededWebhookEvents,
            filters: ["issue-related-events-section": "project = \"\(projectKey)\""], secret: target.secret)
        if let existing = try await adminWebhook(url: target.url), let id = existing.id {
            _ = try await transport.request(
                "PUT", transport.url("rest/webhooks/1.0/webhook/\(id)"), body: body, as: AdminWebhook.self,
                operation: "Jira: update the craft-sync webhook", idempotent: true)
            return .updated(id: id)
        }
        let created = try await transport.request(
            "POST", transport.url("rest/webhooks/1.0/webhook"), body: body, as: AdminWebhook.self, operation: "Jira: register the craft-sync webhook")
        return .created(id: created.id ?? "")
    }

    private func adminWebhook(url: String) async throws(DevToolError) -> AdminWebhook? {
        let hooks = try await transport.request(
            "GET", transport.url("rest/webhooks/1.0/webhook"), as: [AdminWebhook].self, operation: "Jira: list the admin webhooks", idempotent: true)
        return hooks.first { $0.url == url }
    }
}
