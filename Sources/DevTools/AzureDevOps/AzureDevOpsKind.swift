import Foundation
import OutboundHTTP
import Support

/// Azure DevOps Boards work items in one project; `dev_tool.base_url` is the organization
/// (`https://dev.azure.com/acme`, or a Server collection URL).
public struct AzureDevOpsKind: DevToolKind {
    public init() {}
    public var name: String { "azure-devops" }
    public var settings: [DevToolSettingSpec] {
        [
            .init("project", "Azure DevOps: the project's name"),
            .init("issue_type", "Azure DevOps: work item type when the mapping gives none (default Task)", required: false),
        ]
    }
    /// Every organization has its own address.
    public var defaultBaseURL: URL? { nil }
    /// From the work item's fields in deliveries: assigned to, the iteration, story points and the due date.
    public var signals: Set<DevSignal> { [.assignee, .sprint, .points, .dueDate] }

    public func makeAdapter(_ settings: DevToolSettingValues, transport: any HTTPClient, policy: RetryPolicy, clock: any SyncClock) -> any DevTool {
        AzureDevOpsAdapter(
            instance: settings.instance, organizationURL: settings.baseURL, project: settings["project"],
            defaultWorkItemType: settings.values["issue_type"] ?? "Task", token: settings.token,
            http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock))
    }
}
