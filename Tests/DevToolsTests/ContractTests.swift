import DevTools
import Foundation
import OutboundHTTP
import Simulators
import TestSupport
import Testing

/// Every adapter and its simulator held to the tool's published API documents (Tests/Fixtures/contracts, checked by
/// Scripts/check-contracts.py): each adapter runs every operation it has against its simulator, every exchange is
/// recorded, and the checker matches each request to a documented operation (query, body, GraphQL and variables) and
/// each answer to the operation's response schema.
///
/// One check at a time, at a lower priority (`nice`): building the GraphQL schemas takes the checker seconds of CPU,
/// which the rest of the suite running beside it on two cores should not wait for.
@Suite("Adapters and simulators agree with the tools' published documents", .timeLimit(.minutes(3)), .serialized, .awaitsTeardown)
struct ContractTests {
    /// Runs every operation of every adapter on the simulators; the exchanges, by tool.
    static func exerciseAdapters() async throws -> [RecordedExchange] {
        let simulators = SimulatorServer()
        try simulators.start()
        Teardown.later { await simulators.shutdown() }
        // Deliveries go nowhere (nothing listens there); their bodies are kept and held to the payload schemas.
        simulators.webhooks.configure(target: "http://127.0.0.1:9", secret: "contract-secret")
        simulators.webhooks.recordBodies()
        let base = simulators.baseURL
        let recorders = Dictionary(uniqueKeysWithValues: ["github", "jira", "gitlab", "linear", "azure-devops"].map { ($0, RecordingHTTPClient(tool: $0)) })
        let tools: [any DevTool] = [
            GitHubAdapter(
                baseURL: base, owner: GitHubSimulator.Account.owner, repository: GitHubSimulator.Account.repository, token: GitHubSimulator.Account.token,
                projectStatusField: GitHubSimulator.boardStatusField, http: recorders["github"]!),
            JiraAdapter(
                siteURL: base, projectKey: JiraSimulator.Account.projectKey, email: JiraSimulator.Account.email, apiToken: JiraSimulator.Account.apiToken,
                http: recorders["jira"]!),
            GitLabAdapter(baseURL: base, project: GitLabSimulator.Account.project, token: GitLabSimulator.Account.token, http: recorders["gitlab"]!),
            LinearAdapter(
                baseURL: base.appendingPathComponent(LinearSimulator.pathPrefix), teamID: LinearSimulator.Account.teamID,
                apiKey: LinearSimulator.Account.apiKey, clock: TestClock(), http: recorders["linear"]!),
            AzureDevOpsAdapter(
                organizationURL: base.appendingPathComponent(AzureDevOpsSimulator.Account.organization), project: AzureDevOpsSimulator.Account.project,
                token: AzureDevOpsSimulator.Account.token, http: recorders["azure-devops"]!),
        ]
        for tool in tools {
            let parent = try await tool.create(NewIssue(
                title: "Checkout epic", description: "Why it matters.\n\n- first\n- second", labels: ["from-craft"], issueType: "Epic", marker: tool.marker(for: "p1")))
            let child = try await tool.create(NewIssue(
                title: "Checkout story", description: "See https://app.craft.io/item/1", labels: ["from-craft"], issueType: "Story", marker: tool.marker(for: "c1")))
            _ = try await tool.find(marker: tool.marker(for: "c1"))
            _ = try await tool.find(marker: tool.marker(for: "none"))
            _ = try await tool.issue(DevIssueReference(id: child.id, key: child.key))
            _ = try await tool.changeListing?.issuesChanged(since: Date(timeIntervalSince1970: 0))
            try await tool.parentLinking?.link(DevIssueReference(id: child.id, key: child.key), under: DevIssueReference(id: parent.id, key: parent.key))
            if let registration = tool.webhookRegistration {
                let url = "https://craft-sync.example.com/webhooks/\(tool.instance)"
                _ = try await registration.registerWebhook(WebhookTarget(url: url, secret: "first-secret-0123456789"))
                _ = try await registration.registerWebhook(WebhookTarget(url: url, secret: "second-secret-0123456789"))
                _ = try await registration.registeredWebhook(url: url)
            }
            _ = await tool.setupChecks()
        }
        // GitHub's follow-up reads: a pull request's linked issues, and an issue named by its board item.
        let github = tools[0]
        let number = try #require(simulators.github.issues.last?.number)
        let pull = await simulators.github.openPullRequest(closing: number, linkedInPanel: true)
        _ = try await github.issueKeys(linkedTo: "PR_sim\(pull.number)")
        _ = await simulators.github.setBoardStatus(number: number, to: "In Progress")
        _ = try await github.issue(referencedBy: "PVTI_sim\(number)")
        // The deliveries of a day's work: assigned, closed, reopened, a pull request opened and merged, a board move.
        _ = await simulators.github.assign(number: number, login: "dev-alice")
        await simulators.github.setState(number: number, state: "closed", reason: "completed")
        await simulators.github.setState(number: number, state: "open", reason: "reopened")
        _ = await simulators.github.mergePullRequest(pull.number)
        let deliveries = simulators.webhooks.recordedBodies.map { recorded in
            RecordedExchange(tool: recorded.tool, method: "WEBHOOK", path: recorded.event, body: AnyJSON(data: Data(recorded.body)))
        }
        return recorders.values.flatMap(\.exchanges) + deliveries
    }

