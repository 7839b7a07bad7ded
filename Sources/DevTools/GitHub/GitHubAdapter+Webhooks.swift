import Foundation
import Support

/// GitHub webhook deliveries (https://docs.github.com/en/webhooks/webhook-events-and-payloads#issues).
extension GitHubAdapter {
    public func deliveryID(headers: [String: String], body: [UInt8]) -> String? { headers["x-github-delivery"] }

    /// `issues.closed`: the event header and the payload's `action`, which GitHub sends as the first key, so a
    /// look at the first bytes finds it without decoding the whole body on the acknowledgement path.
    public func eventType(headers: [String: String], body: [UInt8]) -> String {
        let event = headers["x-github-event"] ?? "unknown"
        let head = String(decoding: body.prefix(256), as: UTF8.self)
        guard let key = head.range(of: "\"action\""), let open = head[key.upperBound...].firstIndex(of: "\""),
            let close = head[head.index(after: open)...].firstIndex(of: "\"")
        else { return event }
        let action = head[head.index(after: open)..<close]
        guard !action.isEmpty, action.allSatisfy({ $0.isLetter || $0 == "_" }) else { return event }
        return "\(event).\(action)"
    }

    private struct IssuesPayload: Decodable {
        struct Issue: Decodable {
            var id: Int64
            var number: Int
            var state: String?
            var state_reason: String?
            var updated_at: String?
            var html_url: String?
        }
        struct Repository: Decodable { var full_name: String }
        struct Sender: Decodable { var login: String }
        /// `issues.transferred` names where the issue went; `issues.opened` after a transfer names where it came from.
        struct Changes: Decodable {
            var new_issue: Issue?
            var new_repository: Repository?
            var old_issue: Issue?
        }
        var action: String
        var issue: Issue
        var repository: Repository?
        var sender: Sender?
        var changes: Changes?
    }

    public func parseWebhook(headers: [String: String], body: [UInt8]) throws(DevToolError) -> WebhookEvent {
        let event = headers["x-github-event"] ?? ""
        guard event == "issues" else {
            return .ignored(reason: event == "ping" ? "ping" : "'\(event)' events do not change an issue's state")
        }
        let payload: IssuesPayload
        do {
            payload = try JSONDecoder().decode(IssuesPayload.self, from: Data(body))
        } catch {
            throw .malformedResponse(tool: "GitHub", operation: "GitHub webhook", detail: "not an issues payload: \(error)")
        }
        let repository = payload.repository?.full_name ?? "\(owner)/\(self.repository)"
        // A deleted issue is gone; a transferred one lives on under another repository, id and number.
        switch payload.action {
        case "deleted":
            return .deleted(issueID: String(payload.issue.id), key: "\(repository)#\(payload.issue.number)")
        case "transferred":
            guard let new = payload.changes?.new_issue, let target = payload.changes?.new_repository?.full_name else {
                return .ignored(reason: "transfer without the new issue")
            }
            return .moved(fromIssueID: String(payload.issue.id), to: IssueMove(issueID: String(new.id), key: "\(target)#\(new.number)", url: new.html_url))
        case "opened":
            if let old = payload.changes?.old_issue {
                return .moved(
                    fromIssueID: String(old.id),
                    to: IssueMove(issueID: String(payload.issue.id), key: "\(repository)#\(payload.issue.number)", url: payload.issue.html_url))
            }
        default:
            break
        }
        guard let state = payload.issue.state else { return .ignored(reason: "the payload names no issue state") }
        let order = payload.issue.updated_at.flatMap(Timestamp.parse)?.eventOrder
        return .issue(IssueChange(
            issueID: String(payload.issue.id), key: "\(repository)#\(payload.issue.number)",
            status: DevIssueStatus(name: state, detail: payload.issue.state_reason), order: order, actor: payload.sender?.login))
    }
}
