import Foundation
import Support

/// GitLab webhook deliveries (https://docs.gitlab.com/user/project/integrations/webhook_events/#work-item-events).
/// GitLab disables a hook for good after a 4xx, so nothing here refuses a delivery but a wrong token: everything
/// else is stored (2xx) and, if of no interest, ignored later.
extension GitLabAdapter {
    /// `Idempotency-Key` (GitLab 17.4+) is the same on a retry or a resend; `X-Gitlab-Event-UUID` otherwise.
    public func deliveryID(headers: [String: String], body: [UInt8]) -> String? {
        headers["idempotency-key"] ?? headers["x-gitlab-event-uuid"]
    }

    /// `Issue Hook.close`: the event header and the payload's `object_attributes.action`.
    public func eventType(headers: [String: String], body: [UInt8]) -> String {
        let event = headers["x-gitlab-event"] ?? "unknown"
        struct Head: Decodable {
            struct Attributes: Decodable { var action: String? }
            var object_attributes: Attributes?
        }
        guard let action = (try? JSONDecoder().decode(Head.self, from: Data(body)))?.object_attributes?.action else { return event }
        return "\(event).\(action)"
    }

    public var webhookAuthentication: WebhookAuthentication { .secretInHeader }

    /// `X-Gitlab-Token` is the configured secret itself, echoed back (compared in constant time; two during a rotation).
    public func verifyWebhook(headers: [String: String], body: [UInt8], secrets: [String]) -> Bool {
        guard let token = headers["x-gitlab-token"] else { return false }
        return WebhookSignature.anyMatches(presented: [token], expected: secrets)
    }

    private struct IssuePayload: Decodable {
        struct Attributes: Decodable {
            var id: Int64
            var iid: Int
            var action: String?
            var state: String?
            var updated_at: String?
            var url: String?
            var due_date: String?
            var weight: Double?
        }
        struct Project: Decodable { var path_with_namespace: String? }
        struct User: Decodable { var username: String? }
        var object_kind: String
        var object_attributes: Attributes
        var project: Project?
        var user: User?
        /// Who it is assigned to (`[{"name", "username"}]`); absent when nobody is.
        var assignees: [User]?
    }

    public func parseWebhook(headers: [String: String], body: [UInt8]) throws(DevToolError) -> WebhookEvent {
        let event = headers["x-gitlab-event"] ?? ""
        guard event == "Issue Hook" || event == "Confidential Issue Hook" || event == "Work Item Hook" else {
            return .ignored(reason: "'\(event)' events do not change an issue's state")
        }
        let payload: IssuePayload
        do {
            payload = try JSONDecoder().decode(IssuePayload.self, from: Data(body))
        } catch {
            throw .malformedResponse(tool: "GitLab", operation: "GitLab webhook", detail: "not an issue payload: \(error)")
        }
        guard payload.object_kind == "issue" || payload.object_kind == "work_item" else {
            return .ignored(reason: "'\(payload.object_kind)' objects are not issues")
        }
        let attributes = payload.object_attributes
        let project = payload.project?.path_with_namespace ?? self.project
        // Older GitLab versions omit `changes.state_id` on close: the action, then the state, say what happened.
        let state: String
        switch attributes.action {
        case "close": state = "closed"
        case "open", "reopen": state = "opened"
        default:
            guard let current = attributes.state else { return .ignored(reason: "the payload names no issue state") }
            state = current
        }
        let order = attributes.updated_at.flatMap(GitLabAdapter.parseTime)?.eventOrder
        return .issue(IssueChange(
            issueID: String(attributes.id), key: "\(project)#\(attributes.iid)", status: DevIssueStatus(name: state, detail: nil),
            order: order, actor: payload.user?.username,
            signals: Self.signals(assignees: (payload.assignees ?? []).compactMap(\.username), dueDate: attributes.due_date, weight: attributes.weight)))
    }

    /// What an issue says besides its state, the same in deliveries and reads: the assignees' usernames, the due date,
    /// and the weight as the estimate. (A delivery names the milestone by id only, so the release is not read.)
    static func signals(assignees: [String]?, dueDate: String?, weight: Double?) -> DevSignals {
        var signals: DevSignals = [.dueDate: DevSignals.day(dueDate) ?? "", .points: DevSignals.number(weight) ?? ""]
        if let assignees { signals[.assignee] = assignees.joined(separator: ", ") }
        return signals
    }
}
