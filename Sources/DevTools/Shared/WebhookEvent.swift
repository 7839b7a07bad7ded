/// What a verified webhook delivery says, in the engine's terms.
public enum WebhookEvent: Sendable, Equatable {
    /// An issue's state as of this event.
    case issue(IssueChange)
    /// The issue was deleted in the tool.
    case deleted(issueID: String, key: String)
    /// The issue lives on under another id and key (a GitHub transfer to another repository).
    case moved(fromIssueID: String, to: IssueMove)
    /// A change that concerns issues named only by key (a pull request that will close them): each is found by its key.
    /// `reference` names the change's subject where the tool links more issues than the payload says
    /// (`DevTool.issueKeys(linkedTo:)`: a GitHub pull request's Development panel). `source` is where the change
    /// comes from (a GitHub repository): the reads it causes are charged to it.
    /// `pullRequest` names the change itself where it is one (`#12`, or `owner/repo#12` from another repository), and
    /// whether it is linked now (opened, ready, edited) or no longer (closed unmerged): the `pull_requests` signal.
    case linked(
        keys: [String], status: DevIssueStatus, order: Int64?, actor: String?, reference: String? = nil, source: String? = nil,
        pullRequest: PullRequestLink? = nil)
    /// A change the payload does not spell out (a GitHub project board edit names neither the issue's number nor the
    /// value): `DevTool.issue(referencedBy:)` reads which issue it is and its state now.
    case needsRead(reference: String, order: Int64?, actor: String?)
    /// Accepted but of no interest (a ping, a comment, a deleted issue), with why.
    case ignored(reason: String)
}

/// A pull request that links issues, and whether the link holds now.
public struct PullRequestLink: Sendable, Equatable {
    public var name: String
    public var linked: Bool

    public init(name: String, linked: Bool) {
        self.name = name
        self.linked = linked
    }
}

public struct IssueMove: Sendable, Equatable {
    public var issueID: String
    public var key: String
    public var url: String?

    public init(issueID: String, key: String, url: String?) {
        self.issueID = issueID
        self.key = key
        self.url = url
    }
}

public struct IssueChange: Sendable, Equatable {
    /// The stable id (GitHub `issue.id`, Jira `issue.id`).
    public var issueID: String
    /// The key as of this event (a Jira key changes when the issue moves).
    public var key: String
    public var status: DevIssueStatus
    /// The event's own order (milliseconds since 1970 of the tool's timestamp), so an older delivery that arrives
    /// late never overwrites a newer one; nil when the payload carries none.
    public var order: Int64?
    /// Who caused it (GitHub `sender.login`, Jira `user.accountId`), to ignore our own account's echoes.
    public var actor: String?
    /// Set when the payload leaves part of the state out (a GitHub issue's project card): `DevTool.issue(referencedBy:)`
    /// reads it, once the issue is known to be one craft-sync follows. If the tool refuses the read for good, the
    /// payload's state stands.
    public var reread: String?
    /// What else the delivery says of the issue (assignee, sprint, ...), where the adapter reads it.
    public var signals: DevSignals = [:]

    public init(
        issueID: String, key: String, status: DevIssueStatus, order: Int64?, actor: String?, reread: String? = nil, signals: DevSignals = [:]
    ) {
        self.signals = signals
        self.issueID = issueID
        self.key = key
        self.status = status
        self.order = order
        self.actor = actor
        self.reread = reread
    }
}

/// How a tool identifies and describes its deliveries. Header names are lowercased.
public protocol WebhookSource: Sendable {
    /// What proves a delivery is the tool's, and so what the route must read to check it.
    var webhookAuthentication: WebhookAuthentication { get }
    /// The delivery id the tool sends (in a header, or in the body for Azure DevOps), stable across its retries; nil
    /// when it sends none (the body's digest stands in).
    func deliveryID(headers: [String: String], body: [UInt8]) -> String?
    func eventType(headers: [String: String], body: [UInt8]) -> String
    /// Decodes a verified delivery. Throws only for a body that is not what the tool sends.
    func parseWebhook(headers: [String: String], body: [UInt8]) throws(DevToolError) -> WebhookEvent
}
