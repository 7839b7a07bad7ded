import CraftAPI
import DevTools
import Foundation
import HTTPServer
import Store
import SyncEngine

/// Everything craft-sync can be told, with the defaults it runs on. Built by `ConfigurationLoader` from
/// defaults, then a YAML file, then environment variables, then command-line flags (each wins over the last).
public struct Configuration: Sendable {
    public var listen = ListenAddress(host: "0.0.0.0", port: 8080)
    /// An SQLite file's path, or a `postgres://` URL (`DatabaseLocation`).
    public var database = "./craft-sync.sqlite"
    /// PostgreSQL's password apart from the URL (so the URL may sit in a config file and the password in a secret).
    public var databasePassword: String?
    public var databaseLocation: DatabaseLocation { DatabaseLocation(database, password: databasePassword) }
    /// Processed and ignored events older than this are pruned; dead ones are kept for an operator.
    public var eventRetention: Duration = .seconds(30 * 86_400)
    public var log = LogSettings()
    public var http = HTTPSettings()
    public var craft = CraftSettings()
    public var devTool = DevToolSettings()
    public var admin = AdminSettings()
    public var ops = OperationsSettings()
    public var mapping = FieldMapping()
    public var outbound = OutboundSettings()
    public var intake = IntakeSchedule()
    public var notify = NotifySettings()
    /// What developers did besides the status, and the Craft.io field each goes to (`progress.fields`).
    public var signalFields: [DevSignal: String] = [:]
    /// Which Craft.io edits after the create go to the issue (`drift.policy`).
    public var drift = DriftPolicy.report
    /// Several workspaces, each with its own dev-tool target (YAML `workspaces:` list). Empty: the single
    /// `craft.workspace_id` with `dev_tool`.
    public var workspaces: [WorkspaceSettings] = []
    public var statusMapping = StatusMapping()
    public var progressGiveUpAfter: Duration = .seconds(24 * 3600)
    public var progressProcessingLease: Duration = .seconds(60)
    /// Issues processed side by side (one lane each), and at most this many of one tool's.
    public var progressLanes = 64
    public var progressLanesPerTool = 32
    /// How far ahead of our clock a tool's event time may be before it is taken as now (and called suspicious).
    public var progressMaxClockSkew: Duration = .seconds(300)
    public var reconcile = true
    /// How often reconciliation reads every linked issue instead of the tool's list of changes.
    public var reconcileFullPassInterval: Duration = .seconds(24 * 3600)
    /// How far before the newest change seen a reconciliation listing starts again (same-second changes, late indexing).
    public var reconcileOverlap: Duration = .seconds(300)
    /// The share of a dev-tool token's rate budget reconciliation leaves to creates and webhook follow-ups.
    public var reconcileBudgetReserve = 0.2
    /// The address the dev tools reach this craft-sync at (`https://sync.example.com`): webhooks are registered and
    /// checked at `<publicURL>/webhooks/<instance>`.
    public var publicURL: String?
    /// Create or update each dev tool's webhook at start (needs `publicURL`).
    public var registerWebhooksAtStart = false
    /// Ordered rules sending items to another dev-tool instance than their workspace's (YAML `routing:` list).
    public var routing: [RoutingRule] = []

    public struct IntakeSchedule: Sendable {
        public var interval: Duration = .seconds(3600)
        public var jitter: Duration = .seconds(120)
        public var concurrency = 4
        public var perMinuteCap: Int?
        public var perHourCap: Int?
        public var claimLease: Duration = .seconds(300)
        public var fullPollInterval: Duration = .seconds(24 * 3600)
        public var pollOverlap: Duration = .seconds(300)
        /// Whether a ready item's parents outside the ready status are created too.
        public var syncAncestors = false
        /// What becomes of a ready item Craft.io's own integration linked already.
        public var nativeLinks = IntakeSettings.NativeLinks.skip
    }

    /// Where operators are told of problems (`notify`), and how often at most.
    public struct NotifySettings: Sendable {
        /// A Slack (or Slack-compatible) incoming webhook URL: a credential, so a secret.
        public var slackURL: Secret?
        /// A JSON webhook, signed with `webhookSecret`.
        public var webhookURL: String?
        public var webhookSecret: Secret?
        public var minInterval: Duration = .seconds(300)
        public var checkInterval: Duration = .seconds(30)
        /// Craft.io or a dev tool failing every call this long is told.
        public var downAfter: Duration = .seconds(600)

