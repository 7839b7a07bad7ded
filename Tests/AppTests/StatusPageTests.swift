import Foundation
import Logging
import Simulators
import Store
import Testing
@testable import App
@testable import SimulatorCommands
import TestSupport

@Suite("The status page: sign-in, sessions, CSRF, escaping", .awaitsTeardown)
struct StatusPageTests {
    static let token = "page-admin-token"

    func form(_ fields: [String: String]) -> Data {
        Data(fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&").utf8)
    }

    func post(_ port: Int, _ path: String, _ fields: [String: String], cookie: String? = nil, headers: [String: String] = [:]) async throws -> TestHTTPResponse {
        var headers = headers
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        if let cookie { headers["Cookie"] = cookie }
        return try await httpExchange("http://127.0.0.1:\(port)\(path)", method: "POST", headers: headers, body: form(fields), literally: true)
    }

    func get(_ port: Int, _ path: String, cookie: String? = nil) async throws -> TestHTTPResponse {
        try await httpExchange("http://127.0.0.1:\(port)\(path)", headers: cookie.map { ["Cookie": $0] } ?? [:], literally: true)
    }

    /// Signs in; answers the session cookie (`name=value`) and the page's CSRF token.
    func signIn(_ port: Int) async throws -> (cookie: String, csrf: String) {
        let answer = try await post(port, "/ui/login", ["token": Self.token])
        #expect(answer.status == 303 && answer.headers["location"] == "/ui/")
        let cookie = try #require(answer.headers["set-cookie"]?.components(separatedBy: ";").first)
        let overview = try await get(port, "/ui/", cookie: cookie)
        let csrf = try #require(overview.text.firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/)?.1)
        return (cookie, String(csrf))
    }

    @Test("a browser signs in once with the token and gets an HttpOnly SameSite=Strict cookie (Secure behind TLS); a wrong token is refused")
    func signInAndCookie() async throws {
        let service = try await ServiceFixture.start(adminToken: Self.token)
        Teardown.later { await service.app.server.shutdown(); await service.simulators.shutdown() }
        let port = service.port
        let unsigned = try await get(port, "/ui/")
        #expect(unsigned.status == 303 && unsigned.headers["location"] == "/ui/login")
        let wrong = try await post(port, "/ui/login", ["token": "guess"])
        #expect(wrong.status == 401 && wrong.headers["set-cookie"] == nil && wrong.text.contains("not the admin token"))

        let answer = try await post(port, "/ui/login", ["token": Self.token])
        let cookie = try #require(answer.headers["set-cookie"])
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/ui") && !cookie.contains("Secure"))
        #expect(!cookie.contains(Self.token))
        let behindTLS = try await post(port, "/ui/login", ["token": Self.token], headers: ["X-Forwarded-Proto": "https"])
        #expect(behindTLS.headers["set-cookie"]?.contains("; Secure") == true)

        let session = try #require(cookie.components(separatedBy: ";").first)
        let overview = try await get(port, "/ui/", cookie: session)
        #expect(overview.status == 200 && overview.headers["content-type"] == "text/html; charset=utf-8")
        #expect(overview.headers["content-security-policy"]?.contains("default-src 'none'") == true)
        #expect(!overview.text.contains(Self.token))
        #expect(try await get(port, "/ui/", cookie: "craft_sync_session=forged").status == 303)
    }

    @Test("every state change needs the session's CSRF token; signing out ends the session")
    func csrf() async throws {
        let service = try await ServiceFixture.start(adminToken: Self.token)
        Teardown.later { await service.app.server.shutdown(); await service.simulators.shutdown() }
        let port = service.port
        let (cookie, csrf) = try await signIn(port)
        _ = try await service.app.store.events.append(IncomingEvent(tool: "github", deliveryID: "d1", eventType: "issues", receivedAt: .now, body: Array("{}".utf8)))
        _ = try await service.app.store.events.markDead(id: 1, error: "boom", now: .now)

        #expect(try await post(port, "/ui/events/1/replay", [:], cookie: cookie).status == 403)
        #expect(try await post(port, "/ui/events/1/replay", ["csrf": String(repeating: "0", count: 64)], cookie: cookie).status == 403)
        #expect(try await post(port, "/ui/events/1/replay", ["csrf": csrf]).status == 401)  // no session
        #expect(try await service.app.store.events.event(id: 1)?.state == .dead)

        // A foreign `return` is not followed: changes only ever lead back into the page.
        let replayed = try await post(port, "/ui/events/1/replay", ["csrf": csrf, "return": "https://evil.example/"], cookie: cookie)
        #expect(replayed.status == 303 && replayed.headers["location"] == "/ui/")
        // Nor one that would split the Location header.
        let split = try await post(port, "/ui/events/1/replay", ["csrf": csrf, "return": "/ui/\r\nSet-Cookie: x=1"], cookie: cookie)
        #expect(split.headers["location"] == "/ui/" && split.headers["set-cookie"] == nil)
        #expect(try await service.app.store.events.event(id: 1)?.state != .dead)

        #expect(try await post(port, "/ui/logout", ["csrf": csrf], cookie: cookie).status == 303)
        #expect(try await get(port, "/ui/", cookie: cookie).status == 303)
    }

    @Test("the link form and the conflict buttons need the CSRF token; a conflict shows on the overview until one is chosen")
    func linkAndConflictForms() async throws {
        let service = try await ServiceFixture.start(adminToken: Self.token) { $0.drift = .pushAll }
        Teardown.later { await service.app.server.shutdown(); await service.simulators.shutdown() }
        let (port, simulators) = (service.port, service.simulators)
        let (cookie, csrf) = try await signIn(port)
        let item = simulators.craft.seed(.init(workspaceId: simulators.credentials.craftWorkspaceID, title: "Audit", status: "Backlog", type: "Feature"))
        let issue = simulators.github.openIssueByHand(title: "Audit (by hand)")
        let fields = ["item": item.id, "issue": "#\(issue.number)", "return": "/ui/mappings"]
        #expect(try await post(port, "/ui/links", fields, cookie: cookie).status == 403)
        #expect(try await service.app.store.mappings.mappings(craftItemID: item.id).isEmpty)
        let linked = try await post(port, "/ui/links", fields.merging(["csrf": csrf]) { $1 }, cookie: cookie)
        #expect(linked.status == 303 && linked.headers["location"] == "/ui/mappings")
        #expect(try await service.app.store.mappings.mappings(craftItemID: item.id).first?.state == .linked)
        // Linking it again is refused on a page that says why.
        let again = try await post(port, "/ui/links", fields.merging(["csrf": csrf]) { $1 }, cookie: cookie)
        #expect(again.status == 409 && again.text.contains("is already linked to acme/product#\(issue.number)"))

        // A both-sides edit: the overview points at it, the Conflicts page offers both ways, Keep resolves it.
        simulators.craft.setStatus(itemID: item.id, status: "Ready for Development")
        simulators.craft.rename(itemID: item.id, title: "Audit log")
        await simulators.github.editByHand(number: issue.number, title: "Audit trail")
        _ = await service.app.scheduler?.runAll(trigger: "test")
        let conflict = try #require(try await service.app.store.conflicts.open().first)
        #expect(try await get(port, "/ui/", cookie: cookie).text.contains("1 conflict</a>"))
        let page = try await get(port, "/ui/conflicts", cookie: cookie).text
        #expect(page.contains("Audit log") && page.contains("Audit trail") && page.contains("/ui/conflicts/\(conflict.id)/take-craft"))
        #expect(try await post(port, "/ui/conflicts/\(conflict.id)/keep-dev-tool", [:], cookie: cookie).status == 403)
        #expect(try await post(port, "/ui/conflicts/\(conflict.id)/keep-dev-tool", ["csrf": csrf], cookie: cookie).status == 303)
        #expect(try await service.app.store.conflicts.openCount() == 0)
        #expect(simulators.github.issues.first { $0.number == issue.number }?.title == "Audit trail")
        #expect(!(try await get(port, "/ui/", cookie: cookie).text.contains("conflict</a>")))
    }

    @Test("pages render Craft titles as text, and search finds items by title")
    func escaping() async throws {
        let service = try await ServiceFixture.start(adminToken: Self.token)
        Teardown.later { await service.app.server.shutdown(); await service.simulators.shutdown() }
        service.simulators.craft.seed(.init(
            workspaceId: service.simulators.credentials.craftWorkspaceID, title: #"<img src=x onerror="alert(1)"> & <script>x</script>"#,
            status: "Ready for Development", type: "Feature"))
        _ = await service.app.scheduler?.runAll(trigger: "test")
        let (cookie, _) = try await signIn(service.port)
        let items = try await get(service.port, "/ui/mappings?search=onerror", cookie: cookie)
        #expect(items.text.contains("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; &lt;script&gt;x&lt;/script&gt;"))
        #expect(!items.text.contains("<script>") && !items.text.contains("<img"))
        let itemID = try #require(items.text.firstMatch(of: /href="\/ui\/items\/([0-9]+)"/)?.1)
        let page = try await get(service.port, "/ui/items/\(itemID)", cookie: cookie)
        #expect(page.status == 200 && !page.text.contains("<script>") && page.text.contains("claimed"))
        #expect(try await get(service.port, "/ui/items/nope", cookie: cookie).status == 404)
    }

    @Test("the overview shows a running poll's progress and reloads itself while it runs")
    func runningPoll() async throws {
        let service = try await ServiceFixture.start(adminToken: Self.token)
        Teardown.later { await service.app.server.shutdown(); await service.simulators.shutdown() }
        Simulation.seedWorkspace(service.simulators)
        let (cookie, _) = try await signIn(service.port)
        #expect(!(try await get(service.port, "/ui/", cookie: cookie).text.contains("Poll running")))
        service.simulators.faults.set(.init(target: "github", latencyMs: 400))
        let scheduler = try #require(service.app.scheduler)
        let poll = Task { await scheduler.runAll(trigger: "test") }
        try await waitUntil("the overview to show the running poll", within: .seconds(10)) {
            let page = (try? await get(service.port, "/ui/", cookie: cookie))?.text ?? ""
            return page.contains("Poll running:") && page.contains("of 3 items") && page.contains("http-equiv=\"refresh\"")
        }
        _ = await poll.value
        service.simulators.faults.clear()
        #expect(!(try await get(service.port, "/ui/", cookie: cookie).text.contains("Poll running")))
    }

    @Test("without an admin token the page does not exist")
    func absentWithoutToken() async throws {
        let service = try await ServiceFixture.start()
        Teardown.later { await service.app.server.shutdown(); await service.simulators.shutdown() }
        for path in ["/ui/", "/ui/login", "/ui/style.css", "/ui/mappings"] {
            #expect(try await get(service.port, path).status == 404)
        }
        let login = try await post(service.port, "/ui/login", ["token": "x"])
        #expect(login.status == 404 && login.headers["set-cookie"] == nil)
    }

    @Test("HTML escapes every interpolated string and only trusts HTML values")
    func htmlEscaping() {
        let title = #"<b a='1'>"&"#
        let html: HTML = "<p title=\"\(title)\">\(title)\(HTML("<i>ok</i>"))</p>"
        #expect(html.description == "<p title=\"&lt;b a=&#39;1&#39;&gt;&quot;&amp;\">&lt;b a=&#39;1&#39;&gt;&quot;&amp;<i>ok</i></p>")
        #expect(Layout.externalLink("javascript:alert(1)", "x").description == "x")
        #expect(Layout.externalLink("https://example.com/?a=\"b\"", "x").description.contains("&quot;b&quot;"))
    }
}
