import Foundation

/// What the sync engine needs from any development tool: create by marker, find by marker, read an issue, verify
/// and parse a webhook. One adapter per tool folder (GitHub/, Jira/, GitLab/, Linear/, AzureDevOps/), registered by its `DevToolKind`.
public protocol DevTool: WebhookSource {
    /// `github`, `jira`, ...
    var kind: String { get }
    /// The configured instance name, so several instances of one tool can coexist.
    var instance: String { get }

    /// The marker we put in an issue created for `craftItemID`, to find it again after a crash.
    func marker(for craftItemID: String) -> String
    func create(_ issue: NewIssue) async throws(DevToolError) -> DevIssue
    /// The issue carrying `marker`, if one exists (asked before retrying a create whose outcome is unknown).
    func find(marker: String) async throws(DevToolError) -> DevIssue?
    /// Whether `find(marker:)` sees an issue the moment it is created. GitHub's list endpoint does; Jira's search
    /// index lags by seconds to minutes, so right after a create of unknown outcome a miss proves nothing.
    var findsNewIssuesImmediately: Bool { get }
    /// The issue as it is now (reconciliation).
    func issue(_ reference: DevIssueReference) async throws(DevToolError) -> DevIssue
    /// The issue a `.needsRead` webhook event points at, as it is now; nil when it is no issue of this tool's (the
    /// default: adapters whose events say everything never send one).
    func issue(referencedBy reference: String) async throws(DevToolError) -> DevIssue?
    /// The keys of the issues a `.linked` event's `reference` (a GitHub pull request) is linked to beyond what its
    /// payload names; empty by default.
    func issueKeys(linkedTo reference: String) async throws(DevToolError) -> [String]
    /// Whether the delivery carries one of `secrets` (two during a rotation): for a `.bodySignature` tool, checked
    /// over the payload bytes; for a `.secretInHeader` tool, from the headers alone (`body` is not looked at).
    func verifyWebhook(headers: [String: String], body: [UInt8], secrets: [String]) -> Bool

