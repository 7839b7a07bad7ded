import HTTPServer

/// A simulated dev tool: its API and its `/_sim/<kind>/...` control routes on the simulators' router, its issues,
/// and the `dev_tool` settings that point `serve` at it.
public protocol SimulatedDevTool: Sendable {
    /// The `dev_tool.kind` it stands in for.
    static var kind: String { get }
    /// The tool's own `dev_tool` settings (base URL and credentials, not `kind` or `webhook_secret`).
    static func serveSettings(baseURL: String) -> [(key: String, value: String)]
    init(context: SimulatorContext)
    var issues: [SimulatedIssue] { get }
    /// The webhooks registered through the tool's API, by URL (one entry per webhook or subscription).
    var registeredWebhookURLs: [String] { get }
    func register(in router: inout Router)
    func registerControl(in router: inout Router)
    /// The key of the issue that issue `key` was put under (sub-issue, parent field or link); nil when none, or
    /// when the tool keeps no hierarchy.
    func parent(of key: String) -> String?
}

extension SimulatedDevTool {
    public var kind: String { Self.kind }
    public func parent(of key: String) -> String? { nil }
}

extension GitHubSimulator: SimulatedDevTool {
    public var registeredWebhookURLs: [String] { (hooks.all + organizationHooks.all).map(\.url) }
    /// Keys are `#<number>`.
    public func parent(of key: String) -> String? {
        guard let number = Int(key.dropFirst()) else { return nil }
        return subIssueNumbers.withLock { parents in parents.first { $0.value.contains(number) }.map { "#\($0.key)" } }
    }
}
extension JiraSimulator: SimulatedDevTool {
    public var registeredWebhookURLs: [String] { hooks.all.map(\.url) }
}
extension GitLabSimulator: SimulatedDevTool {
    public var registeredWebhookURLs: [String] { hooks.all.map(\.url) }
}
extension LinearSimulator: SimulatedDevTool {
    public var registeredWebhookURLs: [String] { hooks.all.map(\.url) }
}
extension AzureDevOpsSimulator: SimulatedDevTool {
    public var registeredWebhookURLs: [String] { hooks.all.map(\.url) }
}

/// The dev tools these simulators stand in for: one entry each, the registry on the simulators' side.
extension SimulatorServer {
    static let simulatedTools: [any SimulatedDevTool.Type] = [GitHubSimulator.self, JiraSimulator.self, GitLabSimulator.self, LinearSimulator.self, AzureDevOpsSimulator.self]

    public var github: GitHubSimulator { tool(GitHubSimulator.self) }
    public var jira: JiraSimulator { tool(JiraSimulator.self) }
    public var gitlab: GitLabSimulator { tool(GitLabSimulator.self) }
    public var linear: LinearSimulator { tool(LinearSimulator.self) }
    public var azureDevOps: AzureDevOpsSimulator { tool(AzureDevOpsSimulator.self) }

    public static var simulatedKinds: [String] { simulatedTools.map { $0.kind } }

    /// The `dev_tool` settings (kind, base URL, credentials and the tool's own) that point `serve` at the simulated
    /// `kind`; nil for a tool not simulated.
    public static func serveSettings(for kind: String, baseURL: String) -> [(key: String, value: String)]? {
        guard let tool = simulatedTools.first(where: { $0.kind == kind }) else { return nil }
        return [("kind", kind)] + tool.serveSettings(baseURL: baseURL)
    }
}
