import DevTools
import Foundation
import OutboundHTTP
import Simulators
import Store
import Testing
import TestSupport
@testable import SyncEngine

/// GitHub project boards as a source of status: what doctor checks before relying on them.
@Suite("GitHub project boards", .awaitsTeardown)
struct ProjectBoardTests {
    @Test("doctor's board check: passes for an organization whose boards the token reads; a user-owned repository fails with the fix; boards off, no check")
    func setupCheck() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let passing = await fixture.githubWithBoards.setupChecks()
        #expect(passing.map(\.passed) == [true] && passing.first?.detail.contains("'Status' option is its status") == true, "\(passing)")
        #expect(await fixture.github.setupChecks().isEmpty)
        let userOwned = GitHubAdapter(
            baseURL: fixture.simulators.baseURL, owner: "octocat", repository: "hello", token: GitHubSimulator.Account.token,
            projectStatusField: "Status", http: URLSessionHTTPClient())
        let failing = await userOwned.setupChecks()
        #expect(failing.map(\.passed) == [false] && failing.first?.detail.contains("octocat is not an organization") == true, "\(failing)")
        #expect(failing.first?.fix?.contains("project_status_field") == true)
    }

    @Test("a board edit about an issue craft-sync did not create is ignored without asking GitHub; one about ours is read and applied")
    func boardEditsByNodeID() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        fixture.seed(1)
        _ = await fixture.engine().run(fixture.target(fixture.githubWithBoards), trigger: "test")
        let mapping = try #require(try await fixture.store.mappings.list(MappingFilter(), limit: 1).first)
        let ours = try #require(mapping.devIssueAltID, "the create's node id is kept")
        let processor = fixture.processor(boards: true)
        let published = try fixtureBytes("github/projects_v2_item_edited.json")
            .replacing(Array(#""content_type": "DraftIssue""#.utf8), with: Array(#""content_type": "Issue""#.utf8))
        let reads = fixture.simulators.calls.count("github POST /graphql")
        let foreign = try await fixture.deliver(event: "projects_v2_item", body: published)
        await processor.processDue()
        #expect(try await fixture.store.events.event(id: foreign)?.ignoredReason?.contains("names no issue craft-sync created") == true)
        #expect(fixture.simulators.calls.count("github POST /graphql") == reads, "nothing asked of GitHub for someone else's card")

        let number = try #require(fixture.simulators.github.issues.first?.number)
        await fixture.simulators.github.setBoardStatus(number: number, to: "In Review", at: .now.addingTimeInterval(60))
        let ownEdit = published.replacing(Array(#""content_node_id": "DI_lADOAWcTxs07G84AIjOy""#.utf8), with: Array("\"content_node_id\": \"\(ours)\"".utf8))
        let mine = try await fixture.deliver(event: "projects_v2_item", body: ownEdit)
        await processor.processDue()
        #expect(try await fixture.store.events.event(id: mine)?.state == .processed)
        #expect(fixture.simulators.craft.items.first?.customFieldValue("dev_status") == "In Review")
    }

    @Test("a mapping linked before its node id was kept learns it from the next reconciliation read")
    func nodeIDBackfilled() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let item = try #require(fixture.seed(1).first)
        let issue = try await fixture.github.create(NewIssue(title: item.title, description: "", marker: fixture.github.marker(for: item.id)))
        guard case .claimed(let claim) = try await fixture.store.mappings.claim(
            workspaceID: fixture.workspace, craftItemID: item.id, devToolKind: "github", devToolInstance: "github", contentHash: nil, holder: .test, now: .now)
        else { Issue.record("not claimed"); return }
        _ = try await fixture.store.mappings.linkClaim(
            id: claim.id, holder: .test, devIssueID: issue.id, key: issue.key, url: issue.url, contentHash: nil, now: .now)
        #expect(try await fixture.store.mappings.mapping(id: claim.id)?.devIssueAltID == nil)
        _ = await fixture.reconciler().run()
        #expect(try await fixture.store.mappings.mapping(id: claim.id)?.devIssueAltID == issue.alternateID && issue.alternateID != nil)
    }

    @Test("a board edit about an issue linked before node ids were kept is still read and applied, and teaches the mapping its id")
    func boardEditBeforeNodeIDKnown() async throws {
        let fixture = try IntakeFixture()
        Teardown.later { await fixture.simulators.shutdown() }
        let item = try #require(fixture.seed(1).first)
        let issue = try await fixture.github.create(NewIssue(title: item.title, description: "", marker: fixture.github.marker(for: item.id)))
        let node = try #require(issue.alternateID)
        guard case .claimed(let claim) = try await fixture.store.mappings.claim(
            workspaceID: fixture.workspace, craftItemID: item.id, devToolKind: "github", devToolInstance: "github", contentHash: nil, holder: .test, now: .now)
        else { Issue.record("not claimed"); return }
        _ = try await fixture.store.mappings.linkClaim(
            id: claim.id, holder: .test, devIssueID: issue.id, key: issue.key, url: issue.url, contentHash: nil, now: .now)
        let number = try #require(fixture.simulators.github.issues.first?.number)
        await fixture.simulators.github.setBoardStatus(number: number, to: "In progress", at: .now.addingTimeInterval(60))
        let body = try fixtureBytes("github/projects_v2_item_edited.json")
            .replacing(Array(#""content_type": "DraftIssue""#.utf8), with: Array(#""content_type": "Issue""#.utf8))
            .replacing(Array(#""content_node_id": "DI_lADOAWcTxs07G84AIjOy""#.utf8), with: Array("\"content_node_id\": \"\(node)\"".utf8))
        let event = try await fixture.deliver(event: "projects_v2_item", body: body)
        await fixture.processor(boards: true).processDue()
        #expect(try await fixture.store.events.event(id: event)?.state == .processed)
        #expect(fixture.simulators.craft.items.first?.customFieldValue("dev_status") == "In Progress")
        #expect(try await fixture.store.mappings.mapping(id: claim.id)?.devIssueAltID == node)
    }
}