    /// What the tool's issues can hold besides labels.
    var capabilities: DevToolCapabilities { get }
    /// Prefixes (lowercased) of the webhook request headers worth keeping with a stored delivery (never credentials):
    /// the ones `parseWebhook`, `deliveryID` and `eventType` read.
    var webhookHeadersKept: [String] { get }
    /// How the tool's own statuses map to Craft values when the configuration says nothing: status name (or
    /// `name:detail`) to value. Merged under the configured `progress.status_map`.
    var defaultStatusNames: [String: String] { get }
    /// How status categories (`DevIssueStatus.detail` where the tool has categories: Jira's status category, Linear's
    /// state type) map when neither a name nor `progress.category_map` says. Merged under `progress.category_map`.
    var defaultStatusCategories: [String: String] { get }
    /// The status names of an open issue, to which label rules (`progress.label_status_map`) apply: a closed issue
    /// is done whatever its labels. None by default (label rules are for tools that report labels with the state).
    var openStatusNames: Set<String> { get }
    /// Whether a created issue carries `marker` (see the default: a label).
    func carries(marker: String, _ issue: DevIssue) -> Bool
    /// Whether a read whose status is `read` ends `lastApplied` (a `DevIssueStatus.described`), a state whose end
    /// the tool gives no time for: reconciliation then applies the read although its time is older than that state's
    /// (a GitHub card taken off its board). False by default.
    func readEndsUntimedState(_ lastApplied: String, read: DevIssueStatus) -> Bool
    /// Folds what the adapter remembers of an issue between deliveries (`note`, kept on the mapping for the adapter
    /// alone; nil for nothing) into a status it reports, and says what to remember next. GitHub holds an open issue in
    /// review while a pull request that will close it is open, which only pull-request events tell. By default the
    /// status as reported, and the note as it was.
    func holding(_ status: DevIssueStatus, note: String?) -> (status: DevIssueStatus, note: String?)
    /// Checks of what this tool's options need beyond reading the project (`doctor`); none by default.
    func setupChecks() async -> [DevToolCheck]
    /// Why a created issue would lack its marker, and what to do, in the tool's terms (for the message that stops intake).
    var markerLossHint: String { get }
    /// How to create and inspect the tool's webhook; nil when the adapter cannot (the operator sets it up by hand).
    var webhookRegistration: (any WebhookRegistering)? { get }
    /// How to list the issues changed since a time; nil when the adapter cannot (reconciliation reads each issue).
    var changeListing: (any ChangeListing)? { get }
    /// How to put an issue under another (the Craft item's parent); nil when the adapter cannot (doctor says so).
    var parentLinking: (any ParentLinking)? { get }
    /// The tool's name in Craft.io's `devToolKey` (its own integration's links: `jira`, `github`, `gitlab`, `ado`);
    /// the kind by default.
    var craftIntegrationName: String { get }
    /// How to read and change an issue's title, description and labels after its create (`drift.policy: push`); nil
    /// when the adapter cannot (drift is then reported only).
    var issueEditing: (any IssueEditing)? { get }
    /// The issue `text` names as people write it in this tool (a key, `#12`, the issue's address); nil when it names
    /// no issue of this instance's project. Read with `issue(_:)` (see `lookUp`).
    func reference(naming text: String) -> DevIssueReference?
    /// The issue `text` names, as it is now; nil when it names none of this instance's (see the default in
    /// ExistingIssues.swift; an adapter refuses what its tool would answer but is no issue, such as a pull request).
    func lookUp(_ text: String) async throws(DevToolError) -> DevIssue?
    /// Puts `marker` on an issue created elsewhere (one linked by hand); false when the tool's marker is nothing that
    /// can be added (Linear's is the issue's id). The default adds nothing.
    func addMarker(_ marker: String, to issue: DevIssue) async throws(DevToolError) -> Bool
    /// Takes `marker` off an issue (an unlink that asks for it); false when there is none to take off. The default
    /// takes nothing off.
    func removeMarker(_ marker: String, from issue: DevIssue) async throws(DevToolError) -> Bool
}

extension DevTool {
    public var webhookRegistration: (any WebhookRegistering)? { nil }
    public var changeListing: (any ChangeListing)? { nil }
    public var parentLinking: (any ParentLinking)? { nil }
    public var issueEditing: (any IssueEditing)? { nil }
    public var craftIntegrationName: String { kind }
    public func issue(referencedBy reference: String) async throws(DevToolError) -> DevIssue? { nil }
    public func setupChecks() async -> [DevToolCheck] { [] }
    public func readEndsUntimedState(_ lastApplied: String, read: DevIssueStatus) -> Bool { false }
    public func holding(_ status: DevIssueStatus, note: String?) -> (status: DevIssueStatus, note: String?) { (status, note) }
    public func issueKeys(linkedTo reference: String) async throws(DevToolError) -> [String] { [] }
    public func addMarker(_ marker: String, to issue: DevIssue) async throws(DevToolError) -> Bool { false }
    public func removeMarker(_ marker: String, from issue: DevIssue) async throws(DevToolError) -> Bool { false }

    public var defaultStatusCategories: [String: String] { [:] }
    public var openStatusNames: Set<String> { [] }

    /// Whether a created issue carries its marker, so `find(marker:)` can find it again: a label by default (a tool
    /// may drop labels the token may not set); an adapter whose marker is the issue's id says so itself.
    public func carries(marker: String, _ issue: DevIssue) -> Bool { issue.labels.contains(marker) }

    public var markerLossHint: String { "the token most likely may not set labels on new issues: give it that right, then restart craft-sync" }
}

/// What an adapter's tool offers, so the engine asks instead of testing the tool's name.
public struct DevToolCapabilities: Sendable, Equatable {
    /// An issue type exists as a field; without it, the mapped type becomes a label.
    public var issueTypeField: Bool
    /// A priority exists as a field; without it, the mapped priority becomes a label.
    public var priorityField: Bool

