import Foundation

/// A webhook delivery as received, before any interpretation.
public struct IncomingEvent: Sendable {
    public var tool: String
    public var instance: String
    /// The sender's delivery id (`X-GitHub-Delivery`, ...) or a hash of the body where the tool sends none.
    public var deliveryID: String
    public var eventType: String
    public var receivedAt: Date
    /// The headers worth keeping (event type, delivery, signature), never credentials.
    public var headers: [String: String]
    /// The raw body, byte for byte: signatures are computed over it, so a replay must see exactly this.
    public var body: [UInt8]
    /// SHA-256 (hex) of the body, for a tool that signs only the body: the same body and event type again while the
    /// first is kept is a replay, whatever its delivery id. Nil where the delivery id is proof enough.
    public var bodyDigest: String?

    public init(
        tool: String, instance: String = "", deliveryID: String, eventType: String, receivedAt: Date,
        headers: [String: String] = [:], body: [UInt8], bodyDigest: String? = nil
    ) {
        self.bodyDigest = bodyDigest
        self.tool = tool
        self.instance = instance
        self.deliveryID = deliveryID
        self.eventType = eventType
        self.receivedAt = receivedAt
        self.headers = headers
        self.body = body
    }
}

/// A delivery in the event log, without its body (load that with `EventLog.payload(id:)`).
public struct StoredEvent: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case received, processed, ignored, failed, dead
    }

    public var id: Int64
    public var tool: String
    public var instance: String
    public var deliveryID: String
    public var eventType: String
    public var receivedAt: Date
    public var headers: [String: String]
    public var bodySize: Int
    public var state: State
    public var ignoredReason: String?
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastError: String?
    public var finishedAt: Date?
}

/// Which events to list.
public struct EventFilter: Sendable {
    public var tool: String?
    public var state: StoredEvent.State?
    public var receivedAfter: Date?
    public var receivedBefore: Date?

    public init(tool: String? = nil, state: StoredEvent.State? = nil, receivedAfter: Date? = nil, receivedBefore: Date? = nil) {
        self.tool = tool
        self.state = state
        self.receivedAfter = receivedAfter
        self.receivedBefore = receivedBefore
    }
}
