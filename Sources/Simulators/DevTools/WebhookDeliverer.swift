import DevTools
import Foundation
import OutboundHTTP
import Synchronization

/// Sends the simulated dev tools' webhooks, signed as the real tools sign them, to a configured target
/// (craft-sync's `/webhooks/{tool}`).
public final class WebhookDeliverer: Sendable {
    public struct Delivery: Sendable, Codable, Equatable {
        public var tool: String
        public var deliveryID: String
        public var event: String
        public var status: Int?
        public var error: String?
    }

    private let state = Mutex<(target: String?, secret: String, deliveries: [Delivery])>((nil, "", []))
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

    public var deliveries: [Delivery] { state.withLock { $0.deliveries } }

    /// Posts `body` for `tool`; returns the delivery as it went (nothing is sent without a target).
    @discardableResult
    func deliver(tool: String, event: String, headers: [String: String], signatureHeader: String, body: [UInt8]) async -> Delivery? {
        let (target, secret) = state.withLock { ($0.target, $0.secret) }
        guard let target, let url = URL(string: target + "/webhooks/\(tool)") else { return nil }
        let deliveryID = UUID().uuidString.lowercased()
        var allHeaders = headers
        allHeaders["Content-Type"] = "application/json"
        allHeaders[signatureHeader] = "sha256=" + WebhookSignature.hmacSHA256Hex(secret: secret, body: body)
        allHeaders[tool == "github" ? "X-GitHub-Delivery" : "X-Atlassian-Webhook-Identifier"] = deliveryID
        var delivery = Delivery(tool: tool, deliveryID: deliveryID, event: event)
        do {
            let response = try await http.send(OutboundRequest(
                method: "POST", url: url, headers: allHeaders, body: Data(body), operation: "\(tool) simulator: deliver \(event)"))
            delivery.status = response.status
        } catch {
            delivery.error = "\(error)"
        }
        state.withLock { $0.deliveries.append(delivery) }
        return delivery
    }
}
