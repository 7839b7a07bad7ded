import CraftAPI
import Foundation
import HTTPServer
import Logging

/// The simulators on one HTTP listener, with a control API under `/_sim/`:
/// `POST /_sim/craft/items` seeds an item, `POST /_sim/faults` sets faults, `GET /_sim/state` shows everything.
public final class SimulatorServer: Sendable {
    public let craft: CraftSimulator
    public let github: GitHubSimulator
    public let jira: JiraSimulator
    public let gitlab: GitLabSimulator
    public let credentials: Credentials
    public let faults: FaultInjector
    public let calls: CallCounter
    public let webhooks: WebhookDeliverer
    public let server: HTTPServer

    /// The credentials the simulators accept (and `simulate --write-config` writes for `serve`).
    public struct Credentials: Sendable {
        public var craftAPIKey = "sim-craft-key"
        public var craftWorkspaceID = "ws-demo"
        public var githubToken = "sim-github-token"
        public var githubOwner = "acme"
        public var githubRepository = "product"
        public var jiraEmail = "sync@acme.example"
        public var jiraAPIToken = "sim-jira-token"
        public var jiraProjectKey = "ACME"
        public var gitlabToken = "sim-gitlab-token"
        public var gitlabProject = "acme/product"
        /// What the simulated dev tools sign their webhooks with.
        public var webhookSecret = "sim-webhook-secret"
        public init() {}
    }

    public init(host: String = "127.0.0.1", port: Int = 0, credentials: Credentials = Credentials(), logger: Logger = Logger(label: "craft-sync.simulators")) {
        let faults = FaultInjector()
        let calls = CallCounter()
        let craft = CraftSimulator(apiKey: credentials.craftAPIKey, faults: faults, calls: calls)
        let webhooks = WebhookDeliverer()
        let github = GitHubSimulator(token: credentials.githubToken, faults: faults, calls: calls, webhooks: webhooks)
        let jira = JiraSimulator(
            email: credentials.jiraEmail, apiToken: credentials.jiraAPIToken, projectKey: credentials.jiraProjectKey, faults: faults, calls: calls,
            webhooks: webhooks)
        let gitlab = GitLabSimulator(
            token: credentials.gitlabToken, projectPath: credentials.gitlabProject, faults: faults, calls: calls, webhooks: webhooks)
        var router = Router()
        craft.register(in: &router)
        github.register(in: &router)
        jira.register(in: &router)
        gitlab.register(in: &router)
        Self.registerControl(in: &router, craft: craft, github: github, jira: jira, gitlab: gitlab, faults: faults, calls: calls, webhooks: webhooks)
        gitlab.registerControl(in: &router)
        var configuration = HTTPServerConfiguration(host: host, port: port)
        configuration.shutdownDeadline = .seconds(2)
        self.craft = craft
        self.github = github
        self.jira = jira
        self.gitlab = gitlab
        self.credentials = credentials
        self.faults = faults
        self.calls = calls
        self.webhooks = webhooks
        server = HTTPServer(configuration: configuration, responder: router, logger: logger)
    }

    /// Starts listening; returns the port.
    @discardableResult
    public func start() throws -> Int { try server.start() }

    public var baseURL: URL { URL(string: "http://127.0.0.1:\(server.port ?? 0)")! }

    public func shutdown() async { await server.shutdown() }

    private static func move(github: GitHubSimulator, request: HTTPRequest, state: String, reason: String?) async throws -> HTTPResponse {
        guard let number = request.parameters["number"].flatMap({ Int($0) }), github.issues.contains(where: { $0.number == number }) else {
            throw HTTPError(.notFound, "no such issue")
        }
        let delivery = await github.setState(number: number, state: state, reason: reason)
        return try .json(["delivered": delivery.map { "\($0.status ?? 0)" } ?? "no webhook target"])
    }

