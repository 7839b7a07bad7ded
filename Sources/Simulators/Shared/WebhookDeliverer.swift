import Foundation
import OutboundHTTP
import Support
import Synchronization

/// Sends the simulated dev tools' webhooks, signed as the real tools sign them, to a configured target
/// (craft-sync's `/webhooks/{tool}`), and misbehaves on demand: drop the next deliveries, send them twice, or
/// hold them back and send them after the next one (out of order).
public final class WebhookDeliverer: Sendable {
    public struct Misbehaviour: Sendable, Codable, Equatable {
        public var dropNext = 0
        public var duplicateNext = 0
        public var holdNext = 0
        public init(dropNext: Int = 0, duplicateNext: Int = 0, holdNext: Int = 0) {
            self.dropNext = dropNext
            self.duplicateNext = duplicateNext
            self.holdNext = holdNext
        }
    }

    private struct Pending: Sendable {
        var tool: String
        var event: String
        var url: URL
        var headers: [String: String]
        var body: [UInt8]
        var deliveryID: String
    }

    private let misbehaviour = Mutex<(rules: Misbehaviour, held: [Pending])>((Misbehaviour(), []))

    public func misbehave(_ rules: Misbehaviour) {
        misbehaviour.withLock { $0.rules = rules }
    }

    public struct Delivery: Sendable, Codable, Equatable {
        public var tool: String
        public var deliveryID: String
        public var event: String
        public var status: Int?
        public var error: String?
    }

    private struct State {
        var target: String?
        var secret = ""
        /// Webhooks a tool registered through its API, by tool: these win over `target`.
        var registered: [String: (url: String, secret: String)] = [:]
        var deliveries: [Delivery] = []
    }

    private let state = Mutex(State())
    private let http: any HTTPClient

    public init(http: any HTTPClient = URLSessionHTTPClient(requestTimeout: 10)) {
        self.http = http
    }

    /// `target` is craft-sync's base URL (`http://127.0.0.1:8080`); each tool posts to `target/webhooks/<tool>`.
    public func configure(target: String?, secret: String) {
        state.withLock {
            $0.target = target
            $0.secret = secret
        }
    }

    /// A webhook registered through `tool`'s own API (as `craft-sync doctor --register-webhooks` does): from now on
    /// the tool delivers to `url`, authenticated with `secret`.
    func register(tool: String, url: String, secret: String) {
        state.withLock { $0.registered[tool] = (url, secret) }
    }

    public var deliveries: [Delivery] { state.withLock { $0.deliveries } }

    /// How a tool proves a delivery is its own: each simulator says which.
    enum Authentication {
        /// `<prefix><hex HMAC-SHA256 of the body>` in this header: `sha256=` for GitHub and Jira admin webhooks,
        /// none for Linear's `Linear-Signature`.
        case hmacSHA256(header: String, prefix: String = "sha256=")
        /// The secret itself in this header (GitLab's `X-Gitlab-Token`).
        case token(header: String)
        /// The secret as the password of Basic authentication (an Azure DevOps service hook, which has no signature).
        case basicPassword
    }

    /// A delivery's body as built, kept while `recordBodies()` is on: tests hold them to the tools' payload schemas.
    public struct RecordedBody: Sendable {
        public var tool: String
        public var event: String
        public var body: [UInt8]
    }
    private let recording = Mutex<(on: Bool, bodies: [RecordedBody])>((false, []))

    /// From now on every body built is kept (`recordedBodies`), sent or not.
    public func recordBodies() { recording.withLock { $0.on = true } }
    public var recordedBodies: [RecordedBody] { recording.withLock { $0.bodies } }

    /// Posts `body` for `tool`, authenticated as the tool does, with a fresh delivery id in `deliveryIDHeader` (when
    /// the tool sends one in a header);
    /// returns the delivery as it went (nothing is sent without a target).
    @discardableResult
    func deliver(
        tool: String, event: String, headers: [String: String], authentication: Authentication, deliveryIDHeader: String?, body: [UInt8]
    ) async -> Delivery? {
        recording.withLock { if $0.on { $0.bodies.append(RecordedBody(tool: tool, event: event, body: body)) } }
        let destination = state.withLock { state -> (url: String, secret: String)? in
            if let registered = state.registered[tool] { return registered }
            return state.target.map { ($0 + "/webhooks/\(tool)", state.secret) }
        }
        guard let destination, let url = URL(string: destination.url) else { return nil }
        let secret = destination.secret
        let deliveryID = UUID().uuidString.lowercased()
        var allHeaders = headers
        allHeaders["Content-Type"] = "application/json"
        switch authentication {
        case .hmacSHA256(let header, let prefix): allHeaders[header] = prefix + Digest.hmacSHA256Hex(key: secret, message: body)
        case .token(let header): allHeaders[header] = secret
        case .basicPassword: allHeaders["Authorization"] = "Basic " + Data("azure-devops:\(secret)".utf8).base64EncodedString()
        }
        if let deliveryIDHeader { allHeaders[deliveryIDHeader] = deliveryID }
        let pending = Pending(tool: tool, event: event, url: url, headers: allHeaders, body: body, deliveryID: deliveryID)

        enum Plan { case drop, hold, send(times: Int, thenHeld: [Pending]) }
        let plan = misbehaviour.withLock { state -> Plan in
            if state.rules.dropNext > 0 {
                state.rules.dropNext -= 1
                return .drop
            }
            if state.rules.holdNext > 0 {
                state.rules.holdNext -= 1
                state.held.append(pending)
                return .hold
            }
            var times = 1
            if state.rules.duplicateNext > 0 {
                state.rules.duplicateNext -= 1
                times = 2
            }
            defer { state.held = [] }
            return .send(times: times, thenHeld: state.held)
        }
        switch plan {
        case .drop:
            let delivery = Delivery(tool: tool, deliveryID: deliveryID, event: event, status: nil, error: "dropped on purpose")
            state.withLock { $0.deliveries.append(delivery) }
            return delivery
        case .hold:
            return Delivery(tool: tool, deliveryID: deliveryID, event: event, status: nil, error: "held back, to be sent after the next one")
        case .send(let times, let held):
            var delivery = await send(pending)
            for _ in 1..<times { delivery = await send(pending) }
            for late in held { await send(late) }
            return delivery
        }
    }

    @discardableResult
    private func send(_ pending: Pending) async -> Delivery {
        var delivery = Delivery(tool: pending.tool, deliveryID: pending.deliveryID, event: pending.event)
        do {
            let response = try await http.send(OutboundRequest(
                method: "POST", url: pending.url, headers: pending.headers, body: Data(pending.body),
                operation: "\(pending.tool) simulator: deliver \(pending.event)"))
            delivery.status = response.status
        } catch {
            delivery.error = "\(error)"
        }
        state.withLock { $0.deliveries.append(delivery) }
        return delivery
    }
}
