import DevTools
import Foundation
import Store
import SyncEngine

/// One configurable value: where it lives in the YAML file, its environment variable, and how it is parsed.
/// The list in `Setting.all` is the single source for the loader, the error messages and the README table.
public struct Setting: Sendable {
    /// Dotted path in the YAML file, e.g. `http.header_timeout`.
    public let key: String
    public let summary: String
    public let isSecret: Bool
    /// A table (`Feature: Story`): a YAML mapping in the file, `Feature=Story,Bug=Bug` in the environment.
    public let isTable: Bool
    let apply: @Sendable (inout Configuration, String) throws(SettingError) -> Void

    /// `CRAFT_SYNC_` and the key in upper case with `_` for `.`: `CRAFT_SYNC_HTTP_HEADER_TIMEOUT`.
    public var environmentVariable: String {
        "CRAFT_SYNC_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    init(
        _ key: String, _ summary: String, secret: Bool = false, table: Bool = false,
        apply: @escaping @Sendable (inout Configuration, String) throws(SettingError) -> Void
    ) {
        self.key = key
        self.summary = summary
        self.isSecret = secret
        self.isTable = table
        self.apply = apply
    }
}

/// Why a value was refused; the loader adds where it came from.
struct SettingError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension Setting {
    public static let all: [Setting] = common + devToolSettings

    /// `dev_tool.<key>` for every key a supported tool declares; a key two tools share (`project`) is one setting
    /// whose summary says what it means to each.
    static var devToolSettings: [Setting] {
        var order: [String] = []
        var summaries: [String: [String]] = [:]
        var refusals: [String: [@Sendable (String) -> String?]] = [:]
        for kind in DevToolKinds.all {
            for spec in kind.settings {
                if summaries[spec.key] == nil { order.append(spec.key) }
                summaries[spec.key, default: []].append(spec.help)
                refusals[spec.key, default: []].append(spec.refusal)
            }
        }
        return order.map { key in
            let checks = refusals[key, default: []]
            return Setting("dev_tool.\(key)", summaries[key, default: []].joined(separator: "; ")) { config, value throws(SettingError) in
                let value = try parseNonEmpty(value)
                if let refusal = checks.lazy.compactMap({ $0(value) }).first { throw SettingError(refusal) }
                config.devTool.values[key] = value
            }
        }
    }

