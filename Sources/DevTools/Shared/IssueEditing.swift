/// Reading and changing an issue's synced content after its create (`drift.policy: push`): what an adapter offers
/// through `DevTool.issueEditing`, where its tool can.
public protocol IssueEditing: Sendable {
    /// The issue's title, description and labels as they are now.
    func content(of reference: DevIssueReference) async throws(DevToolError) -> IssueContent
    /// Sets what `edit` gives; nil parts are left as they are.
    func edit(_ reference: DevIssueReference, _ edit: IssueContentEdit) async throws(DevToolError)
}

/// The synced part of an issue: what `NewIssue` created it with, as the tool holds it now.
public struct IssueContent: Sendable, Equatable {
    public var title: String
    public var description: String
    public var labels: [String]

    public init(title: String, description: String, labels: [String]) {
        self.title = title
        self.description = description
        self.labels = labels
    }
}

/// What to change; nil parts stay.
public struct IssueContentEdit: Sendable, Equatable {
    public var title: String?
    public var description: String?
    /// The whole new set of labels (the marker among them).
    public var labels: [String]?

    public init(title: String? = nil, description: String? = nil, labels: [String]? = nil) {
        self.title = title
        self.description = description
        self.labels = labels
    }

    public var isEmpty: Bool { title == nil && description == nil && labels == nil }
}
