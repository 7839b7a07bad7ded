import Foundation
import HTTPServer

extension GitHubSimulator {
    /// Repository webhooks (https://docs.github.com/en/rest/webhooks/repos): list, create, update. The secret is
    /// kept for signing and never shown, as GitHub shows it masked.
    func registerHooks(in router: inout Router) {
        struct HookBody: Decodable {
            struct Config: Decodable {
                var url: String?
                var content_type: String?
                var secret: String?
            }
            var active: Bool?
            var events: [String]?
            var config: Config?
        }
        struct RenderedHook: Encodable {
            struct Config: Encodable { var url: String; var content_type = "json"; var insecure_ssl = "0" }
            struct LastResponse: Encodable { var code: Int?; var status: String; var message: String? }
            var type = "Repository"
            var id: Int
            var name = "web"
            var active: Bool
            var events: [String]
            var config: Config
            var last_response: LastResponse
        }
        let render: @Sendable (HookBook.Hook) -> RenderedHook = { [self] hook in
            let code = hooks.lastDeliveryStatus
            return RenderedHook(
                id: hook.id, active: hook.active, events: hook.events, config: .init(url: hook.url),
                last_response: .init(code: code, status: code == nil ? "unused" : ((200..<300).contains(code!) ? "active" : "failed"), message: code.map { "HTTP \($0)" }))
        }
        router.get("/repos/:owner/:repo/hooks") { [self] request in
            try await serve(request, "GET /repos/:owner/:repo/hooks") { try .json(hooks.all.map(render)) }
        }
        router.post("/repos/:owner/:repo/hooks") { [self] request in
            try await serve(request, "POST /repos/:owner/:repo/hooks") {
                let body = try request.decodeJSON(HookBody.self)
                guard let url = body.config?.url, !url.isEmpty else { return githubError(.unprocessableContent, "Validation Failed: config.url") }
                let hook = hooks.create(url: url, events: body.events ?? ["push"], secret: body.config?.secret, active: body.active ?? true)
                return try .json(render(hook), status: .created)
            }
        }
        router.add(.patch, "/repos/:owner/:repo/hooks/:id") { [self] request in
            try await serve(request, "PATCH /repos/:owner/:repo/hooks/:id") {
                let body = try request.decodeJSON(HookBody.self)
                guard let id = request.parameters["id"].flatMap(Int.init), let current = hooks.all.first(where: { $0.id == id }) else {
                    return githubError(.notFound, "Not Found")
                }
                let hook = hooks.update(
                    id: id, url: body.config?.url ?? current.url, events: body.events ?? current.events, secret: body.config?.secret,
                    active: body.active ?? current.active)
                return try .json(hook.map(render))
            }
        }
    }
}
