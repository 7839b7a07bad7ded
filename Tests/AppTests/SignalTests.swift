import DevTools
import OutboundHTTP
import Foundation
import Simulators
import Store
import Testing
import TestSupport
@testable import App
@testable import SimulatorCommands

/// `progress.fields`: what developers did besides the status reaches Craft.io fields of their own, written by each
/// field's kind, once, in the tool's order.
@Suite("Richer signals")
struct SignalTests {
    @Test("the published payloads carry the signals each adapter reads")
    func parsing() throws {
        let github = GitHubAdapter(baseURL: URL(string: "http://127.0.0.1:9")!, owner: "o", repository: "r", token: "t", http: NoHTTP())
        guard case .issue(let assigned) = try github.parseWebhook(headers: ["x-github-event": "issues"], body: try fixtureBytes("github/issues_assigned.json"))
        else { Issue.record("not an issue change"); return }
        #expect(assigned.signals[.assignee] == "Codertocat")
        #expect(assigned.signals[.release] == "v1.0")
        let jira = JiraAdapter(siteURL: URL(string: "http://127.0.0.1:9")!, projectKey: "TEST", email: "e", apiToken: "t", http: NoHTTP())
        guard case .issue(let jiraAssigned) = try jira.parseWebhook(headers: [:], body: try fixtureBytes("jira/cloud-anon_issue_updated_assigned.json"))
        else { Issue.record("not an issue change"); return }
        #expect(jiraAssigned.signals[.assignee] == "Иванов Иван Иванович")
        #expect(jiraAssigned.signals[.sprint] == "" && jiraAssigned.signals[.points] == "" && jiraAssigned.signals[.release] == "")

        let gitlab = GitLabAdapter(baseURL: URL(string: "http://127.0.0.1:9")!, project: "g/p", token: "t", http: NoHTTP())
        guard case .issue(let gitlabAssigned) = try gitlab.parseWebhook(
            headers: ["x-gitlab-event": "Issue Hook"], body: try fixtureBytes("gitlab/issue_hook_new-assign.json"))
        else { Issue.record("not an issue change"); return }
        #expect(gitlabAssigned.signals == [.assignee: "ff_fedorov", .dueDate: "", .points: ""])

        let linear = LinearAdapter(baseURL: URL(string: "http://127.0.0.1:9")!, teamID: "t", apiKey: "k", http: NoHTTP())
        guard case .issue(let linearUpdate) = try linear.parseWebhook(headers: ["linear-event": "Issue"], body: try fixtureBytes("linear/issue_update_title.json"))
        else { Issue.record("not an issue change"); return }
        #expect(linearUpdate.signals[.assignee] == "Satyam Bansal" && linearUpdate.signals[.sprint] == "Cycle 1")

        let azure = AzureDevOpsAdapter(organizationURL: URL(string: "http://127.0.0.1:9/org")!, project: "GoodCompanyCloud", token: "t", http: NoHTTP())
        guard case .issue(let azureUpdate) = try azure.parseWebhook(headers: [:], body: try fixtureBytes("azure-devops/vsts_workitem.updated.json"))
        else { Issue.record("not an issue change"); return }
        #expect(azureUpdate.signals[.assignee] == "Jamal Hartnet" && azureUpdate.signals[.sprint] == "Sprint 1")
    }

