import Foundation
import HTTPServer

/// Project webhooks (`/api/v4/projects/:id/hooks`): list, add, edit. The `token` is what deliveries carry in
/// `X-Gitlab-Token`; GitLab never shows it back. `alert_status` turns `temporarily_disabled` after a failed delivery.
extension GitLabSimulator {
    func registerHooks(in router: inout Router) {
        struct HookBody: Decodable {
            var url: String?
            var token: String?
            var issues_events: Bool?
            /// Confidential issues' events are sent only to hooks that ask for them (project webhooks API).
            var confidential_issues_events: Bool?

            /// The events the body asks for, over `current` where it leaves one out.
            func events(over current: [String]) -> [String] {
                var events = Set(current)
                for (name, wanted) in [("issues_events", issues_events), ("confidential_issues_events", confidential_issues_events)] {
                    guard let wanted else { continue }
                    if wanted { events.insert(name) } else { events.remove(name) }
                }
                return events.sorted()
            }
        }
        struct RenderedHook: Encodable {
            var id: Int
            var url: String
            var project_id: Int
            var issues_events: Bool
            var confidential_issues_events: Bool
            var push_events = false
            var enable_ssl_verification = true
            var alert_status: String
        }
        let render: @Sendable (HookBook.Hook) -> RenderedHook = { [self] hook in
            let failed = hooks.lastDeliveryStatus.map { !(200..<300).contains($0) } ?? false
            return RenderedHook(
                id: hook.id, url: hook.url, project_id: projectID, issues_events: hook.events.contains("issues_events"),
                confidential_issues_events: hook.events.contains("confidential_issues_events"), alert_status: failed ? "temporarily_disabled" : "executable")
        }
        router.get("/api/v4/projects/:project/hooks") { [self] request in
            try await serve(request, "GET /api/v4/projects/:project/hooks") { try .json(hooks.all.map(render)) }
        }
        router.post("/api/v4/projects/:project/hooks") { [self] request in
            try await serve(request, "POST /api/v4/projects/:project/hooks") {
                let body = try request.decodeJSON(HookBody.self)
                guard let url = body.url, !url.isEmpty else { return gitlabError(.badRequest, ["url": ["can't be blank"]]) }
                let hook = hooks.create(url: url, events: body.events(over: []), secret: body.token)
                return try .json(render(hook), status: .created)
            }
        }
        router.add(.put, "/api/v4/projects/:project/hooks/:id") { [self] request in
            try await serve(request, "PUT /api/v4/projects/:project/hooks/:id") {
                let body = try request.decodeJSON(HookBody.self)
                guard let id = request.parameters["id"].flatMap(Int.init), let current = hooks.all.first(where: { $0.id == id }) else {
                    return gitlabError(.notFound, "404 Not found")
                }
                let events = body.events(over: current.events)
                return try .json(hooks.update(id: id, url: body.url ?? current.url, events: events, secret: body.token).map(render))
            }
        }
    }
}
