import CraftAPI
import DevTools
import Foundation
import Logging
import OutboundHTTP
import Simulators
import Store
import Testing
import Synchronization
import TestSupport
@testable import SyncEngine
import Support

/// The six adapters the tests use, pointed at `baseURL` (the simulators, or nothing at all for tests that only parse).
struct FixtureAdapters {
    let github: GitHubAdapter
    /// The same repository with its project board's `Status` read (`dev_tool.project_status_field`).
    let githubWithBoards: GitHubAdapter
    let jira: JiraAdapter
    let gitlab: GitLabAdapter
    let linear: LinearAdapter
    let azureDevOps: AzureDevOpsAdapter

    init(baseURL: URL, clock: TestClock) {
        let policy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(100), random: { 0.5 })
        // Generous: no test here waits on a timeout, and a loaded CI machine (every suite in parallel on two cores)
        // once took over 2 s to answer a loopback create.
        let transport = URLSessionHTTPClient(requestTimeout: 15)
        github = GitHubAdapter(
            baseURL: baseURL, owner: GitHubSimulator.Account.owner, repository: GitHubSimulator.Account.repository, token: GitHubSimulator.Account.token,
            transport: transport, policy: policy, clock: clock)
        githubWithBoards = GitHubAdapter(
            baseURL: baseURL, owner: GitHubSimulator.Account.owner, repository: GitHubSimulator.Account.repository, token: GitHubSimulator.Account.token,
            projectStatusField: GitHubSimulator.boardStatusField, transport: transport, policy: policy, clock: clock)
        gitlab = GitLabAdapter(
            baseURL: baseURL, project: GitLabSimulator.Account.project, token: GitLabSimulator.Account.token,
            http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock))
        linear = LinearAdapter(
            baseURL: baseURL.appendingPathComponent(LinearSimulator.pathPrefix), teamID: LinearSimulator.Account.teamID, apiKey: LinearSimulator.Account.apiKey, clock: clock,
            http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock))
        azureDevOps = AzureDevOpsAdapter(
            organizationURL: baseURL.appendingPathComponent(AzureDevOpsSimulator.Account.organization),
            project: AzureDevOpsSimulator.Account.project, token: AzureDevOpsSimulator.Account.token,
            http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock))
        jira = JiraAdapter(
            siteURL: baseURL, projectKey: JiraSimulator.Account.projectKey, email: JiraSimulator.Account.email, apiToken: JiraSimulator.Account.apiToken,
            http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock))
    }

    /// Adapters for tests that only parse payloads: no server is started, and none is reachable at their address.
    static var offline: FixtureAdapters { FixtureAdapters(baseURL: URL(string: "http://127.0.0.1:9")!, clock: TestClock()) }

    /// The adapter for a simulated tool kind.
    func adapter(_ kind: String) -> any DevTool {
        switch kind {
        case "github": github
        case "jira": jira
        case "gitlab": gitlab
        case "linear": linear
        default: azureDevOps
        }
    }
}

/// Simulators, a store, and an intake engine for GitHub (or Jira) wired together.
struct IntakeFixture {
    let simulators: SimulatorServer
    let store: Store
    let clock = TestClock()
    let craft: any CraftClient
    let adapters: FixtureAdapters
    let workspace = "ws-1"

    var github: GitHubAdapter { adapters.github }
    var githubWithBoards: GitHubAdapter { adapters.githubWithBoards }
    var jira: JiraAdapter { adapters.jira }
    var gitlab: GitLabAdapter { adapters.gitlab }
    var linear: LinearAdapter { adapters.linear }
    var azureDevOps: AzureDevOpsAdapter { adapters.azureDevOps }