    @Test("an assignee, a sprint and an estimate edited in Jira reach a text, a select and a number field; a redelivery writes nothing")
    func jiraSignals() async throws {
        let service = try await ServiceFixture.start(devTool: "jira", adminToken: "admin-token", craftDialect: .openapi) { configuration in
            configuration.signalFields = [.assignee: "Developer", .sprint: "Sprint", .points: "Estimate", .dueDate: "Due"]
        }
        let simulators = service.simulators
        simulators.craft.addField(named: "Developer", type: "text")
        simulators.craft.addField(named: "Sprint", type: "text")
        simulators.craft.makeSelect(field: "Sprint", options: ["Sprint 1", "Sprint 2"])
        simulators.craft.addField(named: "Estimate", type: "number")
        simulators.craft.addField(named: "Due", type: "date")
        let processing = service.processWebhooks()
        defer { processing.cancel() }
        Simulation.seedWorkspace(simulators)
        _ = await service.app.scheduler?.runAll(trigger: "test")
        let issue = try #require(simulators.jira.issues.first)
        let item = try #require(simulators.craft.items.first { $0.customFieldValue("dev_status") != nil && $0.title == issue.title })
        func field(_ name: String) -> String? { simulators.craft.items.first { $0.id == item.id }?.customFieldValue(name) }

        let edited = await simulators.jira.edit(
            id: issue.key, .init(assignee: "Alice Developer", sprint: "Sprint 2", points: 5, dueDate: "2027-01-15"))
        #expect(edited?.status == 202)
        // Done once its delivery's unit of work committed (the writes come first, in signal order).
        try await waitUntil("the edit to be processed", within: .seconds(10)) {
            (try? await service.app.store.timeline.list(TimelineFilter(craftItemID: item.id), limit: 50))?
                .contains { $0.kind == .webhook && $0.detail.hasPrefix("jira:issue_updated") } == true
        }
        #expect(field("Estimate") == "5")
        #expect(field("Developer") == "Alice Developer")
        #expect(field("Sprint") == "opt-2")  // the select's option, by id
        #expect(field("Due") == "2027-01-15")
        let timeline = try await service.app.store.timeline.list(TimelineFilter(craftItemID: item.id), limit: 50)
        #expect(timeline.contains { $0.kind == .craftWrite && $0.detail == "assignee → Developer set to 'Alice Developer'" })
        #expect(timeline.contains { $0.kind == .craftWrite && $0.detail == "points → Estimate set to '5'" })

        // The same state again (a status change only): only the status is written.
        let writes = simulators.craft.updates.count
        _ = await simulators.jira.setStatus(id: issue.key, name: "In Progress", category: "indeterminate")
        try await waitUntil("the status to reach Craft.io", within: .seconds(10)) { field("dev_status") == "In Progress" }
        try await waitUntil("the delivery to be processed", within: .seconds(10)) {
            (try? await service.app.store.events.countsByState())?[.received] == nil
        }
        #expect(simulators.craft.updates.count == writes + 1)
        await service.stop()
    }

    @Test("a sprint Craft.io's select field has no option for is said on the timeline, and the other fields are written")
    func refusedValue() async throws {
        let service = try await ServiceFixture.start(devTool: "jira", adminToken: "admin-token", craftDialect: .openapi) { configuration in
            configuration.signalFields = [.assignee: "Developer", .sprint: "Sprint"]
        }
        let simulators = service.simulators
        simulators.craft.addField(named: "Developer", type: "text")
        simulators.craft.addField(named: "Sprint", type: "text")
        simulators.craft.makeSelect(field: "Sprint", options: ["Sprint 1"])
        let processing = service.processWebhooks()
        defer { processing.cancel() }
        Simulation.seedWorkspace(simulators)
        _ = await service.app.scheduler?.runAll(trigger: "test")
        let issue = try #require(simulators.jira.issues.first)
        let item = try #require(simulators.craft.items.first { $0.title == issue.title })
        _ = await simulators.jira.edit(id: issue.key, .init(assignee: "Bob", sprint: "Sprint 9"), at: .now.addingTimeInterval(2))
        try await waitUntil("the assignee to reach Craft.io", within: .seconds(10)) {
            simulators.craft.items.first { $0.id == item.id }?.customFieldValue("Developer") == "Bob"
        }
        try await waitUntil("the refusal to be on the timeline", within: .seconds(10)) {
            (try? await service.app.store.timeline.list(TimelineFilter(craftItemID: item.id), limit: 50))?
                .contains { $0.outcome == "error" && $0.detail.contains("sprint 'Sprint 9' → Sprint refused") } == true
        }
        #expect(try await service.app.store.events.countsByState()[.dead] == nil)
        await service.stop()
    }

