import Foundation
import HTTPServer

extension GitHubSimulator {
    /// Repository webhooks (https://docs.github.com/en/rest/webhooks/repos) and organization webhooks
    /// (https://docs.github.com/en/rest/orgs/webhooks): list, create, update. The secret is kept for signing and never
    /// shown, as GitHub shows it masked.
    func registerHooks(in router: inout Router) {
        registerHooks(in: &router, at: "/repos/:owner/:repo/hooks", book: hooks, type: "Repository")
        registerHooks(in: &router, at: "/orgs/:org/hooks", book: organizationHooks, type: "Organization")
    }

    private func registerHooks(in router: inout Router, at path: String, book hooks: HookBook, type: String) {
        struct HookBody: Decodable {
            struct Config: Decodable {
                var url: String?
                var content_type: String?
                var secret: String?
            }
            var name: String?
            var active: Bool?
            var events: [String]?
            var config: Config?
        }
        /// A hook as GitHub's description has it (`hook`, `org-hook`): every required property.
        struct RenderedHook: Encodable {
            struct Config: Encodable { var url: String; var content_type = "json"; var insecure_ssl = "0" }
            struct LastResponse: Encodable {
                var code: Int?
                var status: String
                var message: String?
                func encode(to encoder: any Encoder) throws {
                    enum Key: String, CodingKey { case code, status, message }
                    var container = encoder.container(keyedBy: Key.self)
                    try container.encode(code, forKey: .code)
                    try container.encode(status, forKey: .status)
                    try container.encode(message, forKey: .message)
                }
            }
            var type: String
            var id: Int
            var name = "web"
            var active: Bool
            var events: [String]
            var config: Config
            var last_response: LastResponse
            var url: String
            var ping_url: String
            var test_url: String?
            var deliveries_url: String
            var created_at = "2026-01-05T09:00:00Z"
            var updated_at = "2026-01-05T09:00:00Z"
        }
        let render: @Sendable (HookBook.Hook, HTTPRequest) -> RenderedHook = { hook, request in
            let code = hooks.lastDeliveryStatus
            let owner = request.parameters["org"].map { "orgs/\($0)" } ?? "repos/\(request.parameters["owner"] ?? "")/\(request.parameters["repo"] ?? "")"
            let api = "https://api.github.com/\(owner)/hooks/\(hook.id)"
            return RenderedHook(
                type: type, id: hook.id, active: hook.active, events: hook.events, config: .init(url: hook.url),
                last_response: .init(code: code, status: code == nil ? "unused" : ((200..<300).contains(code!) ? "active" : "failed"), message: code.map { "HTTP \($0)" }),
                url: api, ping_url: "\(api)/pings", test_url: type == "Repository" ? "\(api)/test" : nil, deliveries_url: "\(api)/deliveries")
        }
        router.get(path) { [self] request in
            try await serve(request, "GET \(path)") { try .json(hooks.all.map { render($0, request) }) }
        }
        router.post(path) { [self] request in
            try await serve(request, "POST \(path)") {
                let body = try request.decodeJSON(HookBody.self)
                guard let url = body.config?.url, !url.isEmpty else { return githubError(.unprocessableContent, "Validation Failed: config.url") }
                let hook = hooks.create(url: url, events: body.events ?? ["push"], secret: body.config?.secret, active: body.active ?? true)
                return try .json(render(hook, request), status: .created)
            }
        }
        router.add(.patch, "\(path)/:id") { [self] request in
            try await serve(request, "PATCH \(path)/:id") {
                let body = try request.decodeJSON(HookBody.self)
                // The update operation's body has no `name` (REST description: repos/update-webhook, orgs/update-webhook).
                guard body.name == nil else { return githubError(.unprocessableContent, "Invalid request. \"name\" is not a permitted key.") }
                guard let id = request.parameters["id"].flatMap(Int.init), let current = hooks.all.first(where: { $0.id == id }) else {
                    return githubError(.notFound, "Not Found")
                }
                let hook = hooks.update(
                    id: id, url: body.config?.url ?? current.url, events: body.events ?? current.events, secret: body.config?.secret,
                    active: body.active ?? current.active)
                return try .json(hook.map { render($0, request) })
            }
        }
    }
}
