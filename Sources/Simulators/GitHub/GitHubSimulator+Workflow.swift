import Foundation
import HTTPServer

/// A developer's day on the simulated GitHub: assigning an issue, opening a pull request that closes it, merging it.
/// Each sends the webhook GitHub sends (`issues.assigned`, `pull_request.opened`, `pull_request.closed` then
/// `issues.closed`), shaped like the published payloads.
extension GitHubSimulator {
    /// Assigns `login` to issue `number` (`issues.assigned`).
    @discardableResult
    public func assign(number: Int, login: String, at time: Date = .now) async -> WebhookDeliverer.Delivery? {
        guard let issue = book.update(.number(number), at: time, { issue in issue.assignees = (issue.assignees ?? []) + [login] })?.issue else {
            return nil
        }
        return await sendIssuesEvent(action: "assigned", issue: issue, actor: login)
    }

    /// Puts issue `number` in the milestone `title` (due `dueOn`, `YYYY-MM-DD`), as `issues.milestoned` says; nil takes
    /// it out (`issues.demilestoned`).
    @discardableResult
    public func setMilestone(number: Int, title: String?, dueOn: String? = nil, actor: String = "dev-alice", at time: Date = .now) async -> WebhookDeliverer.Delivery? {
        guard let issue = book.update(.number(number), at: time, { issue in
            issue.release = title
            issue.dueDate = title == nil ? nil : dueOn
        })?.issue else { return nil }
        return await sendIssuesEvent(action: title == nil ? "demilestoned" : "milestoned", issue: issue, actor: actor)
    }

    /// Opens a ready pull request that closes issue `number` (`pull_request.opened`): by `Closes #N` in its
    /// description, or, with `linkedInPanel`, by a link in its Development panel that the payload does not show. Its number.
    public func openPullRequest(
        closing number: Int, linkedInPanel: Bool = false, author: String = "dev-alice", at time: Date = .now
    ) async -> (number: Int, delivery: WebhookDeliverer.Delivery?) {
        let pull = pullRequests.withLock { state in
            defer { state.next += 1 }
            state.closing[state.next] = [number]
            if linkedInPanel { state.linkedInPanel.insert(state.next) }
            return state.next
        }
        return (pull, await sendPullRequestEvent(action: "opened", number: pull, closing: [number], merged: false, author: author, at: time))
    }

    /// Closes pull request `pull` without merging it (`pull_request.closed`, not merged): its issues stay open.
    @discardableResult
    public func closePullRequest(_ pull: Int, author: String = "dev-alice", at time: Date = .now) async -> WebhookDeliverer.Delivery? {
        guard let closing = pullRequests.withLock({ $0.closing[pull] }) else { return nil }
        return await sendPullRequestEvent(action: "closed", number: pull, closing: closing, merged: false, author: author, at: time)
    }

    /// Merges pull request `pull`: `pull_request.closed` (merged), then each issue it closes is closed as completed.
    @discardableResult
    public func mergePullRequest(_ pull: Int, author: String = "dev-alice", at time: Date = .now) async -> WebhookDeliverer.Delivery? {
        guard let closing = pullRequests.withLock({ $0.closing[pull] }) else { return nil }
        _ = await sendPullRequestEvent(action: "closed", number: pull, closing: closing, merged: true, author: author, at: time)
        var last: WebhookDeliverer.Delivery?
        for number in closing { last = await setState(number: number, state: "closed", reason: "completed", actor: author, at: time) }
        return last
    }

    private func sendPullRequestEvent(
        action: String, number: Int, closing: [Int], merged: Bool, author: String, at time: Date
    ) async -> WebhookDeliverer.Delivery? {
        let owner = Account.owner, repo = Account.repository
        let panel = pullRequests.withLock { $0.linkedInPanel.contains(number) }
        let body = panel ? "Work on the onboarding flow" : closing.map { "Closes #\($0)" }.joined(separator: "\n")
        let pull = Self.pullRequestObject(
            owner: owner, repository: repo, number: number, title: "Work on \(closing.map { "#\($0)" }.joined(separator: ", "))", body: body,
            state: action == "closed" ? "closed" : "open", merged: merged, author: author, at: time)
        let payload: [String: Any] = [
            "action": action, "number": number, "pull_request": pull, "repository": Self.repositoryObject(owner: owner, repository: repo),
            "sender": Self.jsonObject(SimpleUser(login: author)),
        ]
        return await sendWebhook(event: "pull_request", object: payload)
    }

    /// `POST /_sim/github/issues/{number}/assign` (`{"login"}`), `POST /_sim/github/issues/{number}/board`
    /// (`{"status": "In Review"}`, null takes the card off), `POST /_sim/github/pulls` (`{"closes": N}`, `"linkedInPanel": true` for a Development panel link),
    /// `POST /_sim/github/pulls/{number}/merge`.
    func registerWorkflowControl(in router: inout Router) {
        router.post("/_sim/github/issues/:number/assign") { [self] request in
            struct Body: Decodable { var login: String? }
            let login = request.body.isEmpty ? "dev-alice" : (try request.decodeJSON(Body.self).login ?? "dev-alice")
            guard let number = request.parameters["number"].flatMap(Int.init), let delivery = await assign(number: number, login: login) else {
                throw HTTPError(.notFound, "no such issue, or no webhook target")
            }
            return try .json(["delivered": "\(delivery.status ?? 0)"])
        }
        router.post("/_sim/github/issues/:number/board") { [self] request in
            struct Body: Decodable { var status: String? }
            let body = try request.decodeJSON(Body.self)
            guard let number = request.parameters["number"].flatMap(Int.init), let delivery = await setBoardStatus(number: number, to: body.status) else {
                throw HTTPError(.notFound, "no such issue, or no webhook target")
            }
            return try .json(["delivered": "\(delivery.status ?? 0)"])
        }
        router.post("/_sim/github/pulls") { [self] request in
            struct Body: Decodable { var closes: Int; var linkedInPanel: Bool? }
            let body = try request.decodeJSON(Body.self)
            guard book.issue(.number(body.closes)) != nil else { throw HTTPError(.notFound, "no such issue") }
            let opened = await openPullRequest(closing: body.closes, linkedInPanel: body.linkedInPanel ?? false)
            return try .json(["number": String(opened.number), "delivered": opened.delivery.map { "\($0.status ?? 0)" } ?? "no webhook target"])
        }
        router.post("/_sim/github/pulls/:number/merge") { [self] request in
            guard let number = request.parameters["number"].flatMap(Int.init), pullRequests.withLock({ $0.closing[number] }) != nil else {
                throw HTTPError(.notFound, "no such pull request")
            }
            let delivery = await mergePullRequest(number)
            return try .json(["delivered": delivery.map { "\($0.status ?? 0)" } ?? "no webhook target"])
        }
    }
}