    static let common: [Setting] = [
        Setting("listen", "Address to serve on, HOST:PORT (default 0.0.0.0:8080)") { config, value throws(SettingError) in
            guard let address = ListenAddress(parsing: value) else { throw SettingError("expected HOST:PORT, e.g. 0.0.0.0:8080 or [::1]:8080") }
            config.listen = address
        },
        Setting("database", "Path of the SQLite database file (default ./craft-sync.sqlite), or postgres://USER@HOST:PORT/DB for PostgreSQL shared by replicas") { config, value throws(SettingError) in
            guard !value.isEmpty else { throw SettingError("expected a file path or a postgres:// URL") }
            if case .postgres(let url, _) = DatabaseLocation(value), URLComponents(string: url) == nil {
                throw SettingError("expected a URL such as postgres://craft_sync@db.internal:5432/craft_sync")
            }
            config.database = value
        },
        Setting("database_password", "PostgreSQL password, kept out of the database URL", secret: true) { config, value throws(SettingError) in
            config.databasePassword = try parseNonEmpty(value)
        },
        Setting("log.level", "trace, debug, info, notice, warning, error or critical (default info)") { config, value throws(SettingError) in
            config.log.level = try parseLogLevel(value)
        },
        Setting("log.format", "json (one object per line, default) or text (for a terminal)") { config, value throws(SettingError) in
            config.log.format = try parseChoice(value)
        },
        Setting("http.header_timeout", "Time to receive a request head, e.g. 10s (default 10s)") { config, value throws(SettingError) in
            config.http.headerTimeout = try parseDuration(value)
        },
        Setting("http.body_timeout", "Time to receive a request body (default 30s)") { config, value throws(SettingError) in
            config.http.bodyTimeout = try parseDuration(value)
        },
        Setting("http.idle_timeout", "Idle time before a keep-alive connection is closed (default 5s)") { config, value throws(SettingError) in
            config.http.idleTimeout = try parseDuration(value)
        },
        Setting("http.send_timeout", "Time a response may wait for a client that stops reading (default 30s)") { config, value throws(SettingError) in
            config.http.sendTimeout = try parseDuration(value)
        },
        Setting("http.io_backend", "How sockets are watched: epoll (Linux default) or dispatch") { config, value throws(SettingError) in
            config.http.ioBackend = try parseChoice(value)
            #if !os(Linux)
            if config.http.ioBackend == .epoll { throw SettingError("epoll exists on Linux only; use dispatch") }
            #endif
        },
        Setting("http.shutdown_deadline", "Time in-flight requests get on SIGTERM (default 10s)") { config, value throws(SettingError) in
            config.http.shutdownDeadline = try parseDuration(value)
        },
        Setting("http.max_connections", "Connections served at once (default 1024)") { config, value throws(SettingError) in
            config.http.maxConnections = try parseInteger(value, in: 1...1_000_000)
        },
        Setting("http.max_request_line", "Longest request line in bytes (default 8KiB)") { config, value throws(SettingError) in
            config.http.limits.requestLine = try parseByteCount(value)
        },
        Setting("http.max_header_bytes", "Largest header section (default 64KiB)") { config, value throws(SettingError) in
            config.http.limits.headerSection = try parseByteCount(value)
        },
        Setting("http.max_header_fields", "Most header fields in a request (default 100)") { config, value throws(SettingError) in
            config.http.limits.headerFields = try parseInteger(value, in: 1...10_000)
        },
        Setting("http.max_body_bytes", "Largest request body (default 26MiB)") { config, value throws(SettingError) in
            config.http.limits.body = try parseByteCount(value)
        },
        Setting("http.max_decompressed_body_bytes", "Largest body after gzip decoding (default 26MiB)") { config, value throws(SettingError) in
            config.http.limits.decompressedBody = try parseByteCount(value)
        },
        Setting("events.retention", "How long processed and ignored webhook events are kept (default 30d); dead ones stay until replayed") { config, value throws(SettingError) in
            config.eventRetention = try parseDuration(value)
        },
        Setting("craft.api_key", "Craft.io API key", secret: true) { config, value throws(SettingError) in
            config.craft.apiKey = try parseSecret(value)
        },
        Setting("craft.base_url", "Craft.io API base URL (default https://api.craft.io; EU: https://api-eu.craft.io)") { config, value throws(SettingError) in
            config.craft.baseURL = try parseURL(value)
        },
        Setting("craft.workspace_id", "Craft.io workspace id") { config, value throws(SettingError) in
            config.craft.workspaceID = value
        },
        Setting("craft.dialect", "Which documented form of the Craft.io API to speak: guide (default) or openapi") { config, value throws(SettingError) in
            config.craft.dialect = try parseChoice(value)
        },
        Setting("craft.ready_status", "Status whose items are created in the dev tool (default Ready for Development)") { config, value throws(SettingError) in
            config.craft.readyStatus = try parseNonEmpty(value)
        },
        Setting("craft.progress_field", "Custom field that receives the dev status, by name or id (default dev_status)") { config, value throws(SettingError) in
            config.craft.progressField = try parseNonEmpty(value)
        },
        Setting("craft.rollup_field", "Custom field on parent items (epics) that gets how many of their synced children are done, e.g. '2/5 done' (unset: not written)") {
            config, value throws(SettingError) in
            config.craft.rollUpField = try parseNonEmpty(value)
        },
        Setting("craft.rollup_done_values", "Progress values a roll-up counts as done, comma-separated (default Done)") { config, value throws(SettingError) in
            let values = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !values.isEmpty else { throw SettingError("expected one or more progress values, e.g. Done, Won't Do") }
            config.craft.rollUpDoneValues = values
        },
        Setting("craft.link_field", "Custom field that receives the dev issue's key and URL (unset: not written)") { config, value throws(SettingError) in
            config.craft.linkField = try parseNonEmpty(value)
        },
        Setting("dev_tool.kind", "\(DevToolKinds.all.map(\.name).joined(separator: ", "))") { config, value throws(SettingError) in
            let name = value.trimmingCharacters(in: .whitespaces)
            guard DevToolKinds.named(name) != nil else {
                throw SettingError("expected one of \(DevToolKinds.all.map(\.name).joined(separator: ", "))")
            }
            config.devTool.kind = name
        },
        Setting("dev_tool.instance", "Name of this dev tool instance (default: the kind)") { config, value throws(SettingError) in
            config.devTool.instance = try parseNonEmpty(value)
        },
        Setting("dev_tool.base_url", "Dev tool API base URL (GitHub Enterprise, Jira site, self-managed GitLab, Azure DevOps organization)") { config, value throws(SettingError) in
            config.devTool.baseURL = try parseURL(value)
        },
        Setting("dev_tool.token", "Dev tool API token", secret: true) { config, value throws(SettingError) in
            config.devTool.token = try parseSecret(value)
        },
        Setting("dev_tool.webhook_secret", "Secret the dev tool signs webhooks with", secret: true) { config, value throws(SettingError) in
            config.devTool.webhookSecret = try parseSecret(value)
        },
        Setting("intake.interval", "How often Craft.io is polled for ready items (default 60m)") { config, value throws(SettingError) in
            config.intake.interval = try parseDuration(value)
        },
        Setting("intake.jitter", "Random offset, up to this much either way, added to each interval (default 2m)") { config, value throws(SettingError) in
            config.intake.jitter = try parseDuration(value)
        },
        Setting("intake.concurrency", "Creates in flight at once (default 4)") { config, value throws(SettingError) in
            config.intake.concurrency = try parseInteger(value, in: 1...64)
        },
        Setting("intake.per_minute_cap", "Most creates per minute (unset: no cap; GitHub allows about 80)") { config, value throws(SettingError) in
            config.intake.perMinuteCap = try parseInteger(value, in: 1...10_000)
        },
        Setting("intake.per_hour_cap", "Most creates per hour (unset: no cap; GitHub allows 500 content-creating requests an hour)") {
            config, value throws(SettingError) in
            config.intake.perHourCap = try parseInteger(value, in: 1...1_000_000)
        },
        Setting("intake.full_poll_interval", "Where Craft.io filters by update time (the openapi form), polls list only changed items; a full listing runs this often anyway (default 24h)") {
            config, value throws(SettingError) in
            config.intake.fullPollInterval = try parseDuration(value)
        },
        Setting("intake.poll_overlap", "How far before the newest Craft.io update already seen an incremental poll starts (default 5m)") {
            config, value throws(SettingError) in
            config.intake.pollOverlap = try parseDuration(value)
        },
        Setting("intake.sync_ancestors", "Also create a ready item's parents that are not ready (an epic still in refinement), so the hierarchy in the tool is whole: true or false (default false)") {
            config, value throws(SettingError) in
            config.intake.syncAncestors = try parseBool(value)
        },
        Setting(
            "intake.native_links",
            "A ready item Craft.io's own integration linked already (devToolKey): skip leaves it alone, adopt links it to the issue its key names in a configured tool (default skip)"
        ) { config, value throws(SettingError) in
            config.intake.nativeLinks = try parseChoice(value)
        },
        Setting("intake.claim_lease", "After this long an unfinished create is taken to be abandoned and recovered (default 5m)") { config, value throws(SettingError) in
            config.intake.claimLease = try parseDuration(value)
        },
        Setting("notify.slack_url", "A Slack (or Slack-compatible) incoming webhook URL that is told of dead letters, failed items, stopped intake, an unusable Craft.io key and outages, summarised", secret: true) {
            config, value throws(SettingError) in
            config.notify.slackURL = Secret(try parseURL(value))
        },
        Setting("notify.webhook_url", "A URL that is sent the same alerts as JSON, signed with notify.webhook_secret (X-Craft-Sync-Signature-256)") {
            config, value throws(SettingError) in
            config.notify.webhookURL = try parseURL(value)
        },
        Setting("notify.webhook_secret", "The HMAC-SHA256 key notify.webhook_url's deliveries are signed with", secret: true) { config, value throws(SettingError) in
            config.notify.webhookSecret = try parseSecret(value)
        },
        Setting("notify.min_interval", "The least time between two messages to one target; what comes meanwhile is summarised in the next (default 5m)") {
            config, value throws(SettingError) in
            config.notify.minInterval = try parseDuration(value)
        },
        Setting("notify.check_interval", "How often craft-sync looks for something to tell (default 30s)") { config, value throws(SettingError) in
            config.notify.checkInterval = try parseDuration(value)
        },
        Setting("notify.down_after", "Craft.io or a dev tool failing every call this long is told, and again when it answers (default 10m)") {
            config, value throws(SettingError) in
            config.notify.downAfter = try parseDuration(value)
        },
        Setting("outbound.request_timeout", "Timeout of one call to Craft.io or the dev tool (default 30s)") { config, value throws(SettingError) in
            config.outbound.requestTimeout = try parseDuration(value)
        },
        Setting("outbound.retry_attempts", "Attempts per call before giving up (default 5)") { config, value throws(SettingError) in
            config.outbound.retryAttempts = try parseInteger(value, in: 1...100)
        },
        Setting("outbound.retry_base_delay", "First backoff ceiling; doubles per retry, full jitter (default 500ms)") { config, value throws(SettingError) in
            config.outbound.retryBaseDelay = try parseDuration(value)
        },
        Setting("outbound.retry_max_delay", "Largest backoff ceiling (default 30s)") { config, value throws(SettingError) in
            config.outbound.retryMaxDelay = try parseDuration(value)
        },
        Setting("mapping.title_template", "Issue title; {title}, {shortId} and {id} are replaced (default {title})") { config, value throws(SettingError) in
            config.mapping.titleTemplate = try parseNonEmpty(value)
        },
        Setting("mapping.link_back", "Append a link to the Craft item to the description: true or false (default true)") { config, value throws(SettingError) in
            config.mapping.linkBack = try parseBool(value)
        },
        Setting("mapping.types", "Craft type to issue type table, e.g. Feature=Story,Bug=Bug", table: true) { config, value throws(SettingError) in
            config.mapping.types = try parseTable(value)
        },
        Setting("mapping.type_target", "Where the type goes: field (Jira issue type) or label (default field)") { config, value throws(SettingError) in
            config.mapping.typeTarget = try parseChoice(value)
        },
        Setting("mapping.importance", "Craft importance to priority table, e.g. High=High,Low=Low", table: true) { config, value throws(SettingError) in
            config.mapping.importance = try parseTable(value)
        },
        Setting("mapping.importance_target", "Where the importance goes: field (Jira priority) or label (default field)") { config, value throws(SettingError) in
            config.mapping.importanceTarget = try parseChoice(value)
        },
        Setting("mapping.labels", "Labels added to every issue, comma-separated (default craft)") { config, value throws(SettingError) in
            config.mapping.labels = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        },
        Setting("mapping.copy_craft_labels", "Copy the item's Craft labels: true or false (default true)") { config, value throws(SettingError) in
            config.mapping.copyCraftLabels = try parseBool(value)
        },
        Setting("dev_tool.webhook_secret_previous", "The secret before a rotation, accepted until removed", secret: true) { config, value throws(SettingError) in
            config.devTool.previousWebhookSecret = try parseSecret(value)
        },
        Setting("dev_tool.own_account", "Our own account in the dev tool (GitHub login, Jira accountId): its events are echoes and ignored") { config, value throws(SettingError) in
            config.devTool.ownAccount = try parseNonEmpty(value)
        },
        Setting("progress.label_status_map", "Labels of an open issue to Craft values, first match in the order written wins over its status, e.g. status: blocked=Blocked", table: true) {
            config, value throws(SettingError) in
            config.statusMapping.byLabel = try parsePairs(value).map { StatusMapping.LabelRule(label: $0.0, value: $0.1) }
        },
        Setting("progress.status_map", "Dev status (or status:reason) to Craft value, e.g. open=To Do,closed:not_planned=Won't Do", table: true) { config, value throws(SettingError) in
            config.statusMapping.byName.merge(try parseTable(value)) { $1 }
        },
        Setting("progress.category_map", "Status category (Jira status category, Linear state type) to Craft value; each tool brings defaults (Jira new=To Do,indeterminate=In Progress,done=Done)", table: true) { config, value throws(SettingError) in
            config.statusMapping.byCategory.merge(try parseTable(value)) { $1 }
        },
        Setting(
            "progress.fields",
            "Craft.io fields for what developers did besides the status, e.g. assignee=Developer,sprint=Sprint,points=Estimate,release=Release,due_date=Due,pull_requests=PRs (each tool says which it reads)",
            table: true
        ) { config, value throws(SettingError) in
            var fields: [DevSignal: String] = [:]
            for (name, field) in try parseTable(value) {
                guard let signal = DevSignal(rawValue: name) else {
                    throw SettingError("'\(name)' is no signal craft-sync reads; known: \(DevSignal.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                fields[signal] = field
            }
            config.signalFields = fields
        },
        Setting(
            "drift.policy",
            "Craft.io edits after the create: report (default) or push to the issue when it still holds what craft-sync wrote (a conflict otherwise), for all fields or per field, e.g. title=push,labels=push (title, description, type, priority, labels)",
            table: true
        ) { config, value throws(SettingError) in
            config.drift = try parseDriftPolicy(value)
        },
        Setting("progress.reconcile", "Check linked issues' status each intake cycle and push what webhooks missed: true or false (default true)") { config, value throws(SettingError) in
            config.reconcile = try parseBool(value)
        },
        Setting("progress.reconcile_full_pass_interval", "How often reconciliation lists the whole project and reads one by one the linked issues the listing did not return (catching deletions); between, it lists only the issues changed since the last pass (default 24h)") {
            config, value throws(SettingError) in
            config.reconcileFullPassInterval = try parseDuration(value)
        },
        Setting("progress.reconcile_overlap", "How far before the newest change already seen each reconciliation listing starts, by the tool's clock (default 5m)") {
            config, value throws(SettingError) in
            config.reconcileOverlap = try parseDuration(value)
        },
        Setting("progress.reconcile_budget_reserve", "The share of a dev-tool token's rate budget reconciliation leaves to creates and webhooks: below it, reconciliation waits for the next cycle (0 to 1, default 0.2)") {
            config, value throws(SettingError) in
            guard let share = Double(value.trimmingCharacters(in: .whitespaces)), share.isFinite, (0...1).contains(share) else {
                throw SettingError("expected a share from 0 to 1, e.g. 0.2")
            }
            config.reconcileBudgetReserve = share
        },
        Setting("progress.processing_lease", "How long a replica holds a webhook event it is processing; after a crash the event waits this long (default 60s)") { config, value throws(SettingError) in
            config.progressProcessingLease = try parseDuration(value)
        },
        Setting("progress.lanes", "Issues whose webhook events are processed side by side, one lane each (default 64)") { config, value throws(SettingError) in
            config.progressLanes = try parseInteger(value, in: 1...1024)
        },
        Setting("progress.lanes_per_tool", "At most this many of those lanes for one dev-tool instance (default 32)") { config, value throws(SettingError) in
            config.progressLanesPerTool = try parseInteger(value, in: 1...1024)
        },
        Setting("progress.max_clock_skew", "How far ahead of this machine's clock an event's own time may be; a later one is ordered as now and marked suspicious on the item's timeline (default 5m)") {
            config, value throws(SettingError) in
            config.progressMaxClockSkew = try parseDuration(value)
        },
        Setting("progress.give_up_after", "How long an event whose progress write keeps failing is retried before it is dead (default 24h)") { config, value throws(SettingError) in
            config.progressGiveUpAfter = try parseDuration(value)
        },
        Setting("admin.token", "Bearer token for the admin API and the status page, 32 characters or more (openssl rand -hex 32); unset disables both", secret: true) {
            config, value throws(SettingError) in
            config.admin.token = try parseAdminToken(value)
        },
        Setting("ops.listen", "A separate address, HOST:PORT, for /healthz, /readyz and /metrics (a private port); the main address then serves only /healthz of them") {
            config, value throws(SettingError) in
            guard let address = ListenAddress(parsing: value) else { throw SettingError("expected HOST:PORT, e.g. 127.0.0.1:9090") }
            config.ops.listen = address
        },
        Setting("ops.token", "Bearer token /readyz and /metrics then require (they name workspaces, fields and upstream errors); unset leaves them open", secret: true) {
            config, value throws(SettingError) in
            config.ops.token = try parseSecret(value)
        },
        Setting("public_url", "The address the dev tools reach this craft-sync at, e.g. https://sync.example.com; webhooks are registered and checked at PUBLIC_URL/webhooks/INSTANCE") {
            config, value throws(SettingError) in
            config.publicURL = try parsePublicURL(value)
        },
        Setting("webhooks.register_at_start", "Create or update each dev tool's webhook when serve starts, as doctor --register-webhooks does (needs public_url; default false)") {
            config, value throws(SettingError) in
            config.registerWebhooksAtStart = try parseBool(value)
        },
    ]

    static let byKey: [String: Setting] = Dictionary(uniqueKeysWithValues: all.map { ($0.key, $0) })
}
