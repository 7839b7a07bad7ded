import Foundation
import HTTPServer

/// Linear's webhooks over GraphQL: the `webhooks` query, `webhookCreate` and `webhookUpdate`. Ids are UUIDs, as
/// Linear's are; the secret signs deliveries (`Linear-Signature`) and is never shown.
extension LinearSimulator {
    static func webhookID(_ number: Int) -> String { String(format: "00000000-0000-4000-8000-%012d", number) }

    func webhooks(_ query: String, _ variables: [String: Any]) throws -> HTTPResponse {
        let render: (HookBook.Hook) -> [String: Any] = { hook in
            ["id": Self.webhookID(hook.id), "url": hook.url, "enabled": hook.active, "resourceTypes": hook.events]
        }
        if query.contains("webhookCreate(") || query.contains("webhookUpdate(") {
            let input = variables["input"] as? [String: Any] ?? [:]
            let secret = input["secret"] as? String
            let events = input["resourceTypes"] as? [String]
            if query.contains("webhookCreate(") {
                guard let url = input["url"] as? String, !url.isEmpty else { return Self.errors(.ok, "Argument Validation Error", code: "INVALID_INPUT") }
                if let team = input["teamId"] as? String, team != Account.teamID { return Self.errors(.ok, "Entity not found: Team", code: "INPUT_ERROR") }
                let hook = hooks.create(url: url, events: events ?? [], secret: secret, active: input["enabled"] as? Bool ?? true)
                return try Self.data(["webhookCreate": ["success": true, "webhook": render(hook)]])
            }
            guard let id = variables["id"] as? String, let current = hooks.all.first(where: { Self.webhookID($0.id) == id }) else {
                return Self.errors(.ok, "Entity not found: Webhook", code: "INPUT_ERROR")
            }
            let hook = hooks.update(
                id: current.id, url: input["url"] as? String ?? current.url, events: events ?? current.events, secret: secret,
                active: input["enabled"] as? Bool ?? current.active)
            return try Self.data(["webhookUpdate": ["success": hook != nil, "webhook": hook.map(render) as Any? ?? NSNull()]])
        }
        return try Self.data(["webhooks": ["nodes": hooks.all.map(render)]])
    }
}
