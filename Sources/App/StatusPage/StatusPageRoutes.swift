import Foundation
import HTTPServer
import Store
import Support
import SyncEngine

/// `/ui/`: the status page, behind the admin token. A browser signs in once on a form and gets a session
/// cookie (`HttpOnly`, `SameSite=Strict`, `Secure` behind TLS); every state change is a POST carrying the
/// session's CSRF token. The router's groups check both (`SecuredRouter`); without an admin token none of the
/// page is registered, so `/ui/` is 404.
struct StatusPageRoutes {
    let page: StatusPage
    let scheduler: SyncCycleScheduler?
    let progress: ProgressProcessor?
    let links: LinkRoutes

    func register(in router: inout SecuredRouter) {
        guard router.gate != nil else { return }
        let sessions = router.sessions
        router.open(.get, "/ui/style.css") { _ in
            HTTPResponse(status: .ok, headers: Layout.securityHeaders(contentType: "text/css; charset=utf-8"), body: Array(Stylesheet.css.utf8))
        }
        router.signIn(.get, "/ui/login") { request, _ in
            if sessions.session(request.cookies[SessionStore.cookieName]) != nil { return Layout.redirect(to: "/ui/") }
            return loginForm(error: nil)
        }
        router.signIn(.post, "/ui/login") { request, gate in
            switch gate.check(Substring(request.formFields()?["token"] ?? ""), from: request, via: "sign-in form") {
            case .accepted:
                let id = sessions.open()
                return Layout.redirect(to: "/ui/", headers: [.setCookie: cookie(id, request: request, maxAge: Int(sessions.lifetime))])
            case .refused:
                return loginForm(error: "That is not the admin token.", status: .unauthorized)
            case .throttled(let retryAfter):
                var response = loginForm(error: "Too many wrong tokens from this address. Try again in \(retryAfter) s.", status: .tooManyRequests)
                response.headers[.retryAfter] = String(retryAfter)
                return response
            }
        }
        router.pageChange("/ui/logout") { request, _ in
            sessions.close(request.cookies[SessionStore.cookieName])
            return Layout.redirect(to: "/ui/login", headers: [.setCookie: cookie("", request: request, maxAge: 0)])
        }
        // A page for a signed-in browser; anyone else is sent to the sign-in form.
        func get(_ pattern: String, _ render: @escaping @Sendable (HTTPRequest, String) async throws -> HTTPResponse) {
            router.page(pattern) { request, session in try await render(request, session.csrfToken) }
        }
        // A state change: a POST from a signed-in browser with its CSRF token, answered by going back where it came from.
        func change(_ pattern: String, _ act: @escaping @Sendable (HTTPRequest) async throws -> Void) {
            router.pageChange(pattern) { request, fields in
                // Only a path inside the page, and no control character (a CR/LF would split the Location header).
                let back = fields["return"].flatMap { path in
                    path.hasPrefix("/ui/") && !path.hasPrefix("/ui//") && !path.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } ? path : nil
                } ?? "/ui/"
                do {
                    try await act(request)
                } catch let error as HTTPError {
                    return Layout.page("Not done", section: nil, csrf: nil, "<h1>Not done</h1><p>\(error.message)</p><p><a href=\"\(back)\">Back</a></p>")
                        .with(status: error.status)
                }
                return Layout.redirect(to: back)
            }
        }
        get("/ui") { request, csrf in try await page.overview(csrf: csrf) }
        get("/ui/runs") { request, csrf in try await page.runs(csrf: csrf, cursor: try cursor(request)) }
        get("/ui/problems") { _, csrf in try await page.problems(csrf: csrf) }
        get("/ui/mappings") { request, csrf in
            let state = try request.head.queryValue("state").flatMap { text -> Mapping.State? in
                guard !text.isEmpty else { return nil }
                guard let state = Mapping.State(rawValue: text) else { throw HTTPError(.badRequest, "state must be one of: \(Mapping.State.allCases.map(\.rawValue).joined(separator: ", "))") }
                return state
            }
            func nonEmpty(_ name: String) -> String? { request.head.queryValue(name).flatMap { $0.isEmpty ? nil : $0 } }
            let query = StatusPage.ItemQuery(
                search: nonEmpty("search"), state: state, tool: nonEmpty("tool"), workspace: nonEmpty("workspace"), cursor: try cursor(request))
            return try await page.items(csrf: csrf, query: query)
        }
        get("/ui/items/:craftItemId") { request, csrf in
            let item = request.parameters["craftItemId"] ?? ""
            guard let response = try await page.item(item, csrf: csrf, cursor: try cursor(request)) else {
                return Layout.page("Not found", section: .mappings, csrf: csrf, "<h1>Not found</h1><p>craft-sync knows no Craft item \(item).</p>")
                    .with(status: .notFound)
            }
            return response
        }
        change("/ui/events/:id/replay") { request in
            guard let id = request.parameters["id"].flatMap({ Int64($0) }) else { throw HTTPError(.badRequest, "the event id must be a number") }
            guard try await page.store.events.replay(id: id) else { throw HTTPError(.notFound, "there is no event \(id)") }
            progress?.wake()
        }
        change("/ui/events/replay-dead") { _ in
            _ = try await page.store.events.replayDead()
            progress?.wake()
        }
        change("/ui/items/:craftItemId/retry") { request in
            let item = request.parameters["craftItemId"] ?? ""
            for mapping in try await page.store.mappings.mappings(craftItemID: item) { _ = try await page.store.mappings.retry(id: mapping.id) }
        }
        // Linking from the page: the same rules and answers as the admin API's.
        change("/ui/links") { request in
            let fields = request.formFields() ?? [:]
            let item = (fields["item"] ?? "").trimmingCharacters(in: .whitespaces), issue = (fields["issue"] ?? "").trimmingCharacters(in: .whitespaces)
            guard !item.isEmpty, !issue.isEmpty else { throw HTTPError(.badRequest, "give the Craft item id and the issue") }
            _ = try await LinkRoutes.answering { try await links.linker().link(item: item, issue: issue, workspace: fields["workspace"].flatMap { $0.isEmpty ? nil : $0 }, by: "the status page") }
        }
        change("/ui/items/:craftItemId/unlink") { request in
            let fields = request.formFields() ?? [:]
            let item = request.parameters["craftItemId"] ?? ""
            _ = try await LinkRoutes.answering {
                try await links.linker().unlink(
                    item: item, workspace: fields["workspace"], removeMarker: fields["remove_marker"] == "on", clearLinkField: fields["clear_link_field"] == "on",
                    by: "the status page")
            }
        }
        change("/ui/items/:craftItemId/relink") { request in
            let item = request.parameters["craftItemId"] ?? ""
            _ = try await LinkRoutes.answering { try await links.linker().relink(item: item, workspace: request.formFields()?["workspace"], by: "the status page") }
        }
        get("/ui/conflicts") { _, csrf in try await page.conflicts(csrf: csrf) }
        for (path, resolution) in [("keep-dev-tool", Conflict.Resolution.keepDevTool), ("take-craft", .takeCraft)] {
            change("/ui/conflicts/:id/\(path)") { request in
                guard let id = request.parameters["id"].flatMap({ Int64($0) }) else { throw HTTPError(.badRequest, "the conflict id must be a number") }
                try await links.resolve(id, as: resolution, by: "the status page")
            }
        }
        change("/ui/sync") { _ in
            guard let scheduler else { throw HTTPError(.serviceUnavailable, "intake is not configured; see /readyz for the missing settings") }
            // Answered at once: the overview shows the poll's progress while it runs.
            Task { _ = await scheduler.runAll(trigger: "manual") }
        }
    }

    /// The session cookie: script cannot read it, other sites cannot send it, and it travels only over TLS when
    /// the page is served over TLS (RFC 6265 §4.1.2; SameSite: RFC 6265bis §5.4.7).
    private func cookie(_ value: String, request: HTTPRequest, maxAge: Int) -> String {
        let overTLS = request.headers["X-Forwarded-Proto"]?.lowercased() == "https"
        return "\(SessionStore.cookieName)=\(value); Path=/ui; Max-Age=\(maxAge); HttpOnly; SameSite=Strict\(overTLS ? "; Secure" : "")"
    }

    private func loginForm(error: String?, status: HTTPStatus = .ok) -> HTTPResponse {
        let problem: HTML = error.map { "<p class=\"notice bad\" role=\"alert\">\($0)</p>" } ?? ""
        return Layout.page("Sign in", section: nil, csrf: nil, """
            <section class="card login">
            <h1>Sign in</h1>
            \(problem)
            <form method="post" action="/ui/login">
            <label for="token">Admin token</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
            <button>Sign in</button>
            </form>
            <p class="muted">The token is the <code>admin.token</code> setting. It is checked once; the browser then holds a session cookie, never the token.</p>
            </section>
            """).with(status: status)
    }

    private func cursor(_ request: HTTPRequest) throws -> Int64? {
        try request.head.queryValue("cursor").map { text in
            guard let value = Int64(text) else { throw HTTPError(.badRequest, "cursor must be the one an earlier page gave") }
            return value
        }
    }
}

extension HTTPResponse {
    func with(status: HTTPStatus) -> HTTPResponse {
        var response = self
        response.status = status
        return response
    }
}
