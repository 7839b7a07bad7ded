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
    public let credentials: Credentials
    public let faults: FaultInjector
    public let calls: CallCounter
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
        /// What the simulated dev tools sign their webhooks with.
        public var webhookSecret = "sim-webhook-secret"
        public init() {}
    }

    public init(host: String = "127.0.0.1", port: Int = 0, credentials: Credentials = Credentials(), logger: Logger = Logger(label: "craft-sync.simulators")) {
        let faults = FaultInjector()
        let calls = CallCounter()
        let craft = CraftSimulator(apiKey: credentials.craftAPIKey, faults: faults, calls: calls)
        let github = GitHubSimulator(token: credentials.githubToken, faults: faults, calls: calls)
        let jira = JiraSimulator(
            email: credentials.jiraEmail, apiToken: credentials.jiraAPIToken, projectKey: credentials.jiraProjectKey, faults: faults, calls: calls)
        var router = Router()
        craft.register(in: &router)
        github.register(in: &router)
        jira.register(in: &router)
        Self.registerControl(in: &router, craft: craft, github: github, jira: jira, faults: faults, calls: calls)
        var configuration = HTTPServerConfiguration(host: host, port: port)
        configuration.shutdownDeadline = .seconds(2)
        self.craft = craft
        self.github = github
        self.jira = jira
        self.credentials = credentials
        self.faults = faults
        self.calls = calls
        server = HTTPServer(configuration: configuration, responder: router, logger: logger)
    }

    /// Starts listening; returns the port.
    @discardableResult
    public func start() throws -> Int { try server.start() }

    public var baseURL: URL { URL(string: "http://127.0.0.1:\(server.port ?? 0)")! }

    public func shutdown() async { await server.shutdown() }

    private static func registerControl(
        in router: inout Router, craft: CraftSimulator, github: GitHubSimulator, jira: JiraSimulator, faults: FaultInjector, calls: CallCounter
    ) {
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
                var calls: [String: Int]
            }
            return try .json(State(
                craft: .init(items: craft.items, updates: craft.updates), github: github.issues, jira: jira.issues, calls: calls.snapshot))
        }
    }
}
