import Foundation
import HTTPServer

/// Issues people opened themselves, and labels added to an issue later: what linking an existing issue meets.
extension GitHubSimulator {
    /// An issue opened by a person in the repository (no marker), as `POST /repos/.../issues` would make it.
    @discardableResult
    public func openIssueByHand(title: String, labels: [String] = [], at time: Date = .now) -> SimulatedIssue {
        book.create { number in
            SimulatedIssue(
                id: String(1_000_000 + number), key: "#\(number)", number: number, title: title, description: "", labels: labels, state: "open",
                stateDetail: nil, updatedAt: time)
        }
    }

    /// A developer's edit of an issue's title or body (`issues.edited`); nil leaves a part as it is.
    @discardableResult
    public func editByHand(number: Int, title: String? = nil, body: String? = nil, actor: String = "dev-alice", at time: Date = .now) async
        -> WebhookDeliverer.Delivery?
    {
        guard let issue = book.update(.number(number), at: time, { issue in
            if let title { issue.title = title }
            if let body { issue.description = body }
        })?.issue else { return nil }
        return await sendIssuesEvent(action: "edited", issue: issue, actor: actor)
    }

    /// "Update an issue" (https://docs.github.com/en/rest/issues/issues#update-an-issue): `title`, `body` and `labels`
    /// (the whole set) as given, the rest kept; labels only with push access, as on GitHub. `issues.edited` follows,
    /// caused by the token's account.
    func registerUpdate(in router: inout Router) {
        router.add(.patch, "/repos/:owner/:repo/issues/:number") { [self] request in
            try await serve(request, "PATCH /repos/:owner/:repo/issues/:number") {
                struct Body: Decodable {
                    var title: String?
                    var body: String?
                    var labels: [String]?
                }
                let body = try request.decodeJSON(Body.self)
                if body.title?.isEmpty == true { return githubError(.unprocessableContent, "Validation Failed") }
                let labels = hasPushAccess ? body.labels : nil
                guard let number = request.parameters["number"].flatMap(Int.init), let (issue, _) = book.update(.number(number), at: .now, { issue in
                    if let title = body.title { issue.title = title }
                    if let text = body.body { issue.description = text }
                    if let labels { issue.labels = labels }
                }) else { return githubError(.notFound, "Not Found") }
                _ = await sendIssuesEvent(action: "edited", issue: issue, actor: "craft-sync-bot")
                return try .json(Self.render(issue, request))
            }
        }
    }

    /// "Add labels to an issue" (https://docs.github.com/en/rest/issues/labels#add-labels-to-an-issue): `{"labels": [...]}`
    /// added to those it has; the answer is the issue's labels. Only with push access, as on GitHub (403 without).
    func registerLabels(in router: inout Router) {
        router.post("/repos/:owner/:repo/issues/:number/labels") { [self] request in
            try await serve(request, "POST /repos/:owner/:repo/issues/:number/labels") {
                struct Body: Decodable { var labels: [String] }
                let body = try request.decodeJSON(Body.self)
                guard hasPushAccess else { return githubError(.forbidden, "Must have admin rights to Repository.") }
                guard let number = request.parameters["number"].flatMap(Int.init), let (issue, _) = book.update(.number(number), at: .now, { issue in
                    for label in body.labels where !issue.labels.contains(label) { issue.labels.append(label) }
                }) else { return githubError(.notFound, "Not Found") }
                return try .json(Self.render(issue, request).labels)
            }
        }
        // "Remove a label from an issue": the issue's labels after; 404 when it has no such label.
        router.add(.delete, "/repos/:owner/:repo/issues/:number/labels/:name") { [self] request in
            try await serve(request, "DELETE /repos/:owner/:repo/issues/:number/labels/:name") {
                guard hasPushAccess else { return githubError(.forbidden, "Must have admin rights to Repository.") }
                let name = request.parameters["name"]?.removingPercentEncoding ?? ""
                guard let number = request.parameters["number"].flatMap(Int.init), let (issue, removed) = book.update(.number(number), at: .now, { issue in
                    defer { issue.labels.removeAll { $0 == name } }
                    return issue.labels.contains(name)
                }), removed else { return githubError(.notFound, "Label does not exist") }
                return try .json(Self.render(issue, request).labels)
            }
        }
    }
}
