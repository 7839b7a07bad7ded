import Foundation

/// Repository webhooks (https://docs.github.com/en/rest/webhooks/repos): listed, created and updated by the
/// token, which needs admin:repo_hook (classic) or the "Webhooks" repository permission (fine-grained). With boards
/// read, an organization webhook too (https://docs.github.com/en/rest/orgs/webhooks): GitHub sends
/// `projects_v2_item` to organization hooks and Apps only; the token needs admin:org_hook.
extension GitHubAdapter: WebhookRegistering {
    public var webhookRegistration: (any WebhookRegistering)? { self }
    /// Issue changes, pull requests (the ones that close an issue put it in review), and board moves when read.
    public var neededWebhookEvents: [String] { hookScopes.flatMap(\.events) }
    public var permissionHint: String {
        "the token needs admin:repo_hook (classic) or the Webhooks repository permission (fine-grained)"
            + (projectStatusField == nil ? "" : ", and admin:org_hook (classic) or the Webhooks organization permission for the board events")
    }

    /// Where one of craft-sync's hooks lives, and what it must send.
    struct HookScope {
        var path: String
        var events: [String]
        /// For messages: `acme/product`, `the organization acme`.
        var name: String
    }

    var hookScopes: [HookScope] {
        let repositoryHook = HookScope(path: "repos/\(owner)/\(repository)/hooks", events: ["issues", "pull_request"], name: "\(owner)/\(repository)")
        guard projectStatusField != nil else { return [repositoryHook] }
        return [repositoryHook, HookScope(path: "orgs/\(owner)/hooks", events: ["projects_v2_item"], name: "the organization \(owner)")]
    }

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

        func sends(_ needed: [String]) -> Bool { events.contains("*") || Set(needed).isSubset(of: Set(events)) }
    }

    struct HookBody: Encodable {
        struct Config: Encodable {
            var url: String
            var content_type = "json"
            var secret: String?
            var insecure_ssl = "0"
        }
        /// Only when creating: `PATCH /repos/{owner}/{repo}/hooks/{hook_id}` has no `name` property (REST description).
        var name: String? = "web"
        var active = true
        var events: [String]
        var config: Config
    }

    /// The repository's hook to `url` (nil without one), with the organization's beside it when boards are read: a
    /// missing or partial one of those reads as not sending the needed events.
    public func registeredWebhook(url: String) async throws(DevToolError) -> RegisteredWebhook? {
        var found: [(scope: HookScope, hook: Hook?)] = []
        for scope in hookScopes { found.append((scope, try await hook(url: url, in: scope))) }
        guard found.first?.hook != nil else { return nil }
        let hooks = found.compactMap(\.hook)
        // The last deliveries of each hook; a failed one (the organization's, say) is the one said.
        let deliveries = hooks.compactMap { hook in
            hook.last_response.flatMap { response -> RegisteredWebhook.LastDelivery? in
                guard let code = response.code else { return nil }  // "unused": nothing delivered yet
                return .init(succeeded: (200..<300).contains(code), detail: "\(code) \(response.message ?? response.status ?? "")")
            }
        }
        let last = deliveries.first { !$0.succeeded } ?? deliveries.first
        return RegisteredWebhook(
            id: hooks.map { String($0.id) }.joined(separator: ","), url: url, active: hooks.allSatisfy(\.active),
            sendsNeededEvents: found.allSatisfy { $0.hook?.sends($0.scope.events) == true }, lastDelivery: last)
    }

    public func registerWebhook(_ target: WebhookTarget) async throws(DevToolError) -> WebhookRegistrationOutcome {
        var ids: [String] = []
        var createdAny = false
        for scope in hookScopes {
            var body = HookBody(events: scope.events, config: .init(url: target.url, secret: target.secret))
            if let existing = try await hook(url: target.url, in: scope) {
                body.name = nil
                let updated = try await transport.request(
                    "PATCH", transport.url("\(scope.path)/\(existing.id)"), body: body, as: Hook.self,
                    operation: "GitHub: update the webhook of \(scope.name)", idempotent: true)
                ids.append(String(updated.id))
            } else {
                let created = try await transport.request(
                    "POST", transport.url(scope.path), body: body, as: Hook.self, operation: "GitHub: create a webhook in \(scope.name)")
                ids.append(String(created.id))
                createdAny = true
            }
        }
        let id = ids.joined(separator: ",")
        return createdAny ? .created(id: id) : .updated(id: id)
    }

    private func hook(url: String, in scope: HookScope) async throws(DevToolError) -> Hook? {
        let hooks = try await transport.request(
            "GET", transport.url(scope.path, query: [("per_page", "100")]), as: [Hook].self,
            operation: "GitHub: list the webhooks of \(scope.name)", idempotent: true)
        return hooks.first { $0.config.url == url }
    }
}
