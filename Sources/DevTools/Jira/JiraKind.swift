import Foundation
import OutboundHTTP
import Support

/// Jira Cloud issues in one project; `dev_tool.base_url` is the site (`https://acme.atlassian.net`).
public struct JiraKind: DevToolKind {
    public init() {}
    public var name: String { "jira" }
    public var settings: [DevToolSettingSpec] {
        [
            .init("email", "Jira: the account's email (Basic auth with the API token)"),
            .init("project", "Jira: the project key issues are created in"),
            .init("issue_type", "Jira: issue type when the mapping gives none (default Task)", required: false),
            .init("sprint_field", "Jira: the Sprint custom field's id, for progress.fields sprint (default customfield_10020, Jira Cloud's)", required: false),
            .init("points_field", "Jira: the estimate's custom field id, for progress.fields points (default customfield_10016, Story point estimate)", required: false),
        ]
    }
    public var signals: Set<DevSignal> { [.assignee, .sprint, .points, .release, .dueDate] }
    /// Every Jira site has its own address.
    public var defaultBaseURL: URL? { nil }

    public func makeAdapter(_ settings: DevToolSettingValues, transport: any HTTPClient, policy: RetryPolicy, clock: any SyncClock) -> any DevTool {
        JiraAdapter(
            instance: settings.instance, siteURL: settings.baseURL, projectKey: settings["project"],
            defaultIssueType: settings.values["issue_type"] ?? "Task", email: settings["email"], apiToken: settings.token,
            sprintField: settings.values["sprint_field"] ?? "customfield_10020", pointsField: settings.values["points_field"] ?? "customfield_10016",
            http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock))
    }
}
