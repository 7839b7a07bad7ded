import Foundation

/// Project webhooks (https://docs.gitlab.com/api/project_webhooks/): the token needs the Maintainer role. The
/// secret goes in as the hook's `token`, which GitLab sends back in `X-Gitlab-Token`. GitLab reports a hook it
/// disabled after failing deliveries in `alert_status`.
extension GitLabAdapter: WebhookRegistering {
    public var webhookRegistration: (any WebhookRegistering)? { self }
    /// GitLab sends a confidential issue's events (`Confidential Issue Hook`) only to hooks with
    /// `confidential_issues_events` (project webhooks API): without it those issues never report progress.
    public var neededWebhookEvents: [String] { ["issues_events", "confidential_issues_events"] }
    public var permissionHint: String { "the token needs the Maintainer role on the project" }

    struct Hook: Decodable {
        var id: Int64
        var url: String
        var issues_events: Bool?
        var confidential_issues_events: Bool?
        /// `executable`, `temporarily_disabled` or `disabled`.
        var alert_status: String?
    }

    struct HookBody: Encodable {
        var url: String
        var token: String?
        var issues_events = true
        var confidential_issues_events = true
        var push_events = false
        var enable_ssl_verification = true
    }

    public func registeredWebhook(url: String) async throws(DevToolError) -> RegisteredWebhook? {
        guard let hook = try await hook(url: url) else { return nil }
        let status = hook.alert_status ?? "executable"
        let last: RegisteredWebhook.LastDelivery? = status == "executable"
            ? nil : .init(succeeded: false, detail: "GitLab \(status.replacingOccurrences(of: "_", with: " ")) the hook after failed deliveries")
        return RegisteredWebhook(
            id: String(hook.id), url: url, active: status != "disabled", sendsNeededEvents: hook.issues_events == true && hook.confidential_issues_events == true, lastDelivery: last)
    }

    public func registerWebhook(_ target: WebhookTarget) async throws(DevToolError) -> WebhookRegistrationOutcome {
        let body = HookBody(url: target.url, token: target.secret)
        if let existing = try await hook(url: target.url) {
            _ = try await transport.request(
                "PUT", url("hooks/\(existing.id)"), body: body, as: Hook.self, operation: "GitLab: update the webhook of \(project)", idempotent: true)
            return .updated(id: String(existing.id))
        }
        let created = try await transport.request("POST", url("hooks"), body: body, as: Hook.self, operation: "GitLab: add a webhook to \(project)")
        return .created(id: String(created.id))
    }

    private func hook(url hookURL: String) async throws(DevToolError) -> Hook? {
        let hooks = try await transport.request(
            "GET", url("hooks", query: [("per_page", "100")]), as: [Hook].self, operation: "GitLab: list the webhooks of \(project)", idempotent: true)
        return hooks.first { $0.url == hookURL }
    }
}
