import Foundation
import OutboundHTTP
import Support

/// GitLab issues in one project, on GitLab.com or a self-managed instance (`dev_tool.base_url`, its root URL).
public struct GitLabKind: DevToolKind {
    public init() {}
    public var name: String { "gitlab" }
    public var settings: [DevToolSettingSpec] { [.init("project", "GitLab: the project's id or group/path")] }
    public var defaultBaseURL: URL? { URL(string: "https://gitlab.com") }
    /// From the issue object deliveries and reads carry: assignees, the due date and the weight (GitLab Premium).
    public var signals: Set<DevSignal> { [.assignee, .points, .dueDate] }

    public func makeAdapter(_ settings: DevToolSettingValues, transport: any HTTPClient, policy: RetryPolicy, clock: any SyncClock) -> any DevTool {
        GitLabAdapter(
            instance: settings.instance, baseURL: settings.baseURL, project: settings["project"], token: settings.token,
            http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock))
    }
}
