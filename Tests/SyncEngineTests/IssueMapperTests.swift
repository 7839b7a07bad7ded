import CraftAPI
import DevTools
import Foundation
import OutboundHTTP
import Testing
@testable import SyncEngine

@Suite("Mapping Craft items to issues")
struct IssueMapperTests {
    let github = GitHubAdapter(baseURL: URL(string: "https://api.github.com")!, owner: "o", repository: "r", token: "t", http: URLSessionHTTPClient())
    let jira = JiraAdapter(
        siteURL: URL(string: "https://acme.atlassian.net")!, projectKey: "ACME", email: "e", apiToken: "t", http: URLSessionHTTPClient())

    func item() -> CraftItem {
        var item = CraftItem(id: "1001", title: "Onboarding checklist")
        item.shortId = "CR-1001"
        item.type = "Feature"
        item.importance = .init(id: "i1", name: "High")
        item.labels = ["onboarding"]
        item.description = "<p>New users get lost.</p><ul><li>show a checklist</li><li>track &amp; celebrate</li></ul><p>See <a href=\"https://x.example/doc\">the doc</a>.</p>"
        item.webUrl = "https://app.craft.io/item/1001"
        return item
    }

    @Test("a tool with a priority field but no type field (Linear) gets the priority as a field and the type as a label")
    func priorityOnly() {
        let linear = LinearAdapter(baseURL: URL(string: "https://api.linear.app")!, teamID: "t", apiKey: "k", http: URLSessionHTTPClient())
        let issue = IssueMapper(mapping: FieldMapping()).newIssue(from: item(), for: linear)
        #expect(issue.issueType == nil && issue.labels.contains("type:story"))
        #expect(issue.priority == "High" && !issue.labels.contains { $0.hasPrefix("priority:") })
        #expect(issue.sourceURL == "https://app.craft.io/item/1001")
    }

    @Test("defaults: Jira gets issue type and priority fields, labels, a plain-text description and a link back")
    func jiraDefaults() {
        let issue = IssueMapper(mapping: FieldMapping()).newIssue(from: item(), for: jira)
        #expect(issue.title == "Onboarding checklist")
        #expect(issue.issueType == "Story")
        #expect(issue.priority == "High")
        #expect(issue.labels == ["craft", "onboarding"])
        #expect(issue.marker == "craft-1001")
        #expect(issue.description == """
            New users get lost.

            - show a checklist
            - track & celebrate

            See the doc (https://x.example/doc).

            Craft.io item CR-1001: https://app.craft.io/item/1001
            """)
    }

    @Test("GitHub has no type or priority fields, so both become labels")
    func githubLabels() {
        let issue = IssueMapper(mapping: FieldMapping()).newIssue(from: item(), for: github)
        #expect(issue.issueType == nil && issue.priority == nil)
        #expect(issue.labels == ["craft", "onboarding", "type:story", "priority:high"])
        #expect(issue.marker == "craft:1001")
    }

    @Test("the mapping is configuration: template, targets, tables and labels")
    func configured() {
        var mapping = FieldMapping()
        mapping.titleTemplate = "[{shortId}] {title}"
        mapping.typeTarget = .label
        mapping.types = ["Feature": "Enhancement"]
        mapping.importance = [:]
        mapping.labels = ["from-craft"]
        mapping.copyCraftLabels = false
        mapping.linkBack = false
        let issue = IssueMapper(mapping: mapping).newIssue(from: item(), for: jira)
        #expect(issue.title == "[CR-1001] Onboarding checklist")
        #expect(issue.issueType == nil)
        #expect(issue.priority == nil)
        #expect(issue.labels == ["from-craft", "type:enhancement"])
        #expect(!issue.description.contains("app.craft.io"))
    }
}