    private static func registerControl(
        in router: inout Router, craft: CraftSimulator, github: GitHubSimulator, jira: JiraSimulator, gitlab: GitLabSimulator, faults: FaultInjector,
        calls: CallCounter,
        webhooks: WebhookDeliverer
    ) {
        router.post("/_sim/webhooks") { request in
            struct Body: Decodable {
                var target: String?
                var secret: String?
                var misbehave: WebhookDeliverer.Misbehaviour?
            }
            let body = try request.decodeJSON(Body.self)
            if let secret = body.secret { webhooks.configure(target: body.target, secret: secret) }
            if let rules = body.misbehave { webhooks.misbehave(rules) }
            return HTTPResponse(status: .noContent)
        }
        router.post("/_sim/github/issues/:number/close") { request in
            struct Body: Decodable { var reason: String? }
            let reason = request.body.isEmpty ? "completed" : (try request.decodeJSON(Body.self).reason ?? "completed")
            return try await Self.move(github: github, request: request, state: "closed", reason: reason)
        }
        router.post("/_sim/github/issues/:number/reopen") { request in
            try await Self.move(github: github, request: request, state: "open", reason: "reopened")
        }
        router.post("/_sim/jira/issues/:key/transition") { request in
            struct Body: Decodable { var status: String; var category: String? }
            let body = try request.decodeJSON(Body.self)
            let key = request.parameters["key"] ?? ""
            guard jira.issues.contains(where: { $0.id == key || $0.key == key }) else { throw HTTPError(.notFound, "no such issue") }
            let category = body.category ?? JiraSimulator.category(of: body.status)
            let delivery = await jira.setStatus(id: key, name: body.status, category: category)
            return try .json(["delivered": delivery.map { "\($0.status ?? 0)" } ?? "no webhook target"])
        }
        router.post("/_sim/github/issues/:number/state") { request in
            struct Body: Decodable { var state: String; var reason: String? }
            let body = try request.decodeJSON(Body.self)
            guard let number = request.parameters["number"].flatMap({ Int($0) }), github.issues.contains(where: { $0.number == number }) else {
                throw HTTPError(.notFound, "no such issue")
            }
            let delivery = await github.setState(number: number, state: body.state, reason: body.reason)
            return try .json(["delivered": delivery.map { "\($0.status ?? 0)" } ?? "no webhook target"])
        }
        router.post("/_sim/jira/issues/:id/status") { request in
            struct Body: Decodable { var name: String; var category: String }
            let body = try request.decodeJSON(Body.self)
            let id = request.parameters["id"] ?? ""
            guard jira.issues.contains(where: { $0.id == id || $0.key == id }) else { throw HTTPError(.notFound, "no such issue") }
            let delivery = await jira.setStatus(id: id, name: body.name, category: body.category)
            return try .json(["delivered": delivery.map { "\($0.status ?? 0)" } ?? "no webhook target"])
        }
        router.post("/_sim/craft/items") { request in
            let seed = try request.decodeJSON(CraftSimulator.Seed.self)
            return try .json(craft.seed(seed), status: .created)
        }
        router.post("/_sim/faults") { request in
            faults.set(try request.decodeJSON(FaultInjector.Fault.self))
            return HTTPResponse(status: .noContent)
        }
        router.add(.delete, "/_sim/faults") { _ in
            faults.clear()
            return HTTPResponse(status: .noContent)
        }
        router.get("/_sim/state") { _ in
            struct State: Encodable {
                struct Craft: Encodable {
                    var items: [CraftItem]
                    var updates: [CraftSimulator.Update]
                }
                var craft: Craft
                var github: [SimulatedIssue]
                var jira: [SimulatedIssue]
                var gitlab: [SimulatedIssue]
                var webhooks: [WebhookDeliverer.Delivery]
                var calls: [String: Int]
            }
            return try .json(State(
                craft: .init(items: craft.items, updates: craft.updates), github: github.issues, jira: jira.issues, gitlab: gitlab.issues,
                webhooks: webhooks.deliveries, calls: calls.snapshot))
        }
    }
}
