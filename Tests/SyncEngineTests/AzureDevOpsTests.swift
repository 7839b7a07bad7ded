@testable import DevTools
import Foundation
import OutboundHTTP
import Simulators
import Store
import Testing
import TestSupport
@testable import SyncEngine

/// Azure DevOps Boards on Microsoft's published service hook samples (byte for byte, BOM included) and on its
/// simulator: the same guarantees as GitHub's.
@Suite("Azure DevOps", .awaitsTeardown)
struct AzureDevOpsTests {
    static func basic(_ password: String) -> String { "Basic " + Data("anyone:\(password)".utf8).base64EncodedString() }

    @Test("published work item events parse to the work item's state, id, order and author; delete and others too", arguments: [
        ("azure-devops/vsts_workitem.updated.json", "issue 5 Approved → To Do"),
        ("azure-devops/vsts_workitem.created.json", "issue 5 New → To Do"),
        ("azure-devops/vsts_workitem.deleted.json", "deleted 5"),
        ("azure-devops/vsts_workitem.commented.json", "ignored"),
        ("azure-devops/vsts_build.complete_unrelated.json", "ignored"),
    ])
    func publishedPayloads(_ file: String, _ expected: String) throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let adapter = fixture.azureDevOps
        let body = try fixtureBytes(file)
        let outcome: String = switch try adapter.parseWebhook(headers: [:], body: body) {
        case .issue(let change):
            "issue \(change.issueID) \(change.status.name) → \(StatusMapping().craftValue(for: change.status, of: adapter) ?? "nothing")"
                + (change.order == nil || change.actor == nil ? " (no order or actor)" : "")
        case .deleted(let id, _): "deleted \(id)"
        case .moved: "moved"
        case .needsRead: "read"
        case .linked: "linked"
        case .ignored: "ignored"
        }
        #expect(outcome == expected)
        #expect(adapter.deliveryID(headers: [:], body: body)?.count == 36)
    }

    @Test("the secret is checked as the Basic password or the custom header, with either of two secrets; nothing else passes")
    func secret() throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let adapter = fixture.azureDevOps
        let body = try fixtureBytes("azure-devops/vsts_workitem.updated.json")
        #expect(adapter.verifyWebhook(headers: ["authorization": Self.basic("new")], body: body, secrets: ["old", "new"]))
        #expect(adapter.verifyWebhook(headers: ["x-craft-sync-secret": "old"], body: body, secrets: ["old", "new"]))
        #expect(!adapter.verifyWebhook(headers: ["authorization": Self.basic("guess")], body: body, secrets: ["old", "new"]))
        #expect(!adapter.verifyWebhook(headers: ["authorization": "Bearer new"], body: body, secrets: ["new"]))
        #expect(!adapter.verifyWebhook(headers: [:], body: body, secrets: ["new"]))
        #expect(!adapter.webhookHeadersKept.contains { "authorization".hasPrefix($0) || "x-craft-sync-secret".hasPrefix($0) })
        #expect(adapter.eventType(headers: [:], body: body) == "workitem.updated")
    }

    @Test("create is JSON Patch with the marker tag, type and priority; WIQL finds exactly that tag; a read returns it")
    func adapter() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let adapter = fixture.azureDevOps
        let first = try await adapter.create(NewIssue(
            title: "Checkout", description: "Why\n- a\n- b <c>", labels: ["from-craft"], issueType: "Story", priority: "High",
            marker: adapter.marker(for: "1"), sourceURL: "https://app.craft.io/item/1"))
        let second = try await adapter.create(NewIssue(title: "Other", description: "", marker: adapter.marker(for: "12")))
        // A Craft type in another case maps all the same (it was sent as `$story`).
        let lowercase = try await adapter.create(NewIssue(title: "Lower", description: "", issueType: "story", marker: adapter.marker(for: "555")))
        #expect(fixture.simulators.azureDevOps.issues.first { $0.id == lowercase.id }?.issueType == "User Story")
        let stored = try #require(fixture.simulators.azureDevOps.issues.first { $0.id == first.id })
        #expect(stored.issueType == "User Story" && stored.priority == "2" && stored.labels == ["from-craft", "craft-1"])
        #expect(stored.description == "<p>Why</p><ul><li>a</li><li>b &lt;c&gt;</li></ul>")
        #expect(stored.links == ["https://app.craft.io/item/1"])
        #expect(first.key == "Web#1" && first.url.hasSuffix("/_workitems/edit/1"))
        // `craft-1` is a substring of `craft-12`'s tag: only the exact tag counts.
        #expect(try await adapter.find(marker: "craft-1")?.id == first.id)
        #expect(try await adapter.find(marker: "craft-12")?.id == second.id)
        // And when the longer tag's work item comes first in WIQL's answer, the exact one further down is still found.
        _ = try await adapter.create(NewIssue(title: "Third", description: "", marker: adapter.marker(for: "23")))
        let fourth = try await adapter.create(NewIssue(title: "Fourth", description: "", marker: adapter.marker(for: "2")))
        #expect(try await adapter.find(marker: "craft-2")?.id == fourth.id)
        #expect(try await adapter.find(marker: "craft-99") == nil)
        let read = try await adapter.issue(DevIssueReference(id: first.id, key: first.key))
        #expect(read.status.name == "New" && read.updatedAt != nil)
    }

    @Test("Craft types map to the work item types each process template has, in any case; a type none has maps to nothing")
    func typesOfEachProcess() {
        let story = AzureDevOpsSimulator.Process.allCases.map { AzureDevOpsAdapter.workItemType(for: "story", among: $0.workItemTypes) }
        #expect(story == ["User Story", "Product Backlog Item", "Issue", "Requirement"])
        #expect(AzureDevOpsAdapter.workItemType(for: "Bug", among: AzureDevOpsSimulator.Process.basic.workItemTypes) == "Issue")
        #expect(AzureDevOpsAdapter.workItemType(for: "impediment", among: AzureDevOpsSimulator.Process.scrum.workItemTypes) == "Impediment")
        #expect(AzureDevOpsAdapter.workItemType(for: "Spike", among: AzureDevOpsSimulator.Process.agile.workItemTypes) == nil)
    }

    /// Earlier: the type was sent as Craft named it, or as Agile's "User Story": a Scrum or Basic project refused every create.
    @Test("a Basic process project gets its own types; a type it lacks is refused for good, naming those it has, and doctor says so")
    func basicProcessProject() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.simulators.azureDevOps.setProcess(.basic)
        let adapter = fixture.azureDevOps
        let story = try await adapter.create(NewIssue(title: "Checkout", description: "", issueType: "Story", marker: adapter.marker(for: "1")))
        #expect(fixture.simulators.azureDevOps.issues.first { $0.id == story.id }?.issueType == "Issue")
        do {
            _ = try await adapter.create(NewIssue(title: "Spike", description: "", issueType: "Spike", marker: adapter.marker(for: "2")))
            Issue.record("a type the project lacks was sent")
        } catch {
            #expect(!error.isTransient && "\(error)".contains("it has Epic, Issue, Task"), "\(error)")
        }
        #expect(fixture.simulators.azureDevOps.issues.count == 1)
        let checks = await AzureDevOpsAdapter(
            organizationURL: fixture.simulators.baseURL.appendingPathComponent(AzureDevOpsSimulator.Account.organization),
            project: AzureDevOpsSimulator.Account.project, defaultWorkItemType: "Spike", token: AzureDevOpsSimulator.Account.token,
            http: URLSessionHTTPClient()
        ).setupChecks()
        #expect(checks.map(\.passed) == [false] && checks.first?.fix?.contains("Epic, Issue, Task") == true, "\(checks)")
        #expect(await adapter.setupChecks().first?.detail.contains("Story → Issue") == true)
    }

    @Test("every simulated fault still ends with exactly one work item per item", arguments: [
        FaultInjector.Fault(target: "azure-devops", failNext: 2, status: 502),
        FaultInjector.Fault(target: "azure-devops", failNext: 2, status: 429, retryAfter: "1"),
        FaultInjector.Fault(target: "azure-devops", failAfterCreate: 2),
        FaultInjector.Fault(target: "azure-devops", resetAfterCreate: 2),
    ])
    func exactlyOnce(_ fault: FaultInjector.Fault) async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(5)
        fixture.simulators.faults.set(fault)
        let report = await fixture.engine(settings: IntakeSettings(concurrency: 2, createAttempts: 5)).run(fixture.target(fixture.azureDevOps), trigger: "test")
        #expect(report.counts.created == 5, "skipped \(report.skipped), failed \(report.failed)")
        let markers = fixture.simulators.azureDevOps.issues.flatMap { $0.labels.filter { $0.hasPrefix("craft-") } }
        #expect(markers.count == 5 && Set(markers).count == 5)
    }

    @Test("a state change reaches Craft.io by service hook, and a missed one by reconciliation")
    func progress() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let items = fixture.seed(2)
        _ = await fixture.engine().run(fixture.target(fixture.azureDevOps), trigger: "test")
        let movedAt = Date.now.addingTimeInterval(5)
        await fixture.simulators.azureDevOps.setState(id: 1, state: "Active", at: movedAt)
        let body = """
            {"id":"0d3c9e2f-6a1b-4c5d-8e7f-9a0b1c2d3e4f","eventType":"workitem.updated","resource":{"workItemId":1,"rev":2,
             "revisedBy":{"uniqueName":"alice@acme.example"},"fields":{"System.State":{"oldValue":"New","newValue":"Active"},
             "System.ChangedDate":{"newValue":"\(movedAt.formatted(.iso8601))"}}}}
            """
        guard case .stored = try await fixture.store.events.append(IncomingEvent(
            tool: "azure-devops", deliveryID: "0d3c9e2f", eventType: "workitem.updated", receivedAt: fixture.clock.now(), body: Array(body.utf8)))
        else { Issue.record("not stored"); return }
        await fixture.processor().processDue()
        let event = try await fixture.store.events.list(.init(), limit: 5).first
        #expect(event?.state == .processed, "\(event?.lastError ?? event?.ignoredReason ?? "")")
        let first = try #require(fixture.simulators.azureDevOps.issues.first { $0.number == 1 })
        let firstItem = try #require(items.first { first.labels.contains(fixture.azureDevOps.marker(for: $0.id)) })
        #expect(fixture.simulators.craft.items.first { $0.id == firstItem.id }?.customFieldValue("dev_status") == "In Progress")

        await fixture.simulators.azureDevOps.setState(id: 2, state: "Closed", at: movedAt.addingTimeInterval(5))
        let reconciler = fixture.reconciler(fixture.azureDevOps)
        #expect(await reconciler.run().pushed == 1)  // only the one whose webhook was lost
        let second = try #require(items.first { $0.id != firstItem.id })
        #expect(fixture.simulators.craft.items.first { $0.id == second.id }?.customFieldValue("dev_status") == "Done")
    }
}
