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
            var node_id: String?
            var number: Int
            var state: String?
            var state_reason: String?
            var updated_at: String?
            var html_url: String?
            var assignees: [Login]?
            var labels: [Label]?
            var milestone: GitHubAdapter.Milestone?
        }
        struct Login: Decodable { var login: String }
        struct Label: Decodable { var name: String }
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
        if event == "pull_request" { return try pullRequest(body) }
        if event == "projects_v2_item" { return try projectItem(body) }
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
            status: Self.status(
                state: state, reason: payload.issue.state_reason, assigned: !(payload.issue.assignees ?? []).isEmpty,
                labels: (payload.issue.labels ?? []).map(\.name)),
            order: order,
            actor: payload.sender?.login,
            // An open issue may be on a board, which its own events do not show: it is read with its card, as
            // reconciliation reads it, so the two agree.
            reread: projectStatusField != nil && state == "open" ? payload.issue.node_id : nil,
            signals: Self.signals(assignees: payload.issue.assignees?.map(\.login), milestone: payload.issue.milestone)))
    }

    /// GitHub issues are only open or closed. An open issue on a board says where it is there
    /// (`project:<option>`, when boards are read: GitHubAdapter+Projects); otherwise one someone is assigned to is
    /// being worked on (`open:assigned`, In Progress by default). Reads and webhooks derive it the same way.
    /// The labels ride along for the label rules (`progress.label_status_map`), which win over both.
    static func status(state: String, reason: String?, assigned: Bool, labels: [String], board: String? = nil) -> DevIssueStatus {
        guard state == "open" else { return DevIssueStatus(name: state, detail: reason, labels: labels) }
        if let board { return DevIssueStatus(name: boardStatusName, detail: board, labels: labels) }
        return assigned ? DevIssueStatus(name: "open", detail: "assigned", labels: labels) : DevIssueStatus(name: state, detail: reason, labels: labels)
    }

    private struct PullRequestPayload: Decodable {
        struct PullRequest: Decodable {
            var node_id: String?
            var state: String?
            var body: String?
            var title: String?
            var draft: Bool?
            var merged: Bool?
            var updated_at: String?
        }
        struct Repository: Decodable { var full_name: String }
        struct Sender: Decodable { var login: String }
        var action: String
        var number: Int?
        var pull_request: PullRequest
        var repository: Repository?
        var sender: Sender?
    }

    /// A pull request that will close issues (`Closes #12` in its description, or linked in its Development panel:
    /// https://docs.github.com/en/issues/tracking-your-work-with-issues/using-issues/linking-a-pull-request-to-an-issue)
    /// puts them in review while it is open and ready (`open:in_review`); closed without merging, they are back to
    /// being worked on (`open:review_closed`). A merge says nothing itself: GitHub closes the issues, and their own
    /// `issues.closed` follows. The payload shows only the description, so where the review starts or ends, or the
    /// pull request is edited, its links are read too (`issueKeys(linkedTo:)`); a push (`synchronize`, the most
    /// frequent event) keeps to the description.
    private func pullRequest(_ body: [UInt8]) throws(DevToolError) -> WebhookEvent {
        let payload: PullRequestPayload
        do {
            payload = try JSONDecoder().decode(PullRequestPayload.self, from: Data(body))
        } catch {
            throw .malformedResponse(tool: "GitHub", operation: "GitHub webhook", detail: "not a pull_request payload: \(error)")
        }
        let pull = payload.pull_request
        let repository = payload.repository?.full_name ?? "\(owner)/\(self.repository)"
        // GitHub honours closing keywords in the description (and commit messages), not the title.
        let keys = Self.closedIssues(in: pull.body ?? "", repository: repository)
        let detail: String
        var readsLinks = true
        switch payload.action {
        case "opened", "reopened", "ready_for_review", "edited":
            guard pull.draft != true else { return .ignored(reason: "a draft pull request is not in review yet") }
            // An edit (or a push) to a closed pull request does not reopen its review.
            guard pull.state != "closed" else { return .ignored(reason: "pull_request.\(payload.action) of a closed pull request") }
            detail = Self.inReview
        case "synchronize":
            guard pull.draft != true else { return .ignored(reason: "a draft pull request is not in review yet") }
            guard pull.state != "closed" else { return .ignored(reason: "pull_request.\(payload.action) of a closed pull request") }
            detail = Self.inReview
            readsLinks = false
        case "converted_to_draft":
            detail = Self.reviewClosed
        case "closed":
            guard pull.merged != true else { return .ignored(reason: "merged: the issues' own close events follow") }
            detail = Self.reviewClosed
        default:
            return .ignored(reason: "pull_request.\(payload.action) does not change the issues' state")
        }
        let reference = readsLinks ? pull.node_id : nil
        guard !keys.isEmpty || reference != nil else { return .ignored(reason: "the pull request closes no issue") }
        let ours = repository.lowercased() == "\(owner)/\(self.repository)".lowercased()
        let name = payload.number.map { ours ? "#\($0)" : "\(repository)#\($0)" }
        return .linked(
            keys: keys, status: DevIssueStatus(name: "open", detail: detail), order: pull.updated_at.flatMap(Timestamp.parse)?.eventOrder,
            actor: payload.sender?.login, reference: reference, source: repository,
            pullRequest: name.map { PullRequestLink(name: $0, linked: detail == Self.inReview) })
    }

    /// The most issues one pull request is taken to close: each costs a read and a write, and a description is
    /// anyone's text (GitHub's own UI links a handful).
    static let closedIssuesLimit = 50

    /// The issues `text` closes by GitHub's keywords: `Closes #12`, `fixes acme/web#3`, `Resolved: #4`, ...
    static func closedIssues(in text: String, repository: String) -> [String] {
        let pattern = /(?i)\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)?#(\d+)\b/
        var keys: [String] = []
        for match in text.matches(of: pattern) {
            let key = "\(match.1.map(String.init) ?? repository)#\(match.2)"
            if !keys.contains(key) { keys.append(key) }
            if keys.count == closedIssuesLimit { break }
        }
        return keys
    }
}