    @Test("a GitHub milestone reaches a text field by reconciliation when its webhook was lost")
    func healedByReconciliation() async throws {
        let service = try await ServiceFixture.start(adminToken: "admin-token") { configuration in
            configuration.signalFields = [.release: "Release"]
        }
        let simulators = service.simulators
        simulators.craft.addField(named: "Release", type: "text")
        Simulation.seedWorkspace(simulators)
        _ = await service.app.scheduler?.runAll(trigger: "test")
        let issue = try #require(simulators.github.issues.first)
        let item = try #require(simulators.craft.items.first { $0.title == issue.title })
        // No webhook target: the milestoned delivery is lost.
        _ = await simulators.github.setMilestone(number: issue.number, title: "2027.1", at: .now.addingTimeInterval(2))
        _ = await service.app.scheduler?.runAll(trigger: "test")
        #expect(simulators.craft.items.first { $0.id == item.id }?.customFieldValue("Release") == "2027.1")
        // The dry run says which fields are written from which tool.
        let plan = try await SyncOnce.run(service.app.configuration, dryRun: true)
        #expect(plan.contains("progress.fields: release → Release\n  github writes release"))
        await service.stop()
    }

    @Test("pull requests that will close a GitHub issue are listed in a text field, and one closed unmerged leaves it")
    func pullRequests() async throws {
        let service = try await ServiceFixture.start(adminToken: "admin-token") { configuration in
            configuration.signalFields = [.pullRequests: "Pull requests"]
        }
        let simulators = service.simulators
        simulators.craft.addField(named: "Pull requests", type: "text")
        let processing = service.processWebhooks()
        defer { processing.cancel() }
        Simulation.seedWorkspace(simulators)
        _ = await service.app.scheduler?.runAll(trigger: "test")
        let issue = try #require(simulators.github.issues.first)
        let item = try #require(simulators.craft.items.first { $0.title == issue.title })
        func listed() -> String? { simulators.craft.items.first { $0.id == item.id }?.customFieldValue("Pull requests") }
        let base = Date.now.addingTimeInterval(5)
        let first = await simulators.github.openPullRequest(closing: issue.number, at: base)
        try await waitUntil("the first pull request to be listed", within: .seconds(10)) { listed() == "#\(first.number)" }
        let second = await simulators.github.openPullRequest(closing: issue.number, at: base.addingTimeInterval(5))
        try await waitUntil("both to be listed", within: .seconds(10)) { listed() == "#\(first.number), #\(second.number)" }
        _ = await simulators.github.closePullRequest(first.number, at: base.addingTimeInterval(10))
        try await waitUntil("the closed one to leave", within: .seconds(10)) { listed() == "#\(second.number)" }
        // Two at once (their lanes run side by side): neither overwrites the other.
        async let third = simulators.github.openPullRequest(closing: issue.number, at: base.addingTimeInterval(15))
        async let fourth = simulators.github.openPullRequest(closing: issue.number, at: base.addingTimeInterval(15))
        let (a, b) = await (third.number, fourth.number)
        let expected = [second.number, a, b].sorted().map { "#\($0)" }.joined(separator: ", ")
        try await waitUntil("both new ones to be listed", within: .seconds(10)) { listed() == expected }
        await service.stop()
    }

    @Test("a signal no configured tool reads is refused at start, with what each reads")
    func unreadSignal() throws {
        do {
            _ = try ConfigurationLoader.load(file: nil, environment: [
                "CRAFT_SYNC_DEV_TOOL_KIND": "github", "CRAFT_SYNC_PROGRESS_FIELDS": "points=Estimate,assignee=Developer",
            ])
            Issue.record("points from GitHub was accepted")
        } catch {
            #expect("\(error)".contains("progress.fields names points, which no configured tool reads (github: assignee, due_date, pull_requests, release)"))
        }
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.load(file: nil, environment: ["CRAFT_SYNC_PROGRESS_FIELDS": "velocity=V"])
        }
    }
}

/// A client for adapters that only parse.
private struct NoHTTP: OutboundHTTP.HTTPClient {
    func send(_ request: OutboundRequest) async throws(OutboundError) -> OutboundResponse { throw .cancelled(operation: request.operation) }
}
