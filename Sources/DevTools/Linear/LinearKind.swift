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
            .init("webhook_tolerance", "Linear: how far a delivery's webhookTimestamp may be from now, in seconds (default 60)", required: false),
        ]
    }
    public var defaultBaseURL: URL? { URL(string: "https://api.linear.app") }

    public func makeAdapter(_ settings: DevToolSettingValues, transport: any HTTPClient, policy: RetryPolicy, clock: any SyncClock) -> any DevTool {
        LinearAdapter(
            instance: settings.instance, baseURL: settings.baseURL, teamID: settings["team"], apiKey: settings.token,
            webhookTolerance: Self.tolerance(settings.values["webhook_tolerance"]),
            clock: clock, http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock))
    }

    /// `dev_tool.webhook_tolerance` in seconds: a finite number from 1 to a day; anything else keeps the 60 s default
    /// (`Duration.seconds` traps on a NaN or an out-of-range value).
    static func tolerance(_ text: String?) -> Duration {
        guard let seconds = text.flatMap(Double.init), seconds.isFinite, (1...86_400).contains(seconds) else { return .seconds(60) }
        return .seconds(seconds)
    }
}
