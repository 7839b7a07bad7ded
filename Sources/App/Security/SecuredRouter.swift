import Foundation
import HTTPServer
import Support

/// Routes registered by who may call them. The group a route is added to decides how its caller is authenticated,
/// before the handler runs; no handler checks for itself. `declarations` lists every route with its group, and a
/// test walks them all to prove each non-public one refuses a request without credentials.
struct SecuredRouter {
    enum Access: String, Sendable, CaseIterable {
        /// Anyone: liveness, the stylesheet.
        case open
        /// Readiness and metrics: anyone unless `ops.token` is set, then that bearer token.
        case operations
        /// The tool's own proof (signature or shared secret), checked by the webhook route first, over the raw bytes.
        case webhook
        /// The sign-in form: anyone may try, every wrong token is throttled (`AdminGate`).
        case signIn
        /// The admin API: `Authorization: Bearer <admin.token>`.
        case adminBearer
        /// A status page: a signed-in session, or a redirect to the sign-in form.
        case page
        /// A status-page action: a signed-in session and its CSRF token.
        case pageChange
    }

    struct Declaration: Sendable {
        var method: HTTPMethod
        var pattern: String
        var access: Access
    }

    typealias Handler = Router.Handler

    private(set) var router = Router()
    private(set) var declarations: [Declaration] = []
    /// Nil without an admin token: nothing behind it can then be registered.
    let gate: AdminGate?
    let sessions: SessionStore
    let hosts: AllowedHosts
    let operationsToken: Secret?

    init(gate: AdminGate?, sessions: SessionStore = SessionStore(), hosts: AllowedHosts, operationsToken: Secret? = nil) {
        self.gate = gate
        self.sessions = sessions
        self.hosts = hosts
        self.operationsToken = operationsToken
    }

    mutating func open(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping Handler) {
        add(method, pattern, .open, handler: handler)
    }

    mutating func operations(_ pattern: String, _ handler: @escaping Handler) {
        let token = operationsToken
        add(.get, pattern, .operations) { request in
            if let token {
                guard let offered = request.bearerToken, ConstantTime.equals(offered, token.revealed) else {
                    throw HTTPError(.unauthorized, "this endpoint needs the ops.token bearer token", headers: ["WWW-Authenticate": "Bearer"])
                }
            }
            return try await handler(request)
        }
    }

    /// The handler must verify the tool's proof before reading the body (see `WebhookRoutes.verifiedBody`).
    mutating func webhook(_ pattern: String, bodyLimit: Int, _ handler: @escaping Handler) {
        add(.post, pattern, .webhook, bodyLimit: bodyLimit, content: .asSent, handler: handler)
    }

    mutating func signIn(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping @Sendable (HTTPRequest, AdminGate) async throws -> HTTPResponse) {
        guard let gate else { return }
        add(method, pattern, .signIn, bodyLimit: method == .post ? 4096 : nil, hostChecked: true) { request in try await handler(request, gate) }
    }

    /// Admin API answers carry `Cache-Control: no-store`: they show private state that no cache should keep.
    mutating func admin(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping Handler) {
        guard let gate else { return }
        add(method, pattern, .adminBearer) { request in
            try gate.authorizeBearer(request)
            var response = try await handler(request)
            response.headers["Cache-Control"] = "no-store"
            return response
        }
    }

    mutating func page(_ pattern: String, _ render: @escaping @Sendable (HTTPRequest, SessionStore.Session) async throws -> HTTPResponse) {
        guard gate != nil else { return }
        let sessions = sessions
        add(.get, pattern, .page, hostChecked: true) { request in
            guard let session = sessions.session(request.cookies[SessionStore.cookieName]) else { return Layout.redirect(to: "/ui/login") }
            return try await render(request, session)
        }
    }

    /// A POST from a signed-in browser with its session's CSRF token; the handler gets the form's fields.
    mutating func pageChange(_ pattern: String, _ act: @escaping @Sendable (HTTPRequest, [String: String]) async throws -> HTTPResponse) {
        guard gate != nil else { return }
        let sessions = sessions
        add(.post, pattern, .pageChange, bodyLimit: 4096, hostChecked: true) { request in
            guard let session = sessions.session(request.cookies[SessionStore.cookieName]) else {
                throw HTTPError(.unauthorized, "sign in at /ui/login first")
            }
            let fields = request.formFields() ?? [:]
            guard let offered = fields["csrf"], ConstantTime.equals(Substring(offered), session.csrfToken) else {
                throw HTTPError(.forbidden, "the form's CSRF token is missing or stale; reload the page and try again")
            }
            return try await act(request, fields)
        }
    }

    private mutating func add(
        _ method: HTTPMethod, _ pattern: String, _ access: Access, bodyLimit: Int? = nil, content: RouteContent = .decoded,
        hostChecked: Bool = false, handler: @escaping Handler
    ) {
        declarations.append(Declaration(method: method, pattern: pattern, access: access))
        let hosts = hosts
        router.add(method, pattern, bodyLimit: bodyLimit, content: content) { request in
            // DNS rebinding: a page on another name that resolves to us must not reach the status page.
            if hostChecked { try hosts.check(request) }
            return try await handler(request)
        }
    }
}

/// The names the status page is served as: `public_url`'s host, the listen address, loopback names, and any IP
/// address literal. A browser sends the name it was pointed at in `Host`; an attacker's page whose name was made
/// to resolve to this server (DNS rebinding) carries the attacker's name and is refused, so it cannot drive the
/// sign-in form or read a page with a session cookie.
struct AllowedHosts: Sendable {
    let names: Set<String>

    init(publicURL: String?, listenHost: String, extra: [String] = []) {
        var names: Set<String> = ["localhost", listenHost.lowercased()]
        if let publicURL, let host = URLComponents(string: publicURL)?.host { names.insert(host.lowercased()) }
        for name in extra { names.insert(name.lowercased()) }
        self.names = names
    }

    func allows(_ hostHeader: String?) -> Bool {
        guard let hostHeader else { return false }
        let host = Self.hostPart(hostHeader.lowercased())
        return names.contains(host) || IPAddress(host) != nil || host.hasSuffix(".localhost")
    }

    func check(_ request: HTTPRequest) throws(HTTPError) {
        guard allows(request.headers[.host]) else {
            throw HTTPError(.misdirectedRequest, "this server does not serve the status page under that host name; set public_url to the address you use")
        }
    }

    /// `example.com:8080` → `example.com`; `[::1]:8080` → `::1`.
    static func hostPart(_ value: String) -> String {
        if value.hasPrefix("["), let close = value.firstIndex(of: "]") {
            return String(value[value.index(after: value.startIndex)..<close])
        }
        if let colon = value.lastIndex(of: ":") { return String(value[..<colon]) }
        return value
    }
}
