import Foundation
import HTTPServer

/// Jira admin webhooks (`/rest/webhooks/1.0/webhook`): list, register, update. Each is identified by its `self`
/// URL; the secret signs deliveries (`X-Hub-Signature`) and is never shown.
extension JiraSimulator {
    func registerHooks(in router: inout Router) {
        struct HookBody: Decodable {
            var name: String?
            var url: String?
            var events: [String]?
            var enabled: Bool?
            var secret: String?
        }
        struct RenderedHook: Encodable {
            var name: String
            var url: String
            var events: [String]
            var enabled: Bool
            var `self`: String
        }
        let render: @Sendable (HookBook.Hook, HTTPRequest) -> RenderedHook = { hook, request in
            RenderedHook(
                name: "craft-sync", url: hook.url, events: hook.events, enabled: hook.active,
                self: "http://\(request.headers[.host] ?? "jira.example")/rest/webhooks/1.0/webhook/\(hook.id)")
        }
        router.get("/rest/webhooks/1.0/webhook") { [self] request in
            try await serve(request, "GET /rest/webhooks/1.0/webhook") { try .json(hooks.all.map { render($0, request) }) }
        }
        router.post("/rest/webhooks/1.0/webhook") { [self] request in
            try await serve(request, "POST /rest/webhooks/1.0/webhook") {
                let body = try request.decodeJSON(HookBody.self)
                guard let url = body.url, !url.isEmpty, body.name?.isEmpty == false else {
                    return jiraError(.badRequest, messages: ["name and url are required"])
                }
                let hook = hooks.create(url: url, events: body.events ?? [], secret: body.secret, active: body.enabled ?? true)
                return try .json(render(hook, request), status: .created)
            }
        }
        router.add(.put, "/rest/webhooks/1.0/webhook/:id") { [self] request in
            try await serve(request, "PUT /rest/webhooks/1.0/webhook/:id") {
                let body = try request.decodeJSON(HookBody.self)
                guard let id = request.parameters["id"].flatMap(Int.init), let current = hooks.all.first(where: { $0.id == id }) else {
                    return jiraError(.notFound, messages: ["Webhook not found"])
                }
                let hook = hooks.update(
                    id: id, url: body.url ?? current.url, events: body.events ?? current.events, secret: body.secret, active: body.enabled ?? current.active)
                return try .json(hook.map { render($0, request) })
            }
        }
    }
}