    /// Runs Scripts/check-contracts.py on `exchanges`: its exit status and what it printed.
    static func check(_ exchanges: [RecordedExchange]) async throws -> (passed: Bool, output: String) {
        let root = packageRoot()
        let record = FileManager.default.temporaryDirectory.appendingPathComponent("contract-exchanges-\(UUID().uuidString).json")
        try JSONEncoder().encode(exchanges).write(to: record)
        let checker = try ChildProcess(URL(fileURLWithPath: "/usr/bin/env"), [
            "nice", "-n", "10", "python3", root.appendingPathComponent("Scripts/check-contracts.py").path,
            root.appendingPathComponent("Tests/Fixtures/contracts").path, record.path,
        ])
        let ended = await checker.waitForEnd(within: .seconds(120))
        try #require(ended, "the checker did not finish:\n\(checker.outputTail())")
        // A failing record is kept for a closer look (its path is in the output); a passing one is removed.
        if checker.terminationStatus == 0 { try? FileManager.default.removeItem(at: record) }
        return (checker.terminationStatus == 0, checker.outputTail(lines: 80) + "\nrecord: \(record.path)")
    }

    @Test("every request each adapter sends is a documented operation, and every simulator answer matches its schema")
    func everyExchangeMatches() async throws {
        let exchanges = try await Self.exerciseAdapters()
        let tools = Set(exchanges.map(\.tool))
        #expect(tools == ["github", "jira", "gitlab", "linear", "azure-devops"])
        let (passed, output) = try await Self.check(exchanges)
        #expect(passed, "\(output)")
        // The checker says what it checked, per tool.
        for tool in tools { #expect(output.contains("\(tool): "), "\(output)") }
    }

    @Test("the checker catches a misspelled body field, an undeclared query parameter and an invalid GraphQL field")
    func checkerCatchesMistakes() async throws {
        func exchange(_ tool: String, _ method: String, _ path: String, query: [[String]] = [], body: AnyJSON?) -> RecordedExchange {
            RecordedExchange(tool: tool, method: method, path: path, query: query, headers: [:], body: body, status: 0, response: nil)
        }
        let mistakes: [(RecordedExchange, String)] = [
            (exchange("github", "POST", "/repos/acme/product/issues", body: .object(["title": .string("T"), "lables": .array([])])), "'lables' was unexpected"),
            (exchange("jira", "POST", "/rest/api/3/search/jql", query: [["expand", "x"], ["startAt", "0"]], body: .object(["jql": .string("project = ACME")])),
             "query parameter 'startAt' is not declared"),
            (exchange("linear", "POST", "/linear/graphql", body: .object(["query": .string("query { issues { nodes { id titel } } }")])), "Cannot query field 'titel'"),
            (exchange("gitlab", "POST", "/api/v4/projects/7/issues", body: .object(["title": .string("T"), "label": .string("x")])), "body field 'label' is not documented"),
            (exchange("azure-devops", "GET", "/acme/mobile/_apis/wit/workitems/7", query: [["api-version", "6.0"]], body: nil), "api-version 6.0, the document is 7.1"),
            (exchange("github", "DELETE", "/repos/acme/product/issues/7", body: nil), "no documented operation"),
        ]
        // One run of the checker over all of them (loading the documents takes seconds): each is named.
        let (passed, output) = try await Self.check(mistakes.map(\.0))
        #expect(!passed)
        for (wrong, expected) in mistakes { #expect(output.contains(expected), "\(wrong.method) \(wrong.path): \(output)") }
    }
}