    init(craftDialect: CraftDialect = .guide) throws {
        simulators = SimulatorServer()
        try simulators.start()
        store = try Store(DatabaseLocation(temporaryDatabase("intake")))
        let policy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(100), random: { 0.5 })
        let transport = URLSessionHTTPClient(requestTimeout: 15)
        craft = CraftClients.make(
            dialect: craftDialect, baseURL: simulators.baseURL, apiKey: simulators.credentials.craftAPIKey,
            http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock))
        adapters = FixtureAdapters(baseURL: simulators.baseURL, clock: clock)
    }

    /// The fixture's adapter for a simulated tool kind.
    func adapter(_ kind: String) -> any DevTool { adapters.adapter(kind) }

    func engine(settings: IntakeSettings = IntakeSettings()) -> IntakeEngine {
        var logger = Logger(label: "intake-test")
        logger.logLevel = .critical
        return IntakeEngine(craft: craft, store: store, mapping: FieldMapping(), clock: clock, settings: settings, logger: logger)
    }

    /// A reconciler over `tool` (GitHub by default) with the default status mapping, logging nothing.
    func reconciler(_ tool: (any DevTool)? = nil, batchSize: Int = 50, fullPassInterval: Duration = .seconds(24 * 3600)) -> Reconciler {
        Reconciler(
            store: store, craft: craft, tools: [tool ?? github], statusMapping: StatusMapping(), progressField: "dev_status", clock: clock,
            logger: Self.quietLogger, batchSize: batchSize, fullPassInterval: fullPassInterval)
    }

    /// A progress processor over GitHub and Jira, logging nothing.
    /// `boards`: GitHub with its project board read.
    func processor(settings: ProgressProcessor.Settings = .init(), boards: Bool = false) -> ProgressProcessor {
        ProgressProcessor(
            store: store, craft: craft,
            tools: ["github": boards ? githubWithBoards : github, "jira": jira, "gitlab": gitlab, "linear": linear, "azure-devops": azureDevOps],
            settings: settings, clock: clock, random: { 0.5 }, logger: Self.quietLogger)
    }

    static let quietLogger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    func target(_ tool: (any DevTool)? = nil, linkField: String? = nil) -> IntakeTarget {
        IntakeTarget(workspaceID: workspace, devTool: tool ?? github, linkField: linkField)
    }

    @discardableResult
    func seed(_ count: Int, status: String = "Ready for Development", prefix: String = "Item") -> [SimulatedCraftItem] {
        (0..<count).map { simulators.craft.seed(.init(workspaceId: workspace, title: "\(prefix) \($0)", status: status, type: "Feature")) }
    }

    /// Every GitHub issue's marker label, to count issues per item.
    var githubMarkers: [String] { simulators.github.issues.flatMap { $0.labels.filter { $0.hasPrefix("craft:") } } }
}

/// Progress steps the progress, reconciler and deleted-issue suites share.
extension IntakeFixture {
    /// A seeded item linked to dev issue `issueID`, and a processor over the fixture's simulators.
    func linkedProcessor(issueID: String, tool: String = "github", settings: ProgressProcessor.Settings = .init()) async throws
        -> (ProgressProcessor, SimulatedCraftItem, Mapping)
    {
        let item = try #require(seed(1).first)
        guard case .claimed(let mapping) = try await store.mappings.claim(
            workspaceID: workspace, craftItemID: item.id, devToolKind: tool, devToolInstance: tool, contentHash: nil, holder: .test, now: .now)
        else { throw CancellationError() }
        #expect(try await store.mappings.linkClaim(id: mapping.id, holder: .test, devIssueID: issueID, key: "k", url: nil, contentHash: nil, now: .now))
        return (processor(settings: settings), item, mapping)
    }

    /// Stores a delivery as the webhook route would, due now; answers the event id.
    func deliver(
        tool: String = "github", event: String = "issues", delivery: String = UUID().uuidString, at receivedAt: Date = .now,
        body: [UInt8]
    ) async throws -> Int64 {
        let headers = tool == "github" ? ["X-GitHub-Event": event, "X-GitHub-Delivery": delivery] : ["X-Atlassian-Webhook-Identifier": delivery]
        guard case .stored(let id) = try await store.events.append(
            IncomingEvent(tool: tool, deliveryID: delivery, eventType: event, receivedAt: receivedAt, headers: headers, body: body))
        else { throw CancellationError() }
        return id
    }
}

extension LeaseHolder {
    /// The holder of the claims a test makes by hand.
    static let test = LeaseHolder(host: "test", pid: 0, run: "test")
}
