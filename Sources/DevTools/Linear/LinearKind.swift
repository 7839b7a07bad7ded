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
            webhookTolerance: settings.values["webhook_tolerance"].flatMap(Double.init).map { .seconds($0) } ?? .seconds(60),
            clock: clock, http: RetryingHTTPClient(inner: transport, policy: policy, clock: clock))
    }
}
