import Foundation

/// An issue held by a simulated dev tool.
public struct SimulatedIssue: Sendable, Codable, Equatable {
    public var id: String
    /// GitHub: the number; Jira: `PROJ-n`.
    public var key: String
    public var number: Int
    public var title: String
    /// GitHub: markdown text; Jira: the ADF document as JSON text.
    public var description: String
    public var labels: [String]
    /// GitHub `open`/`closed`; Jira the status name.
    public var state: String
    /// GitHub `state_reason`; Jira the status category.
    public var stateDetail: String?
    public var issueType: String?
    public var priority: String?
    public var updatedAt: Date
    /// Links to elsewhere the tool keeps apart from the text (Azure DevOps hyperlink relations).
    public var links: [String]? = nil
    /// Who works on it (GitHub logins).
    public var assignees: [String]? = nil
}
