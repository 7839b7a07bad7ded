
import Foundation
import OutboundHTTP
import Support
import Testing
import TestSupport
@testable import SyncEngine
@testable import DevTools

/// Every published payload in Tests/Fixtures for the tools with adapters, byte for byte, and what craft-sync makes
/// of it: the issue's state and Craft value, or why it is ignored, deleted or moved.
@Suite("Every published payload, as the adapters read it", .awaitsTeardown)
struct PublishedPayloadTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var tool: String
        var file: String
        var event: String
        /// `status → Craft value`, `ignored`, `deleted` or `moved`.
        var expected: String
        var testDescription: String { "\(file) → \(expected)" }
    }

    static let cases: [Case] = [
        .init(tool: "github", file: "issue_comment_created.json", event: "issue_comment", expected: "ignored"),
        // octokit's examples all carry an assignee (Codertocat): open and assigned is In Progress.
        .init(tool: "github", file: "issues_assigned.json", event: "issues", expected: "open → In Progress"),
        .init(tool: "github", file: "issues_closed_completed.json", event: "issues", expected: "closed → Done"),
        .init(tool: "github", file: "issues_closed_legacy_no_state_reason.json", event: "issues", expected: "closed → Done"),
        .init(tool: "github", file: "issues_deleted.json", event: "issues", expected: "deleted"),
        .init(tool: "github", file: "issues_edited.json", event: "issues", expected: "open → In Progress"),
        .init(tool: "github", file: "issues_labeled.json", event: "issues", expected: "open → In Progress"),
        .init(tool: "github", file: "issues_opened.json", event: "issues", expected: "open → In Progress"),
        .init(tool: "github", file: "issues_opened_with_transfer.json", event: "issues", expected: "moved"),
        .init(tool: "github", file: "issues_reopened.json", event: "issues", expected: "open → In Progress"),
        .init(tool: "github", file: "issues_unassigned.json", event: "issues", expected: "open → In Progress"),
        // Their text closes no issue (the examples say "This is a pretty simple change"): the issues linked in their
        // Development panel are read, by the pull request's node id; see ProgressSignalsTests.
        .init(tool: "github", file: "pull_request_closed.json", event: "pull_request", expected: "linked open → In Progress"),
        .init(tool: "github", file: "pull_request_opened.json", event: "pull_request", expected: "linked open → In Review"),
        .init(tool: "github", file: "pull_request_ready_for_review.json", event: "pull_request", expected: "linked open → In Review"),
        .init(tool: "github", file: "ping.json", event: "ping", expected: "ignored"),
        .init(tool: "github", file: "projects_v2_item_created.json", event: "projects_v2_item", expected: "ignored"),
        .init(tool: "github", file: "projects_v2_item_edited.json", event: "projects_v2_item", expected: "ignored"),
        .init(tool: "jira", file: "cloud-anon_issue_updated_assigned.json", event: "", expected: "To Do → To Do"),
        .init(tool: "jira", file: "cloud-anon_issue_updated_rank_only_noise.json", event: "", expected: "To Do → To Do"),
        .init(tool: "jira", file: "cloud-anon_issue_updated_status_todo_to_inprogress.json", event: "", expected: "In Progress → In Progress"),
        .init(tool: "jira", file: "cloud_comment_created.json", event: "", expected: "ignored"),
        .init(tool: "jira", file: "server-anon_issue_created.json", event: "", expected: "Open → To Do"),
        .init(tool: "jira", file: "server-anon_issue_updated_status_and_key_change.json", event: "", expected: "Paused → To Do"),
        .init(tool: "jira", file: "server_issue_created.json", event: "", expected: "To Do → To Do"),
        .init(tool: "jira", file: "server_issue_updated_custom_field.json", event: "", expected: "To Do → To Do"),
        .init(tool: "jira", file: "server_issue_updated_description.json", event: "", expected: "To Do → To Do"),
        .init(tool: "jira", file: "server_issue_updated_fields_edit.json", event: "", expected: "To Do → To Do"),
        .init(tool: "jira", file: "server_issue_updated_status_and_resolution.json", event: "", expected: "Done → Done"),
        .init(tool: "jira", file: "server_issue_updated_status_todo_to_done.json", event: "", expected: "Done → Done"),
        .init(tool: "gitlab", file: "issue_hook_milestone-updated.json", event: "Issue Hook", expected: "opened → To Do"),
        .init(tool: "gitlab", file: "issue_hook_new-assign.json", event: "Issue Hook", expected: "opened → To Do"),
        .init(tool: "gitlab", file: "go-gitlab_note_issue.json", event: "Note Hook", expected: "ignored"),
        .init(tool: "gitlab", file: "go-gitlab_issue.json", event: "Issue Hook", expected: "opened → To Do"),
        .init(tool: "gitlab", file: "go-gitlab_push.json", event: "Push Hook", expected: "ignored"),
        .init(tool: "gitlab", file: "issue_hook_closed.json", event: "Issue Hook", expected: "closed → Done"),
        .init(tool: "gitlab", file: "issue_hook_created.json", event: "Issue Hook", expected: "opened → To Do"),
        .init(tool: "gitlab", file: "issue_hook_updated.json", event: "Issue Hook", expected: "opened → To Do"),
        .init(tool: "gitlab", file: "note_hook_issue_comment.json", event: "Note Hook", expected: "ignored"),
        .init(tool: "azure-devops", file: "vsts_build.complete_unrelated.json", event: "", expected: "ignored"),
        .init(tool: "azure-devops", file: "vsts_workitem.commented.json", event: "", expected: "ignored"),
        .init(tool: "azure-devops", file: "vsts_workitem.created.json", event: "", expected: "New → To Do"),
        .init(tool: "azure-devops", file: "vsts_workitem.deleted.json", event: "", expected: "deleted"),
        .init(tool: "azure-devops", file: "vsts_workitem.updated.json", event: "", expected: "Approved → To Do"),
        .init(tool: "linear", file: "SYNTHETIC_issue_update_state_todo_to_inprogress.json", event: "Issue", expected: "In Progress → In Progress"),
        .init(tool: "linear", file: "comment_create_unrelated.json", event: "Comment", expected: "ignored"),
        .init(tool: "linear", file: "issue_create_simple.json", event: "Issue", expected: "Todo → To Do"),
        .init(tool: "linear", file: "issue_remove.json", event: "Issue", expected: "deleted"),
        .init(tool: "linear", file: "issue_update_title.json", event: "Issue", expected: "In Progress → In Progress"),
    ]

    @Test("parses to the expected outcome", arguments: cases)
    func outcome(_ testCase: Case) throws {
        // Parsing only: adapters without a server.
        let fixture = FixtureAdapters.offline
        let tool: any DevTool = switch testCase.tool {
        case "github": fixture.github
        case "gitlab": fixture.gitlab
        case "linear": fixture.linear
        case "azure-devops": fixture.azureDevOps
        default: fixture.jira
        }
        let header = ["github": "x-github-event", "linear": "linear-event"][testCase.tool] ?? "x-gitlab-event"
        let headers = testCase.event.isEmpty ? [:] : [header: testCase.event]
        let event = try tool.parseWebhook(headers: headers, body: try fixtureBytes("\(testCase.tool)/\(testCase.file)"))
        let outcome: String = switch event {
        case .ignored: "ignored"
        case .deleted: "deleted"
        case .moved: "moved"
        case .needsRead: "read"
        case .linked(_, let status, _, _, _, _, _): "linked \(status.name) → \(StatusMapping().craftValue(for: status, of: tool) ?? "nothing")"
        case .issue(let change): "\(change.status.name) → \(StatusMapping().craftValue(for: change.status, of: tool) ?? "nothing")"
        }
        #expect(outcome == testCase.expected)
        if case .issue(let change) = event {
            #expect(!change.issueID.isEmpty && !change.key.isEmpty)
        }
    }

    @Test("the table names every published payload of every tool with an adapter")
    func tableIsComplete() throws {
        let fixtures = packageRoot().appendingPathComponent("Tests/Fixtures")
        for tool in DevToolKinds.all.map(\.name) {
            let files = try FileManager.default.contentsOfDirectory(atPath: fixtures.appendingPathComponent(tool).path).filter { $0.hasSuffix(".json") }
            #expect(!files.isEmpty, "no fixtures for \(tool)")
            let listed = Set(Self.cases.filter { $0.tool == tool }.map(\.file))
            #expect(Set(files) == listed, "\(tool): not in the table: \(Set(files).subtracting(listed).sorted())")
        }
    }

    @Test("a published pull_request payload whose text closes an issue puts it in review; closed unmerged, back to In Progress; merged, nothing")
    func pullRequests() throws {
        // Parsing only: adapters without a server.
        let fixture = FixtureAdapters.offline
        func parse(_ file: String, closing: String) throws -> WebhookEvent {
            let original = try fixtureBytes("github/\(file)")
            let marker = Array(#""body": "This is a pretty simple change that we need to pull into master.""#.utf8)
            let replaced = original.replacing(marker, with: Array("\"body\": \"\(closing)\"".utf8))
            #expect(replaced != original, "the fixture's body text moved")
            return try fixture.github.parseWebhook(headers: ["x-github-event": "pull_request"], body: replaced)
        }
        guard case .linked(let keys, let status, let order, let actor, _, _, _) = try parse("pull_request_opened.json", closing: "Closes #1, fixes Codertocat/Other#7") else {
            Issue.record("not linked")
            return
        }
        #expect(keys == ["Codertocat/Hello-World#1", "Codertocat/Other#7"] && actor == "Codertocat" && order != nil)
        #expect(StatusMapping().craftValue(for: status, of: fixture.github) == "In Review")
        guard case .linked(_, let closed, _, _, _, _, _) = try parse("pull_request_closed.json", closing: "Resolves #1") else { Issue.record("closed"); return }
        #expect(StatusMapping().craftValue(for: closed, of: fixture.github) == "In Progress")  // closed without a merge
        // Editing it once closed does not put its issues back in review.
        let editedClosed = try fixtureBytes("github/pull_request_closed.json")
            .replacing(Array(#""action": "closed""#.utf8), with: Array(#""action": "edited""#.utf8))
        #expect(try fixture.github.parseWebhook(headers: ["x-github-event": "pull_request"], body: editedClosed)
            == .ignored(reason: "pull_request.edited of a closed pull request"))
        #expect(GitHubAdapter.closedIssues(in: "Refs #3; closes: #4; prefixes #5", repository: "a/b") == ["a/b#4"])
        // A description is anyone's text: a pull request naming 200 issues is taken to close the first 50.
        let many = (1...200).map { "closes #\($0)" }.joined(separator: "\n")
        #expect(GitHubAdapter.closedIssues(in: many, repository: "a/b") == (1...50).map { "a/b#\($0)" })
        // GitHub reads the keywords in the description, not the title.
        let titled = try fixtureBytes("github/pull_request_opened.json")
            .replacing(Array(#""title": "Update the README with new information.""#.utf8), with: Array(#""title": "Fixes #1""#.utf8))
        guard case .linked(let titledKeys, _, _, _, let reference, _, _) = try fixture.github.parseWebhook(headers: ["x-github-event": "pull_request"], body: titled)
        else { Issue.record("not linked"); return }
        #expect(titledKeys.isEmpty && reference == "MDExOlB1bGxSZXF1ZXN0Mjc5MTQ3NDM3", "only the Development panel can say; it is read")
        // A push keeps to the description: nothing is read for it.
        let pushed = try fixtureBytes("github/pull_request_opened.json")
            .replacing(Array(#""action": "opened""#.utf8), with: Array(#""action": "synchronize""#.utf8))
        #expect(try fixture.github.parseWebhook(headers: ["x-github-event": "pull_request"], body: pushed) == .ignored(reason: "the pull request closes no issue"))
    }

    @Test("a published projects_v2_item.edited about an issue is read over GraphQL; a draft, another field type, or boards off: ignored")
    func boardEdits() throws {
        // Parsing only: adapters without a server.
        let fixture = FixtureAdapters.offline
        let headers = ["x-github-event": "projects_v2_item"]
        let published = try fixtureBytes("github/projects_v2_item_edited.json")
        let draft = try fixture.githubWithBoards.parseWebhook(headers: headers, body: published)
        #expect(draft == .ignored(reason: "a project item that is a DraftIssue, not an issue"))
        let issue = published.replacing(Array(#""content_type": "DraftIssue""#.utf8), with: Array(#""content_type": "Issue""#.utf8))
        #expect(issue != published, "the fixture's content type moved")
        let order = try #require(Timestamp.parse("2022-06-08T20:34:26Z")?.eventOrder)
        #expect(try fixture.githubWithBoards.parseWebhook(headers: headers, body: issue) == .needsRead(reference: "DI_lADOAWcTxs07G84AIjOy", order: order, actor: "wolfy1339"))
        let dated = issue.replacing(Array(#""field_type": "single_select""#.utf8), with: Array(#""field_type": "date""#.utf8))
        #expect(try fixture.githubWithBoards.parseWebhook(headers: headers, body: dated) == .ignored(reason: "a date field changed, not a status"))
        guard case .ignored(let reason) = try fixture.github.parseWebhook(headers: headers, body: issue) else { Issue.record("read with boards off"); return }
        #expect(reason.contains("dev_tool.project_status_field"))
    }

    @Test("label rules: the published issues.labeled (label 'bug', open) maps by the first matching rule; a closed issue stays done")
    func labelRules() throws {
        // Parsing only: adapters without a server.
        let fixture = FixtureAdapters.offline
        var mapping = StatusMapping()
        mapping.byLabel = [.init(label: "status: blocked", value: "Blocked"), .init(label: "BUG", value: "Triage"), .init(label: "bug", value: "Never")]
        let body = try fixtureBytes("github/issues_labeled.json")
        guard case .issue(let labeled) = try fixture.github.parseWebhook(headers: ["x-github-event": "issues"], body: body)
        else { Issue.record("not an issue change"); return }
        // With boards read, an open issue's event is read again for its card (the payload does not carry it).
        guard case .issue(let withBoards) = try fixture.githubWithBoards.parseWebhook(headers: ["x-github-event": "issues"], body: body) else {
            Issue.record("not an issue change with boards on"); return
        }
        #expect(withBoards.reread == "MDU6SXNzdWU0NDQ1MDAwNDE=" && labeled.reread == nil)
        #expect(labeled.status.labels == ["bug"] && mapping.craftValue(for: labeled.status, of: fixture.github) == "Triage")
        let closed = DevIssueStatus(name: "closed", detail: "completed", labels: ["bug"])
        #expect(mapping.craftValue(for: closed, of: fixture.github) == "Done")
        #expect(mapping.craftValues(of: fixture.github).isSuperset(of: ["Blocked", "Triage"]))
    }

    @Test("a delivery's time no Int64 holds gives no order (left to reconciliation), never a trap")
    func absurdTimes() {
        #expect(Date(timeIntervalSince1970: 1e300).eventOrder == nil)
        #expect(Date(timeIntervalSince1970: -1e300).eventOrder == nil)
        #expect(Date(timeIntervalSince1970: 1_700_000_000.5).eventOrder == 1_700_000_000_500)
    }
}