    public init(issueTypeField: Bool, priorityField: Bool) {
        self.issueTypeField = issueTypeField
        self.priorityField = priorityField
    }

    /// Both, or neither.
    public init(issueTypeAndPriorityFields: Bool) {
        self.init(issueTypeField: issueTypeAndPriorityFields, priorityField: issueTypeAndPriorityFields)
    }
}

/// An issue to create, already mapped from the Craft item by the field mapping.
public struct NewIssue: Sendable, Equatable {
    public var title: String
    /// Plain text with simple lists and links; each adapter renders it in its tool's format.
    public var description: String
    public var labels: [String]
    public var issueType: String?
    public var priority: String?
    /// The marker (from `marker(for:)`); adapters add it as a label.
    public var marker: String
    /// The Craft.io item's address, for tools that link back natively (an Azure DevOps hyperlink relation); the
    /// description carries it too.
    public var sourceURL: String?

    public init(
        title: String, description: String, labels: [String] = [], issueType: String? = nil, priority: String? = nil, marker: String,
        sourceURL: String? = nil
    ) {
        self.title = title
        self.description = description
        self.labels = labels
        self.issueType = issueType
        self.priority = priority
        self.marker = marker
        self.sourceURL = sourceURL
    }
}

/// How to address an issue: its stable id, and its key where the tool's API needs that.
public struct DevIssueReference: Sendable, Equatable {
    public var id: String
    public var key: String
    public init(id: String, key: String) {
        self.id = id
        self.key = key
    }
}

/// An issue in the tool.
public struct DevIssue: Sendable, Equatable {
    /// Survives moves and renames (GitHub `id`, Jira `id`).
    public var id: String
    /// What people say (`#42`, `ACME-12`); may change.
    public var key: String
    public var url: String
    public var status: DevIssueStatus
    public var labels: [String]
    /// When the tool last changed the issue, by the tool's own clock (GitHub `updated_at`, Jira `fields.updated`):
    /// what orders a read against webhooks, which carry the same clock's times.
    public var updatedAt: Date?
    /// Another id some deliveries name the issue by (GitHub's GraphQL node id, all a `projects_v2_item` gives).
    public var alternateID: String?
    /// What else the read says (assignee, sprint, ...), where the adapter reads it.
    public var signals: DevSignals = [:]

    public init(
        id: String, key: String, url: String, status: DevIssueStatus, labels: [String] = [], updatedAt: Date? = nil, alternateID: String? = nil,
        signals: DevSignals = [:]
    ) {
        self.signals = signals
        self.id = id
        self.key = key
        self.url = url
        self.status = status
        self.labels = labels
        self.updatedAt = updatedAt
        self.alternateID = alternateID
    }

    /// `updatedAt` as a webhook event order (milliseconds since 1970), the unit `IssueChange.order` uses.
    public var order: Int64? { updatedAt?.eventOrder }
}

/// An issue's workflow state in the tool's own words.
public struct DevIssueStatus: Sendable, Equatable {
    /// GitHub `open`/`closed`; Jira the status name (`In Review`).
    public var name: String
    /// Jira's status category (`new`, `indeterminate`, `done`); GitHub's `state_reason` (`completed`, `not_planned`).
    public var detail: String?
    /// The issue's labels where the tool reports them with its state (GitHub), for label rules.
    public var labels: [String]

    public init(name: String, detail: String? = nil, labels: [String] = []) {
        self.name = name
        self.detail = detail
        self.labels = labels
    }

    /// The state alone: two reports of one state are equal whatever labels rode along.
    public static func == (lhs: DevIssueStatus, rhs: DevIssueStatus) -> Bool { lhs.name == rhs.name && lhs.detail == rhs.detail }

    /// `name:detail` (`open:assigned`, `closed:completed`), or the name: how the status mapping's keys read.
    public var described: String { detail.map { "\(name):\($0)" } ?? name }
}
