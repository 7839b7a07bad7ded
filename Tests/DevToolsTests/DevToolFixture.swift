import DevTools
import Foundation
import OutboundHTTP
import Simulators
import TestSupport

/// Simulators on an ephemeral port and both adapters pointed at them, with a manual clock.
struct DevToolFixture {
    let simulators: SimulatorServer
    let clock = TestClock()
    let github: GitHubAdapter
    let jira: JiraAdapter

    init(githubToken: String? = nil, jiraToken: String? = nil, maxAttempts: Int = 5) throws {
        simulators = SimulatorServer()
        try simulators.start()
        let policy = RetryPolicy(maxAttempts: maxAttempts, baseDelay: .seconds(1), maxServerWait: .seconds(600), random: { 0.5 })
        let transport = URLSessionHTTPClient(requestTimeout: 15)
        github = GitHubAdapter(
            baseURL: simulators.baseURL, owner: GitHubSimulator.Account.owner, repository: GitHubSimulator.Account.repository,
            token: githubToken ?? GitHubSimulator.Account.token,
            transport: transport, policy: policy, clock: clock)
        jira = JiraAdapter(
            siteURL: simulators.baseURL, projectKey: JiraSimulator.Account.projectKey, email: JiraSimulator.Account.email,
            apiToken: jiraToken ?? JiraSimulator.Account.apiToken, http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock))
    }

    func newIssue(_ adapter: any DevTool, item: String = "42") -> NewIssue {
        NewIssue(
            title: "Onboarding checklist",
            description: "Why it matters.\n\n- first step\n- second step\n\nSee https://app.craft.io/item/42 for details.",
            labels: ["from-craft"], issueType: "Story", priority: nil, marker: adapter.marker(for: item))
    }
}
