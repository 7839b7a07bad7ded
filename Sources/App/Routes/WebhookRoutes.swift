import DevTools
import Foundation
import HTTPServer
import Logging
import Store
import SyncEngine
import Support

/// `POST /webhooks/{tool}`: verify the signature over the raw bytes, store the delivery durably, answer 202,
/// and let the progress processor do the rest after the answer.
///
/// Status codes matter to the senders (GitLab disables a hook forever after 4xx, Azure DevOps on 410): events
/// we accept but do not care about are still 2xx; only a failure on our side (the store) is 503, so the sender
/// retries.
struct WebhookRoutes {
    let store: Store
    /// Adapters by instance name, which is the route's last segment (`github`, `jira`, or a configured name).
    let tools: [String: any DevTool]
    /// Per instance: the current secret and, during a rotation, the previous one.
    let secrets: [String: [String]]
    let processor: ProgressProcessor?
    let metrics: ServiceMetrics
    let logger: Logger


    static let bodyLimit = 25 * 1024 * 1024

    func register(in router: inout Router) {
        // GitHub caps webhook payloads at 25 MB ("Webhook events and payloads"); no tool we serve sends more.
        router.post("/webhooks/:tool", bodyLimit: Self.bodyLimit) { request in try await receive(request) }
    }

    func receive(_ request: HTTPRequest) async throws -> HTTPResponse {
        let name = request.parameters["tool"] ?? ""
        guard let tool = tools[name] else { throw HTTPError(.notFound, "no \(name) integration is configured") }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonical] = field.value }
        // Nothing of the body is read, parsed or logged before the sender is known: an unauthenticated request must
        // cost no more than the check itself (Azure DevOps puts its delivery id in the body, a JSON parse away).
        guard tool.verifyWebhook(headers: headers, body: request.body, secrets: secrets[name] ?? []) else {
            metrics.webhookDelivery(tool: name, outcome: "unauthorized")
            // The delivery id a header carries helps find the delivery in the tool's log; it is asked of the headers
            // alone (an empty body) and cut short, since anyone can send anything there.
            let claimedDelivery = tool.deliveryID(headers: headers, body: []).map { String($0.prefix(64)) } ?? "none"
            logger.warning(
                "webhook signature missing or wrong; delivery refused",
                metadata: ["tool": "\(name)", "client": "\(request.clientAddress ?? "unknown")", "delivery": "\(claimedDelivery)"])
            throw HTTPError(.unauthorized, "the webhook signature is missing or does not match the configured secret")
        }
        let deliveryID = tool.deliveryID(headers: headers, body: request.body) ?? "sha256:" + Digest.sha256Hex(request.body)
        // The adapter says which headers it reads later; the rest (credentials among them) are not stored.
        let kept = headers.filter { name, _ in tool.webhookHeadersKept.contains { name.hasPrefix($0) } }
        let event = IncomingEvent(
            tool: name, instance: tool.instance, deliveryID: deliveryID, eventType: tool.eventType(headers: headers, body: request.body),
            receivedAt: .now, headers: kept, body: request.body)
        let result: EventLog.AppendResult
        do {
            result = try await store.events.append(event)
        } catch {
            metrics.webhookDelivery(tool: name, outcome: "unavailable")
            logger.error("cannot store a webhook delivery; answering 503 so the sender retries", metadata: ["error": "\(error)"])
            throw HTTPError(.serviceUnavailable, "the delivery could not be stored; please retry", headers: [.retryAfter: "30"])
        }
        switch result {
        case .stored(let id):
            metrics.webhookDelivery(tool: name, outcome: "accepted")
            processor?.wake()
            return try .json(["status": "accepted", "event": String(id)], status: .accepted)
        case .duplicate(let id):
            metrics.webhookDelivery(tool: name, outcome: "duplicate")
            return try .json(["status": "duplicate", "event": String(id)], status: .ok)
        }
    }
}
