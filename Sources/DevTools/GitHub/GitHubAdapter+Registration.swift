import Foundation

/// Repository webhooks (https://docs.github.com/en/rest/webhooks/repos): listed, created and updated by the
/// token, which needs admin:repo_hook (classic) or the "Webhooks" repository permission (fine-grained).
extension GitHubAdapter: WebhookRegistering {
    public var webhookRegistration: (any WebhookRegistering)? { self }
    /// Issue changes, and pull requests (the ones that close an issue put it in review).
    public var neededWebhookEvents: [String] { ["issues", "pull_request"] }

    struct Hook: Decodable {
        struct Config: Decodable { var url: String? }
        /// The last delivery's answer; null without a delivery in 30 days.
        struct LastResponse: Decodable {
            var code: Int?
            var status: String?
            var message: String?
        }
        var id: Int64
        var active: Bool
        var events: [String]
        var config: Config
        var last_response: LastResponse?
    }

    struct HookBody: Encodable {
        struct Config: Encodable {
            var url: String
            var content_type = "json"
            var secret: String?
            var insecure_ssl = "0"
        }
        var name = "web"
        var active = true
        var events: [String]
        var config: Config
    }

    public func registeredWebhook(url: String) async throws(DevToolError) -> RegisteredWebhook? {
        guard let hook = try await hook(url: url) else { return nil }
        let last = hook.last_response.flatMap { response -> RegisteredWebhook.LastDelivery? in
            guard let code = response.code else { return nil }  // "unused": nothing delivered yet
            return .init(succeeded: (200..<300).contains(code), detail: "\(code) \(response.message ?? response.status ?? "")")
        }
        return RegisteredWebhook(
            id: String(hook.id), url: url, active: hook.active,
            sendsNeededEvents: hook.events.contains("*") || Set(neededWebhookEvents).isSubset(of: Set(hook.events)),
            lastDelivery: last)
    }

    public func registerWebhook(_ target: WebhookTarget) async throws(DevToolError) -> WebhookRegistrationOutcome {
        let body = HookBody(events: neededWebhookEvents, config: .init(url: target.url, secret: target.secret))
        if let existing = try await hook(url: target.url) {
            let updated = try await transport.request(
                "PATCH", transport.url("repos/\(owner)/\(repository)/hooks/\(existing.id)"), body: body, as: Hook.self,
                operation: "GitHub: update the webhook of \(owner)/\(repository)", idempotent: true)
            return .updated(id: String(updated.id))
        }
        let created = try await transport.request(
            "POST", transport.url("repos/\(owner)/\(repository)/hooks"), body: body, as: Hook.self,
            operation: "GitHub: create a webhook in \(owner)/\(repository)")
        return .created(id: String(created.id))
    }

    private func hook(url: String) async throws(DevToolError) -> Hook? {
        let hooks = try await transport.request(
            "GET", transport.url("repos/\(owner)/\(repository)/hooks", query: [("per_page", "100")]), as: [Hook].self,
            operation: "GitHub: list the webhooks of \(owner)/\(repository)", idempotent: true)
        return hooks.first { $0.config.url == url }
    }
}
