import CraftAPI
import DevTools
import Foundation
import OutboundHTTP

/// Builds the Craft.io client and the dev-tool adapter a configuration describes, on one shared URLSession.
public struct OutsideWorld: Sendable {
    public let craft: any CraftClient
    public let devTool: any DevTool

    /// Nil when the configuration lacks what the clients need (see `Configuration.missingSettings`).
    public init?(configuration: Configuration, clock: any SyncClock = SystemClock(), random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        guard configuration.missingSettings.isEmpty, let apiKey = configuration.craft.apiKey, let workspace = configuration.craft.workspaceID,
            !workspace.isEmpty, let craftURL = URL(string: configuration.craft.baseURL), let token = configuration.devTool.token
        else { return nil }
        let outbound = configuration.outbound
        let policy = RetryPolicy(
            maxAttempts: outbound.retryAttempts, baseDelay: outbound.retryBaseDelay, maxDelay: outbound.retryMaxDelay, random: random)
        let seconds = Double(outbound.requestTimeout.components.seconds) + Double(outbound.requestTimeout.components.attoseconds) / 1e18
        let transport = URLSessionHTTPClient(requestTimeout: seconds)
        craft = CraftClients.make(
            dialect: configuration.craft.dialect, baseURL: craftURL, apiKey: apiKey.revealed,
            http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock))
        let tool = configuration.devTool
        switch tool.kind {
        case .github:
            devTool = GitHubAdapter(
                instance: tool.instance ?? "github", baseURL: URL(string: tool.baseURL ?? "https://api.github.com")!, owner: tool.owner ?? "",
                repository: tool.repository ?? "", token: token.revealed,
                http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock, classify: GitHubAdapter.rateLimitClassifier))
        case .jira:
            guard let site = tool.baseURL.flatMap(URL.init(string:)) else { return nil }
            devTool = JiraAdapter(
                instance: tool.instance ?? "jira", siteURL: site, projectKey: tool.project ?? "", defaultIssueType: tool.issueType,
                email: tool.email ?? "", apiToken: token.revealed, http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock))
        default:
            // GitLab, Azure DevOps and Linear adapters are not built yet.
            return nil
        }
    }
}
