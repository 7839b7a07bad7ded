import Foundation
import OutboundHTTP
import Support

/// Linear issues in one team, over Linear's GraphQL API (`https://api.linear.app/graphql`).
public struct LinearKind: DevToolKind {
    public init() {}
    public var name: String { "linear" }
    public var settings: [DevToolSettingSpec] {
        [
            .init("team", "Linear: the team's id (UUID) the issues are created in"),
            .init(
                "webhook_tolerance", "Linear: how far a delivery's webhookTimestamp may be from now, in seconds (default 60)", required: false,
                refusal: { Self.seconds($0) == nil ? "a number of seconds from 1 to 86400" : nil }),
        ]
    }
    public var defaultBaseURL: URL? { URL(string: "https://api.linear.app") }
    /// From deliveries' `data`: the assignee, the cycle, the estimate and the due date.
    public var signals: Set<DevSignal> { [.assignee, .sprint, .points, .dueDate] }

    public func makeAdapter(_ settings: DevToolSettingValues, transport: any HTTPClient, policy: RetryPolicy, clock: any SyncClock) -> any DevTool {
        LinearAdapter(
            instance: settings.instance, baseURL: settings.baseURL, teamID: settings["team"], apiKey: settings.token,
            webhookTolerance: Self.tolerance(settings.values["webhook_tolerance"]),
            clock: clock, http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock))
    }

    /// `dev_tool.webhook_tolerance`: 60 s unless set (the setting refuses anything `seconds` does not accept).
    static func tolerance(_ text: String?) -> Duration {
        text.flatMap(seconds) ?? .seconds(60)
    }

    /// A finite number of seconds from 1 to a day, or nil (`Duration.seconds` traps on a NaN or an out-of-range value).
    static func seconds(_ text: String) -> Duration? {
        guard let seconds = Double(text), seconds.isFinite, (1...86_400).contains(seconds) else { return nil }
        return .seconds(seconds)
    }
}