        /// Whether any target is configured.
        public var isEnabled: Bool { slackURL != nil || webhookURL != nil }
    }

    /// How calls to Craft.io and the dev tool are timed out and retried.
    public struct OutboundSettings: Sendable {
        public var requestTimeout: Duration = .seconds(30)
        public var retryAttempts = 5
        public var retryBaseDelay: Duration = .milliseconds(500)
        public var retryMaxDelay: Duration = .seconds(30)
    }

    public init() {}

    public struct LogSettings: Sendable {
        public enum Format: String, Sendable, CaseIterable { case json, text }
        public var level = "info"
        public var format = Format.json
    }

    public struct HTTPSettings: Sendable {
        public var limits = HTTPLimits()
        public var headerTimeout: Duration = .seconds(10)
        public var bodyTimeout: Duration = .seconds(30)
        public var idleTimeout: Duration = .seconds(5)
        public var sendTimeout: Duration = .seconds(30)
        public var ioBackend = IOBackend.platformDefault
        public var shutdownDeadline: Duration = .seconds(10)
        public var maxConnections = 1024
    }

    public struct CraftSettings: Sendable {
        public var apiKey: Secret?
        public var baseURL = "https://api.craft.io"
        public var workspaceID: String?
        public var dialect = CraftDialect.guide
        public var readyStatus = "Ready for Development"
        public var progressField = "dev_status"
        public var linkField: String?
        /// A field on parent items that gets "done/total" of their synced children; nil for none.
        public var rollUpField: String?
        public var rollUpDoneValues: [String] = ["Done"]
    }

    /// The dev tool of a workspace: the settings every tool has, and the tool's own (`values`), whose keys its
    /// `DevToolKind` declares. Nothing here names a tool.
    public struct DevToolSettings: Sendable {
        /// A `DevToolKinds` name (`github`).
        public var kind: String?
        public var instance: String?
        public var baseURL: String?
        public var token: Secret?
        public var webhookSecret: Secret?
        public var previousWebhookSecret: Secret?
        public var ownAccount: String?
        /// The tool's own settings by key (`owner`, `project`, ...).
        public var values: [String: String] = [:]

        /// The name webhooks and mappings know this instance by (`/webhooks/<name>`).
        public var instanceName: String { instance ?? kind ?? "dev-tool" }

        /// The settings in which `other` names a different target (where issues go, how webhooks are checked).
        func differences(from other: DevToolSettings) -> [String] {
            let pairs: [(String, Bool)] = [
                ("kind", kind == other.kind), ("base_url", baseURL == other.baseURL), ("token", token == other.token),
                ("webhook_secret", webhookSecret == other.webhookSecret),
                ("previous_webhook_secret", previousWebhookSecret == other.previousWebhookSecret),
                ("own_account", ownAccount == other.ownAccount),
            ]
            let keys = Set(values.keys).union(other.values.keys).sorted()
            return pairs.filter { !$0.1 }.map(\.0) + keys.filter { values[$0] != other.values[$0] }
        }

        func missingSettings(prefix: String) -> [String] {
            var missing: [String] = []
            if token == nil { missing.append(prefix + "token") }
            // Without it every webhook is refused with 401, and no progress reaches Craft.io.
            if webhookSecret == nil { missing.append(prefix + "webhook_secret") }
            guard let kind else { return [prefix + "kind"] + missing }
            guard let tool = DevToolKinds.named(kind) else {
                let supported = DevToolKinds.all.map(\.name).joined(separator: ", ")
                return [prefix + "kind (\(kind) has no adapter yet; use \(supported))"] + missing
            }
            if tool.defaultBaseURL == nil && baseURL == nil { missing.append(prefix + "base_url") }
            return missing + tool.missing(in: values).map { prefix + $0 }
        }

        /// What the adapter is built from; nil while a setting it needs is missing.
        var adapterSettings: DevToolSettingValues? {
            guard let kind, let tool = DevToolKinds.named(kind), let token else { return nil }
            guard let base = baseURL.flatMap(URL.init(string:)) ?? tool.defaultBaseURL else { return nil }
            return DevToolSettingValues(instance: instanceName, baseURL: base, token: token.revealed, values: values)
        }
    }

    public struct AdminSettings: Sendable {
        public var token: Secret?
        /// How wrong admin tokens are throttled (not a setting: the defaults are the policy; tests lengthen the locks
        /// so that a busy machine cannot outlast one between two requests).
        var signInPolicy = SignInThrottle.Policy()
    }

