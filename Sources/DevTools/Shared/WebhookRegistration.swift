/// Where and how the tool should send its webhooks to craft-sync.
public struct WebhookTarget: Sendable, Equatable {
    /// craft-sync's public address for this instance: `<public_url>/webhooks/<instance>`.
    public var url: String
    /// The shared secret the tool signs with (or sends, for tools without signatures). Never logged or shown.
    public var secret: String?

    public init(url: String, secret: String?) {
        self.url = url
        self.secret = secret
    }
}

/// A webhook as the tool reports it.
public struct RegisteredWebhook: Sendable, Equatable {
    public var id: String
    public var url: String
    public var active: Bool
    /// Whether it sends every event craft-sync needs.
    public var sendsNeededEvents: Bool
    /// How its last delivery went, where the tool reports it (GitHub's `last_response`, GitLab's alert status).
    public var lastDelivery: LastDelivery?

    public struct LastDelivery: Sendable, Equatable {
        public var succeeded: Bool
        public var detail: String

        public init(succeeded: Bool, detail: String) {
            self.succeeded = succeeded
            self.detail = detail
        }
    }

    public init(id: String, url: String, active: Bool, sendsNeededEvents: Bool, lastDelivery: LastDelivery? = nil) {
        self.id = id
        self.url = url
        self.active = active
        self.sendsNeededEvents = sendsNeededEvents
        self.lastDelivery = lastDelivery
    }
}

/// What a registration did.
public enum WebhookRegistrationOutcome: Sendable, Equatable {
    case created(id: String)
    /// A webhook with the URL existed; its events, secret and state were set again (a secret cannot be read back to
    /// compare, so it is always written).
    case updated(id: String)
}

/// An adapter that can create and inspect its tool's webhook: one more capability at the plug-in seam. Registration
/// is idempotent: the webhook is found by its URL and updated, never created twice.
public protocol WebhookRegistering: Sendable {
    /// The webhook delivering to `url`, if the tool has one.
    func registeredWebhook(url: String) async throws(DevToolError) -> RegisteredWebhook?
    /// Creates the webhook, or updates the one already delivering to `target.url`.
    func registerWebhook(_ target: WebhookTarget) async throws(DevToolError) -> WebhookRegistrationOutcome
    /// What the tool calls the events craft-sync needs, for people (`issues`, `jira:issue_updated`, ...).
    var neededWebhookEvents: [String] { get }
    /// What the token needs to list and register webhooks, for the fix of a failed check.
    var permissionHint: String { get }
}
