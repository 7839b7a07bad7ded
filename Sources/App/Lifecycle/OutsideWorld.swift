import CraftAPI
import DevTools
import Foundation
import OutboundHTTP
import Support

/// Builds the Craft.io client and a dev-tool adapter per configured workspace, on one shared URLSession.
public struct OutsideWorld: Sendable {
    public struct Target: Sendable {
        public var workspaceID: String
        public var readyStatus: String
        public var devTool: any DevTool
    }

    public let craft: any CraftClient
    public let targets: [Target]
    /// Each dev-tool token's rate budget as the tool last reported it, by instance: intake, progress and
    /// reconciliation spend from one, and reconciliation waits while it runs low.
    public let budgets: [String: RateBudget]
    /// The shared transport with the configured retries, for calls that are neither Craft.io's nor a tool's (alerts).
    public let outbound: any HTTPClient

    /// Each adapter once, by instance name.
    public var devTools: [String: any DevTool] {
        Dictionary(targets.map { ($0.devTool.instance, $0.devTool) }, uniquingKeysWith: { first, _ in first })
    }

    /// Nil when the configuration lacks what the clients need (see `Configuration.missingSettings`).
    public init?(configuration: Configuration, clock: any SyncClock = SystemClock(), random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }) {
        guard configuration.missingSettings.isEmpty, let apiKey = configuration.craft.apiKey, let craftURL = URL(string: configuration.craft.baseURL)
        else { return nil }
        let outbound = configuration.outbound
        let policy = RetryPolicy(
            maxAttempts: outbound.retryAttempts, baseDelay: outbound.retryBaseDelay, maxDelay: outbound.retryMaxDelay, random: random)
        let seconds = outbound.requestTimeout.timeInterval
        let transport = URLSessionHTTPClient(requestTimeout: seconds)
        self.outbound = RetryingHTTPClient(inner: transport, policy: policy, clock: clock)
        // No in-line wait for Craft.io may outlast an event's processing lease (another replica would take the event
        // meanwhile): a longer Retry-After fails the call, and the event is given back to be tried again.
        var craftPolicy = policy
        craftPolicy.maxServerWait = min(policy.maxServerWait, configuration.progressProcessingLease / 3)
        craft = CraftClients.make(
            dialect: configuration.craft.dialect, baseURL: craftURL, apiKey: apiKey.revealed,
            http: RetryingHTTPClient(inner: transport, policy: craftPolicy, clock: clock))
        var targets: [Target] = []
        var built: [String: any DevTool] = [:]
        var budgets: [String: RateBudget] = [:]
        for workspace in configuration.syncTargets {
            let name = workspace.devTool.instanceName
            let budget = budgets[name] ?? RateBudget()
            let recording = BudgetRecordingHTTPClient(inner: transport, budget: budget)
            guard let tool = built[name] ?? Self.makeDevTool(workspace.devTool, transport: recording, policy: policy, clock: clock) else { return nil }
            built[name] = tool
            budgets[name] = budget
            targets.append(Target(workspaceID: workspace.id, readyStatus: workspace.readyStatus ?? configuration.craft.readyStatus, devTool: tool))
        }
        guard !targets.isEmpty else { return nil }
        self.targets = targets
        self.budgets = budgets
    }

    static func makeDevTool(
        _ tool: Configuration.DevToolSettings, transport: any HTTPClient, policy: RetryPolicy, clock: any SyncClock
    ) -> (any DevTool)? {
        guard let kind = tool.kind.flatMap(DevToolKinds.named), let settings = tool.adapterSettings else { return nil }
        return kind.makeAdapter(settings, transport: transport, policy: policy, clock: clock)
    }
}
