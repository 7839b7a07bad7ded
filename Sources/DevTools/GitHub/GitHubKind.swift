import Foundation
import OutboundHTTP
import Support

/// GitHub Issues in one repository (`owner`/`repository`); GitHub Enterprise through `dev_tool.base_url`.
public struct GitHubKind: DevToolKind {
    public init() {}
    public var name: String { "github" }
    public var settings: [DevToolSettingSpec] {
        [
            .init("owner", "GitHub: the repository's owner (user or organisation)"), .init("repository", "GitHub: the repository's name"),
            .init(
                "project_status_field",
                "GitHub: the Projects (v2) single-select field whose option is an open issue's status (e.g. Status); unset, boards are not read",
                required: false),
        ]
    }
    public var defaultBaseURL: URL? { URL(string: "https://api.github.com") }
    /// From the issue object every `issues` delivery and read carries: assignees, and the milestone (its title as the
    /// release, its due date); and from `pull_request` deliveries, the pull requests that will close it.
    public var signals: Set<DevSignal> { [.assignee, .release, .dueDate, .pullRequests] }

    public func makeAdapter(_ settings: DevToolSettingValues, transport: any HTTPClient, policy: RetryPolicy, clock: any SyncClock) -> any DevTool {
        GitHubAdapter(
            instance: settings.instance, baseURL: settings.baseURL, owner: settings["owner"], repository: settings["repository"],
            token: settings.token,
            projectStatusField: settings.values["project_status_field"], transport: transport, policy: policy, clock: clock)
    }
}
