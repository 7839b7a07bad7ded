import HTTPServer

/// A simulated dev tool: its API and its `/_sim/<kind>/...` control routes on the simulators' router, and its issues.
public protocol SimulatedDevTool: Sendable {
    var kind: String { get }
    var issues: [SimulatedIssue] { get }
    func register(in router: inout Router)
    func registerControl(in router: inout Router)
}

extension GitHubSimulator: SimulatedDevTool { public var kind: String { "github" } }
extension JiraSimulator: SimulatedDevTool { public var kind: String { "jira" } }
extension GitLabSimulator: SimulatedDevTool { public var kind: String { "gitlab" } }

/// The dev tools these simulators stand in for: one entry each, the registry on the simulators' side.
extension SimulatorServer {
    public static var simulatedKinds: [String] { ["github", "jira", "gitlab"] }

    static func makeDevTools(credentials: Credentials, faults: FaultInjector, calls: CallCounter, webhooks: WebhookDeliverer) -> [any SimulatedDevTool] {
        [
            GitHubSimulator(token: credentials.githubToken, faults: faults, calls: calls, webhooks: webhooks),
            JiraSimulator(
                email: credentials.jiraEmail, apiToken: credentials.jiraAPIToken, projectKey: credentials.jiraProjectKey, faults: faults, calls: calls,
                webhooks: webhooks),
            GitLabSimulator(token: credentials.gitlabToken, projectPath: credentials.gitlabProject, faults: faults, calls: calls, webhooks: webhooks),
        ]
    }

    /// The `dev_tool` settings (kind, base URL, credentials and the tool's own) that point `serve` at the simulated
    /// `kind`; nil for a tool not simulated.
    public static func serveSettings(for kind: String, baseURL: String, credentials: Credentials) -> [(key: String, value: String)]? {
        switch kind {
        case "github":
            [("kind", "github"), ("base_url", baseURL), ("token", credentials.githubToken), ("owner", credentials.githubOwner),
             ("repository", credentials.githubRepository)]
        case "jira":
            [("kind", "jira"), ("base_url", baseURL), ("email", credentials.jiraEmail), ("token", credentials.jiraAPIToken),
             ("project", credentials.jiraProjectKey)]
        case "gitlab":
            [("kind", "gitlab"), ("base_url", baseURL), ("token", credentials.gitlabToken), ("project", credentials.gitlabProject)]
        default:
            nil
        }
    }
}
