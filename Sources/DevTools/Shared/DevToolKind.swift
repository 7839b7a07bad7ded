import Foundation
import OutboundHTTP
import Support

/// One development tool as configuration sees it: the settings it reads under `dev_tool`, and how its adapter is
/// built from them. Each tool's kind lives in its folder; `DevToolKinds.all` lists them. Nothing above `DevTools`
/// names a tool.
public protocol DevToolKind: Sendable {
    /// The `dev_tool.kind` value (`github`).
    var name: String { get }
    /// The settings of this tool besides the common ones (`kind`, `instance`, `base_url`, `token`, the webhook
    /// secrets, `own_account`).
    var settings: [DevToolSettingSpec] { get }
    /// The API base URL when `dev_tool.base_url` is not set; nil when it must be (a Jira site).
    var defaultBaseURL: URL? { get }
    /// What its adapter reads besides the status, from deliveries and reads (`progress.fields` may name these).
    var signals: Set<DevSignal> { get }
    /// The adapter for these settings, calling out through `transport` with the project's retries (`policy`, `clock`).
    func makeAdapter(_ settings: DevToolSettingValues, transport: any HTTPClient, policy: RetryPolicy, clock: any SyncClock) -> any DevTool
}

/// A tool-specific setting: `dev_tool.<key>`.
public struct DevToolSettingSpec: Sendable {
    public var key: String
    /// What it is, for `--help`, errors and the README table (`GitHub: the repository's name`).
    public var help: String
    public var required: Bool
    /// Why a value is refused (what was expected), or nil when it is good; the configuration stops on a refusal.
    public var refusal: @Sendable (String) -> String?

    public init(_ key: String, _ help: String, required: Bool = true, refusal: @escaping @Sendable (String) -> String? = { _ in nil }) {
        self.key = key
        self.help = help
        self.required = required
        self.refusal = refusal
    }
}

/// The settings an adapter is built from, checked to be complete before (`DevToolKind.missing`).
public struct DevToolSettingValues: Sendable {
    public var instance: String
    public var baseURL: URL
    public var token: String
    /// The tool-specific values by key.
    public var values: [String: String]

    public init(instance: String, baseURL: URL, token: String, values: [String: String]) {
        self.instance = instance
        self.baseURL = baseURL
        self.token = token
        self.values = values
    }

    public subscript(key: String) -> String { values[key] ?? "" }
}

extension DevToolKind {
    public var signals: Set<DevSignal> { [] }

    /// The tool-specific settings that are required and absent.
    public func missing(in values: [String: String]) -> [String] {
        settings.filter { $0.required && values[$0.key] == nil }.map(\.key)
    }
}

/// The registry: every dev tool craft-sync supports. Adding a tool is one line here.
public enum DevToolKinds {
    public static let all: [any DevToolKind] = [GitHubKind(), JiraKind(), GitLabKind(), LinearKind(), AzureDevOpsKind()]

    public static func named(_ name: String) -> (any DevToolKind)? { all.first { $0.name == name } }
}
