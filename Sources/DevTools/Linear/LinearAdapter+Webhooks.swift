import Foundation
import Support

/// Linear webhook deliveries (https://linear.app/developers/webhooks): `Linear-Signature` is the hex HMAC-SHA256 of
/// the raw body; the body's `webhookTimestamp` (ms) must be within `webhookTolerance` of now, so a captured delivery
/// cannot be replayed later (the check Linear's SDK makes, 60 s by default).
extension LinearAdapter {
    public func deliveryID(headers: [String: String], body: [UInt8]) -> String? { headers["linear-delivery"] }

    /// `Issue.update`: the entity type (`Linear-Event`, or the body's `type`) and the body's `action`.
    public func eventType(headers: [String: String], body: [UInt8]) -> String {
        let head = try? JSONDecoder().decode(Head.self, from: Data(body))
        let entity = headers["linear-event"] ?? head?.type ?? "unknown"
        guard let action = head?.action else { return entity }
        return "\(entity).\(action)"
    }

    /// Linear's webhook verifier: `Linear-Signature` is the bare hex HMAC-SHA256 of the body; the signed body's
    /// `webhookTimestamp` must be recent, which stops old captures being sent again.
    public var webhookAuthentication: WebhookAuthentication { .bodySignature(header: "linear-signature", prefix: "") }

    public func verifyWebhook(headers: [String: String], body: [UInt8], secrets: [String]) -> Bool {
        guard bodySignatureMatches(headers: headers, body: body, secrets: secrets) else { return false }
        guard let stamp = (try? JSONDecoder().decode(Head.self, from: Data(body)))?.webhookTimestamp else { return false }
        let age = abs(clock.now().timeIntervalSince1970 * 1000 - Double(stamp)) / 1000
        return age <= webhookTolerance.timeInterval
    }

    private struct Head: Decodable {
        var type: String?
        var action: String?
        var webhookTimestamp: Int64?
    }

    private struct IssuePayload: Decodable {
        struct Issue: Decodable {
            struct State: Decodable { var name: String; var type: String? }
            struct Team: Decodable { var key: String? }
            var id: String
            var identifier: String?
            var number: Int?
            var updatedAt: String?
            var state: State?
            var team: Team?
        }
        struct Actor: Decodable { var id: String? }
        var type: String
        var action: String
        var data: Issue
        var actor: Actor?
    }

    public func parseWebhook(headers: [String: String], body: [UInt8]) throws(DevToolError) -> WebhookEvent {
        let head = try? JSONDecoder().decode(Head.self, from: Data(body))
        guard head?.type == "Issue" else { return .ignored(reason: "'\(head?.type ?? "unknown")' events do not change an issue's state") }
        let payload: IssuePayload
        do {
            payload = try JSONDecoder().decode(IssuePayload.self, from: Data(body))
        } catch {
            throw .malformedResponse(tool: "Linear", operation: "Linear webhook", detail: "not an issue payload: \(error)")
        }
        let issue = payload.data
        // The identifier changes when an issue moves teams (`previousIdentifiers`); the id does not.
        let key = issue.identifier ?? "\(issue.team?.key ?? "?")-\(issue.number.map(String.init) ?? "?")"
        if payload.action == "remove" { return .deleted(issueID: issue.id, key: key) }
        guard let state = issue.state else { return .ignored(reason: "the payload names no workflow state") }
        let order = issue.updatedAt.flatMap(Timestamp.parse)?.eventOrder
        return .issue(IssueChange(
            issueID: issue.id, key: key, status: DevIssueStatus(name: state.name, detail: state.type), order: order, actor: payload.actor?.id,
            signals: Self.signals(in: body)))
    }

    /// What the delivery's `data` says besides the state, for the keys it carries (a key left out is unknown, a null
    /// is none): the assignee's name, the cycle (its name, else "Cycle N"), the estimate and the due date. Reads do not
    /// ask for these: only deliveries bring them.
    static func signals(in body: [UInt8]) -> DevSignals {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], let data = object["data"] as? [String: Any] else {
            return [:]
        }
        var signals: DevSignals = [:]
        if data.keys.contains("assignee") { signals[.assignee] = (data["assignee"] as? [String: Any])?["name"] as? String ?? "" }
        if data.keys.contains("cycle") {
            let cycle = data["cycle"] as? [String: Any]
            signals[.sprint] = (cycle?["name"] as? String) ?? ((cycle?["number"] as? NSNumber).map { "Cycle \($0)" }) ?? ""
        }
        if data.keys.contains("estimate") { signals[.points] = DevSignals.number((data["estimate"] as? NSNumber)?.doubleValue) ?? "" }
        if data.keys.contains("dueDate") { signals[.dueDate] = DevSignals.day(data["dueDate"] as? String) ?? "" }
        return signals
    }
}
