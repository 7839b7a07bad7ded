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
    /// Who works on it (GitHub logins, Jira display names).
    public var assignees: [String]? = nil
    /// The sprint it is planned in (Jira's Sprint field).
    public var sprint: String? = nil
    /// Its estimate (Jira's Story point estimate).
    public var points: Double? = nil
    /// The release it ships in (Jira's fix version; GitHub's milestone).
    public var release: String? = nil
    /// When it is due, `YYYY-MM-DD` (Jira's due date; GitHub's milestone's).
    public var dueDate: String? = nil
}
