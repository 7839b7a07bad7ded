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
    let workers: WorkerPool
    /// One refusal line per client and tool a minute, with the count of those held back.
    var refusals = RepeatedLineSummary()

    static let bodyLimit = 25 * 1024 * 1024

    func register(in router: inout SecuredRouter) {
        // GitHub caps webhook payloads at 25 MB ("Webhook events and payloads"); no tool we serve sends more. The
        // body comes as sent: it is decoded only once the sender is known (or to check a signature made over it).
        router.webhook("/webhooks/:tool", bodyLimit: Self.bodyLimit) { request in try await receive(request) }
    }

    func receive(_ request: HTTPRequest) async throws -> HTTPResponse {
        let name = request.parameters["tool"] ?? ""
        guard let tool = tools[name] else { throw HTTPError(.notFound, "no \(name) integration is configured") }
        let headers = Dictionary(request.headers.map { ($0.name.canonical, $0.value) }, uniquingKeysWith: { _, last in last })
        let body = try await verifiedBody(request, headers: headers, tool: tool, instance: name)

        // Verified: from here on the body is the tool's, and reading it is worth its cost (on a worker when large).
        // The adapter says which headers it reads later; the rest (credentials among them) are not stored.
        let kept = headers.filter { name, _ in tool.webhookHeadersKept.contains { name.hasPrefix($0) } }
        let signsBodyOnly = tool.webhookAuthentication != .secretInHeader
        let encoded: EventLog.EncodedEvent
        do {
            encoded = try await workers.run(cost: body.count) { () throws -> EventLog.EncodedEvent in
                let digest = Digest.sha256Hex(body)
                return try EventLog.EncodedEvent(IncomingEvent(
                    tool: name, instance: tool.instance, deliveryID: tool.deliveryID(headers: headers, body: body) ?? "sha256:" + digest,
                    eventType: tool.eventType(headers: headers, body: body), receivedAt: .now, headers: kept, body: body,
                    // A tool that signs only the body: the same signed body again is a replay, whatever its delivery id.
                    bodyDigest: signsBodyOnly ? digest : nil))
            }
        } catch {
            throw HTTPError(.internalServerError, "the delivery could not be prepared for storage: \(error)")
        }
        let result: EventLog.AppendResult
        do {
            result = try await store.events.append(encoded)
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

    /// The body decoded from its `Content-Encoding`, once the sender is proven; 401 before anything else otherwise.
    /// Nothing of an unverified body is parsed, logged or kept: a secret in a header is checked before the body is
    /// even inflated; a signature over the payload is checked while inflating (nothing held) or, for a plain body,
    /// over its bytes. Large bodies are handled on the worker pool, never on the event loop.
    private func verifiedBody(
        _ request: HTTPRequest, headers: [String: String], tool: any DevTool, instance: String
    ) async throws -> [UInt8] {
        let secrets = secrets[instance] ?? []
        let proven: Bool
        switch tool.webhookAuthentication {
        case .secretInHeader:
            proven = tool.verifyWebhook(headers: headers, body: [], secrets: secrets)
        case .bodySignature(let header, let prefix) where request.contentCoding == .gzip:
            proven = await workers.run {
                WebhookSignature.matchesInflated(
                    provided: headers[header], prefix: prefix, secrets: secrets, gzipBody: request.body, limit: request.decodedBodyLimit)
            }
        case .bodySignature:
            proven = true  // checked below, over the body's bytes
        }
        guard proven else { throw refuse(request, headers: headers, tool: tool, instance: instance) }
        let body = try await workers.run(cost: request.contentCoding == .gzip ? .max : 0) {
            () throws(HTTPError) -> [UInt8] in try request.decodedBody()
        }
        if case .bodySignature = tool.webhookAuthentication {
            // The adapter's whole check (Linear's also wants a fresh signed timestamp).
            let verified = await workers.run(cost: body.count) { tool.verifyWebhook(headers: headers, body: body, secrets: secrets) }
            guard verified else { throw refuse(request, headers: headers, tool: tool, instance: instance) }
        }
        return body
    }

    private func refuse(_ request: HTTPRequest, headers: [String: String], tool: any DevTool, instance: String) -> HTTPError {
        metrics.webhookDelivery(tool: instance, outcome: "unauthorized")
        let client = request.clientAddress ?? "unknown"
        if let heldBack = refusals.admit(client + " " + instance) {
            // The delivery id a header carries helps find the delivery in the tool's log; it is asked of the headers
            // alone (an empty body) and cut short, since anyone can send anything there.
            let claimedDelivery = tool.deliveryID(headers: headers, body: []).map { String($0.prefix(64)) } ?? "none"
            var metadata: Logger.Metadata = ["tool": "\(instance)", "client": "\(client)", "delivery": "\(claimedDelivery)"]
            if heldBack > 0 { metadata["refused_since_last_line"] = "\(heldBack)" }
            logger.warning("webhook signature missing or wrong; delivery refused", metadata: metadata)
        }
        return HTTPError(.unauthorized, "the webhook signature is missing or does not match the configured secret")
    }
}
