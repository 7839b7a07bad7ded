import Foundation

/// Linear webhooks over GraphQL (`webhooks`, `webhookCreate`, `webhookUpdate`; https://linear.app/developers/webhooks):
/// only workspace admins (or OAuth apps with the admin scope) may create or read them. Scoped to the configured
/// team and to `Issue` events; the secret is the one Linear signs `Linear-Signature` with.
extension LinearAdapter: WebhookRegistering {
    public var webhookRegistration: (any WebhookRegistering)? { self }
    public var neededWebhookEvents: [String] { ["Issue"] }
    public var permissionHint: String { "only workspace admins (or OAuth apps with the admin scope) may manage webhooks" }

    struct Webhook: Decodable {
        var id: String
        var url: String?
        var enabled: Bool?
        var resourceTypes: [String]?
    }

    public func registeredWebhook(url: String) async throws(DevToolError) -> RegisteredWebhook? {
        guard let hook = try await webhook(url: url) else { return nil }
        return RegisteredWebhook(
            id: hook.id, url: url, active: hook.enabled ?? true, sendsNeededEvents: (hook.resourceTypes ?? []).contains("Issue"))
    }

    public func registerWebhook(_ target: WebhookTarget) async throws(DevToolError) -> WebhookRegistrationOutcome {
        struct Payload: Decodable {
            struct Result: Decodable {
                var success: Bool
                var webhook: Webhook?
            }
            var webhookCreate: Result?
            var webhookUpdate: Result?
        }
        struct Input: Encodable {
            var url: String
            var teamId: String?
            var resourceTypes: [String]
            var secret: String?
            var label: String?
            var enabled = true
        }
        struct CreateVariables: Encodable { var input: Input }
        struct UpdateVariables: Encodable {
            var id: String
            var input: Input
        }
        if let existing = try await webhook(url: target.url) {
            let input = Input(url: target.url, teamId: nil, resourceTypes: neededWebhookEvents, secret: target.secret, label: nil)
            let answer = try await graphQL(
                "mutation($id: String!, $input: WebhookUpdateInput!) { webhookUpdate(id: $id, input: $input) { success webhook { id url enabled resourceTypes } } }",
                UpdateVariables(id: existing.id, input: input), as: Payload.self, operation: "Linear: update the craft-sync webhook", idempotent: true)
            guard answer.webhookUpdate?.success == true else {
                throw .rejected(tool: "Linear", operation: "Linear: update the craft-sync webhook", status: 200, message: "webhookUpdate did not succeed")
            }
            return .updated(id: existing.id)
        }
        let input = Input(url: target.url, teamId: teamID, resourceTypes: neededWebhookEvents, secret: target.secret, label: "craft-sync (\(instance))")
        let answer = try await graphQL(
            "mutation($input: WebhookCreateInput!) { webhookCreate(input: $input) { success webhook { id url enabled resourceTypes } } }",
            CreateVariables(input: input), as: Payload.self, operation: "Linear: create the craft-sync webhook", idempotent: false)
        guard answer.webhookCreate?.success == true, let created = answer.webhookCreate?.webhook else {
            throw .rejected(tool: "Linear", operation: "Linear: create the craft-sync webhook", status: 200, message: "webhookCreate did not succeed")
        }
        return .created(id: created.id)
    }

    private func webhook(url: String) async throws(DevToolError) -> Webhook? {
        struct Payload: Decodable {
            struct Connection: Decodable { var nodes: [Webhook] }
            var webhooks: Connection
        }
        struct NoVariables: Encodable {}
        let answer = try await graphQL(
            "query { webhooks(first: 100) { nodes { id url enabled resourceTypes } } }", NoVariables(), as: Payload.self,
            operation: "Linear: list the webhooks", idempotent: true)
        return answer.webhooks.nodes.first { $0.url == url }
    }
}