    /// How monitoring reaches `/readyz` and `/metrics`.
    public struct OperationsSettings: Sendable {
        public var token: Secret?
        /// A separate (private) address for `/healthz`, `/readyz` and `/metrics`; the main listener then serves only
        /// `/healthz` of them.
        public var listen: ListenAddress?
    }

    public struct WorkspaceSettings: Sendable {
        public var id: String
        public var readyStatus: String?
        public var devTool: DevToolSettings

        public init(id: String, readyStatus: String? = nil, devTool: DevToolSettings) {
            self.id = id
            self.readyStatus = readyStatus
            self.devTool = devTool
        }
    }

    /// Workspaces that name the same dev-tool instance share its adapter and its webhook route, so they must agree on
    /// every setting of it: otherwise the second one's items would go to the first one's repository, and one
    /// webhook secret would overwrite the other. Nil when consistent; otherwise what to change.
    public var conflictingInstances: String? {
        var first: [String: (index: Int, settings: DevToolSettings)] = [:]
        for (index, workspace) in syncTargets.enumerated() {
            let name = workspace.devTool.instanceName
            guard let earlier = first[name] else {
                first[name] = (index, workspace.devTool)
                continue
            }
            let differing = workspace.devTool.differences(from: earlier.settings)
            if !differing.isEmpty {
                return "workspaces[\(index)] and workspaces[\(earlier.index)] both use dev-tool instance '\(name)' but differ in "
                    + differing.joined(separator: ", ") + "; give one of them its own dev_tool.instance name"
            }
        }
        return nil
    }

    /// Why `progress.fields` cannot be honoured: a signal no configured tool reads, with what each reads; nil when all
    /// are read by at least one (a workspace whose tool lacks one leaves that field alone).
    public var unreadSignals: String? {
        let tools = workspaces.isEmpty ? [devTool] : workspaces.map(\.devTool)
        let kinds = Set(tools.compactMap(\.kind)).sorted().compactMap(DevToolKinds.named)
        guard !signalFields.isEmpty, !kinds.isEmpty else { return nil }
        let read = kinds.reduce(into: Set<DevSignal>()) { $0.formUnion($1.signals) }
        let unread = signalFields.keys.filter { !read.contains($0) }.sorted()
        guard !unread.isEmpty else { return nil }
        let offered = kinds.map { "\($0.name): \($0.signals.isEmpty ? "none" : $0.signals.sorted().map(\.rawValue).joined(separator: ", "))" }
        return "progress.fields names \(unread.map(\.rawValue).joined(separator: ", ")), which no configured tool reads (\(offered.joined(separator: "; ")))"
    }

    /// The workspaces to sync and where each one's items go.
    public var syncTargets: [WorkspaceSettings] {
        guard workspaces.isEmpty else { return workspaces }
        guard let id = craft.workspaceID else { return [] }
        return [WorkspaceSettings(id: id, devTool: devTool)]
    }

    /// Settings a working sync needs but that are not set. The server still starts without them and
    /// `/readyz` reports them, so an operator can bring it up first and configure it second.
    public var missingSettings: [String] {
        var missing: [String] = []
        if craft.apiKey == nil { missing.append("craft.api_key") }
        if workspaces.isEmpty {
            if craft.workspaceID == nil { missing.append("craft.workspace_id") }
            missing += devTool.missingSettings(prefix: "dev_tool.")
        } else {
            for (index, workspace) in workspaces.enumerated() {
                missing += workspace.devTool.missingSettings(prefix: "workspaces[\(index)].dev_tool.")
            }
        }
        return missing
    }

    public var serverConfiguration: HTTPServerConfiguration {
        var server = HTTPServerConfiguration(host: listen.host, port: listen.port)
        server.limits = http.limits
        server.headerTimeout = http.headerTimeout
        server.bodyTimeout = http.bodyTimeout
        server.idleTimeout = http.idleTimeout
        server.sendTimeout = http.sendTimeout
        server.ioBackend = http.ioBackend
        server.shutdownDeadline = http.shutdownDeadline
        server.maxConnections = http.maxConnections
        return server
    }
}

/// `HOST:PORT`, with IPv6 hosts in brackets (`[::1]:8080`).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init?(parsing text: String) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty, let port = Int(portPart), (0...65535).contains(port) else { return nil }
        self.init(host: String(hostPart), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
